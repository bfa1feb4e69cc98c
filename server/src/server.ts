/**
 * The normlint language server: LSP handlers over a {@link Host} and a connection. Transport
 * agnostic (no Node-only imports): `main.ts` starts it on Node over stdio or IPC.
 *
 * Flow: documents are re-parsed incrementally on each change (`ParsedDocument`); analysis is
 * debounced per workspace folder and covers what a change can affect (see `workspace.ts`); a
 * newer change to the same files abandons a running analysis at its next yield point, and results
 * for a document version that is no longer current are never published.
 */
import {
  CodeActionKind,
  DiagnosticSeverity,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  MarkupKind,
  TextDocumentSyncKind,
  type CodeAction,
  type CodeLens,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type Hover,
  type InitializeParams,
  type InitializeResult,
  type TextDocumentPositionParams,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import type { Diagnostic, Fix, Severity } from '../../linter/src/core/diagnostic';
import { Engine, type LayerReport, type TextChange } from '../../linter/src/core/engine';
import { ruleUrl } from '../../linter/src/core/rule';
import { parseSelectorList } from '../../linter/src/core/config';
import { noqaAddEdit } from '../../linter/src/core/suppression';
import { applyEdits, selectFixes } from '../../linter/src/core/apply-fixes';
import { RULES, ruleByCode } from '../../linter/src/rules/index';
import { VERSION } from '../../linter/src/version';
import { positionMapOf, type PositionMap } from './positions';
import { isConfigFile, type Host } from './host';
import { WorkspaceFolder, type FileResult } from './workspace';
import {
  Commands,
  DEFAULT_SETTINGS,
  FIX_ALL_KIND,
  LAYER_AT_REQUEST,
  STATUS_NOTIFICATION,
  type DiagnosticData,
  type FixData,
  type Settings,
  type SimulateLayerArgs,
  type StatusParams,
} from './protocol';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** Normalize `normlint.*` settings as received (missing or wrong types fall back to defaults). */
export function readSettings(raw: unknown): Settings {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const mbs = o.minBatchSize;
  return {
    enable: typeof o.enable === 'boolean' ? o.enable : DEFAULT_SETTINGS.enable,
    select: list(o.select),
    ignore: list(o.ignore),
    minBatchSize: typeof mbs === 'number' && Number.isInteger(mbs) && mbs >= 1 ? mbs : null,
    run: o.run === 'onSave' ? 'onSave' : 'onType',
    debounceMs: typeof o.debounceMs === 'number' && o.debounceMs >= 0 ? o.debounceMs : DEFAULT_SETTINGS.debounceMs,
  };
}

/** Per-folder analysis scheduling. */
interface FolderState {
  folder: WorkspaceFolder;
  pending: Set<string> | 'all';
  timer: ReturnType<typeof setTimeout> | null;
  running: Promise<void> | null;
  /** Files of the running analysis (null: none, or a whole-folder analysis that is never abandoned). */
  runningFiles: ReadonlySet<string> | null;
  abandon: boolean;
  /** The first whole-folder analysis has completed. */
  indexed: boolean;
  /** Open documents analyzed ahead of the first whole-folder analysis (what the user looks at first). */
  openedFirst: Set<string>;
  /** URIs published for this folder with a non-empty list. */
  published: Set<string>;
}

/** Starts serving on `connection`. Resolves once the handlers are registered. */
export function startServer(connection: Connection, host: Host): void {
  let engine: Engine | null = null;
  let settings: Settings = DEFAULT_SETTINGS;
  let clientWatches = false;
  let clientConfiguration = false;
  let clientShowDocument = false;
  let workspaceRoots: string[] = [];
  const folders = new Map<string, FolderState>();
  const configProblemUris = new Set<string>();
  let lastRunMs = 0;
  /** Internal errors already logged (a persistent one is logged once, not after every keystroke). */
  const loggedErrors = new Set<string>();
  let ready: Promise<void> | null = null;
  /** Resolves when `initialized` has set up the folders; document and request handlers wait for it. */
  let markInitialized: () => void = () => undefined;
  const initialized = new Promise<void>((resolve) => (markInitialized = resolve));

  const log = (msg: string): void => connection.console.log(msg);

  // -----------------------------------------------------------------------------------------
  // Folders

  const selection = (): { flags: { select?: string[]; ignore?: string[] }; problems: string[] } => {
    const problems: string[] = [];
    const flags: { select?: string[]; ignore?: string[] } = {};
    for (const [key, values] of [['select', settings.select], ['ignore', settings.ignore]] as const) {
      if (values.length === 0) continue;
      const r = parseSelectorList(values, `normlint.${key}`, RULES);
      if (r.ok) flags[key] = r.selectors;
      else problems.push(r.message);
    }
    return { flags, problems };
  };

  const newFolder = (rootUri: string, walk: boolean): FolderState => {
    const { flags, problems } = selection();
    for (const p of problems) connection.window.showErrorMessage(`normlint: ${p}`);
    const folder = new WorkspaceFolder(rootUri, host, engine!, flags, settings.minBatchSize, walk);
    const st: FolderState = {
      folder,
      pending: walk ? 'all' : new Set(),
      timer: null,
      running: null,
      runningFiles: null,
      abandon: false,
      indexed: !walk,
      openedFirst: new Set(),
      published: new Set(),
    };
    folders.set(walk ? rootUri : `loose:${rootUri}`, st);
    return st;
  };

  /** The folder a document belongs to: the innermost workspace folder, else a loose folder. */
  const folderFor = (uri: string): { st: FolderState; rel: string } | null => {
    let best: FolderState | null = null;
    for (const root of workspaceRoots) {
      const st = folders.get(root);
      if (!st || st.folder.relOf(uri) === null) continue;
      if (!best || root.length > best.folder.rootUri.length) best = st;
    }
    if (!best) {
      const root = host.looseRoot(uri);
      best = folders.get(`loose:${root}`) ?? newFolder(root, false);
    }
    const rel = best.folder.relOf(uri);
    return rel === null ? null : { st: best, rel };
  };

  // -----------------------------------------------------------------------------------------
  // Scheduling and publishing

  /**
   * Queues analysis of `rels` (or the whole folder) after `delayMs`. `opened`: a document was
   * just opened; before the folder's first whole-folder analysis completes, that analysis is
   * interrupted (its per-file work is kept) so the opened file's findings come first.
   */
  const schedule = (st: FolderState, rels: Iterable<string> | 'all', delayMs: number, opened = false): void => {
    if (!settings.enable) return;
    if (rels === 'all') st.pending = 'all';
    else if (st.pending !== 'all') for (const r of rels) st.pending.add(r);
    // A newer change to files being analyzed makes that analysis stale.
    if (st.runningFiles && rels !== 'all' && [...rels].some((r) => st.runningFiles!.has(r))) st.abandon = true;
    if (opened && !st.indexed && st.running && st.runningFiles === null) st.abandon = true;
    if (st.timer) clearTimeout(st.timer);
    st.timer = setTimeout(() => {
      st.timer = null;
      void run(st);
    }, delayMs);
  };

  const busy = (st: FolderState): boolean => st.running !== null || st.timer !== null;
  const hasPending = (st: FolderState): boolean => st.pending === 'all' || st.pending.size > 0;

  const run = async (st: FolderState): Promise<void> => {
    if (st.running) {
      await st.running;
      // Another caller may have started the next analysis meanwhile.
      if (busy(st)) return;
    }
    let targets = st.pending;
    if (targets !== 'all' && targets.size === 0) return;
    const openFirst = targets === 'all' && !st.indexed ? st.folder.openPaths().filter((r) => !st.openedFirst.has(r)) : [];
    if (openFirst.length > 0) {
      // Open documents before the rest of the folder; the whole-folder analysis stays queued.
      targets = new Set(openFirst);
      for (const r of openFirst) st.openedFirst.add(r);
    } else st.pending = new Set();
    st.abandon = false;
    st.runningFiles = targets === 'all' ? null : targets;
    const t0 = performance.now();
    const task = (async () => {
      sendStatus(targets === 'all' || !st.indexed ? 'indexing' : 'idle');
      let results: FileResult[] | null = null;
      try {
        results = await st.folder.lint(targets, () => st.abandon);
      } catch (e) {
        // A bug: log it and do not retry the same analysis in a loop (the next change will).
        connection.console.error(`normlint: analysis failed: ${(e as Error).stack ?? String(e)}`);
        return;
      }
      for (const err of st.folder.internalErrors) {
        if (loggedErrors.has(err)) continue;
        loggedErrors.add(err);
        connection.console.error(`normlint internal error (please report): ${err}`);
      }
      if (results === null) {
        // Abandoned: analyze those files again with the newer changes.
        if (targets === 'all') st.pending = 'all';
        else if (st.pending !== 'all') for (const r of targets) st.pending.add(r);
        return;
      }
      if (targets === 'all') st.indexed = true;
      lastRunMs = performance.now() - t0;
      for (const r of results) publish(st, r);
      publishConfigProblems();
    })();
    st.running = task;
    try {
      await task;
    } finally {
      st.running = null;
      st.runningFiles = null;
      sendStatus([...folders.values()].some((f) => !f.indexed) ? 'indexing' : 'idle');
    }
    if (hasPending(st) && !st.timer) void run(st);
  };

  /** Runs pending analysis of a folder now and waits for it (requests that need current results). */
  const flush = async (st: FolderState): Promise<void> => {
    for (let i = 0; i < 5 && (busy(st) || hasPending(st)); i++) {
      if (st.timer) {
        clearTimeout(st.timer);
        st.timer = null;
      }
      if (st.running) await st.running;
      else await run(st);
    }
  };

  const toLsp = (st: FolderState, r: FileResult, d: Diagnostic, map: PositionMap): LspDiagnostic => {
    const fixes = [d.fix, ...(d.alternatives ?? [])].filter((f): f is Fix => f !== null);
    const data: DiagnosticData = {
      name: d.name,
      version: r.version,
      fixes: fixes.map((f): FixData => ({
        title: f.title,
        applicability: f.applicability,
        edits: f.edits.map((e) => ({ range: map.range(e), newText: e.content })),
      })),
    };
    const related = d.related.flatMap((rel) => {
      const text = st.folder.results.get(rel.file)?.text ?? (rel.file === r.rel ? r.text : st.folder.textOf(rel.file));
      if (text == null) return [];
      const m = rel.file === r.rel ? map : positionMapOf(text);
      return [{ location: { uri: st.folder.uriOf(rel.file), range: m.range(rel.span) }, message: rel.message }];
    });
    return {
      range: map.range(d.span),
      severity: SEVERITY[d.severity],
      code: d.code,
      codeDescription: { href: ruleUrl(d.code) },
      source: 'normlint',
      message: d.message,
      ...(related.length ? { relatedInformation: related } : {}),
      data,
    };
  };

  const publish = (st: FolderState, r: FileResult): void => {
    if (!settings.enable) return;
    const open = st.folder.document(r.rel);
    // Never publish positions for a text the editor no longer shows.
    if (open && r.version !== open.version) return;
    const map = positionMapOf(r.text);
    const diagnostics = r.diagnostics.map((d) => toLsp(st, r, d, map));
    for (const w of r.warnings) {
      if (w.kind === 'syntax') continue; // the Python extension reports syntax errors
      const line = Math.max(0, w.line - 1);
      const l = map.line(line);
      diagnostics.push({
        range: { start: map.position(l.start), end: map.position(l.end) },
        // Not a finding: a directive normlint cannot read, or a file it could not analyze.
        severity: DiagnosticSeverity.Information,
        source: 'normlint',
        message: w.message,
      });
    }
    // Open documents get every analysis (with its version); other files only changes.
    if (diagnostics.length === 0 && !st.published.has(r.uri) && !open) return;
    if (diagnostics.length) st.published.add(r.uri);
    else st.published.delete(r.uri);
    void connection.sendDiagnostics({ uri: r.uri, ...(open ? { version: open.version } : {}), diagnostics });
  };

  const publishConfigProblems = (): void => {
    const byUri = new Map<string, LspDiagnostic[]>();
    for (const st of folders.values()) {
      for (const p of st.folder.configProblems()) {
        const line = Math.max(0, (p.line ?? 1) - 1);
        const ch = Math.max(0, (p.column ?? 1) - 1);
        let list = byUri.get(p.uri);
        if (!list) byUri.set(p.uri, (list = []));
        if (list.some((d) => d.message === p.message && d.range.start.line === line)) continue;
        list.push({
          range: { start: { line, character: ch }, end: { line, character: p.column != null ? ch + 1 : 10_000 } },
          severity: DiagnosticSeverity.Error,
          source: 'normlint',
          message: `invalid normlint configuration: ${p.message} (the defaults apply to the files it configures)`,
        });
      }
    }
    for (const uri of configProblemUris) if (!byUri.has(uri)) void connection.sendDiagnostics({ uri, diagnostics: [] });
    configProblemUris.clear();
    for (const [uri, diagnostics] of byUri) {
      configProblemUris.add(uri);
      void connection.sendDiagnostics({ uri, diagnostics });
    }
  };

  const clearAll = (): void => {
    for (const st of folders.values()) {
      for (const uri of st.published) void connection.sendDiagnostics({ uri, diagnostics: [] });
      st.published.clear();
    }
  };

  const sendStatus = (state: StatusParams['state']): void => {
    let files = 0;
    let findings = 0;
    for (const st of folders.values()) {
      files += st.folder.fileCount;
      for (const r of st.folder.results.values()) findings += r.diagnostics.length;
    }
    const params: StatusParams = { state: settings.enable ? state : 'disabled', files, findings, lastRunMs: Math.round(lastRunMs * 10) / 10, rssBytes: host.rssBytes() };
    void connection.sendNotification(STATUS_NOTIFICATION, params);
  };

  // -----------------------------------------------------------------------------------------
  // Settings

  const pullSettings = async (): Promise<void> => {
    if (!clientConfiguration) return;
    try {
      const [raw] = await connection.workspace.getConfiguration([{ section: 'normlint' }]);
      settings = readSettings(raw);
    } catch (e) {
      log(`normlint: cannot read settings (${(e as Error).message}); using defaults`);
    }
  };

  const reconfigureAll = (): void => {
    const { flags, problems } = selection();
    for (const p of problems) connection.window.showErrorMessage(`normlint: ${p}`);
    for (const st of folders.values()) {
      st.folder.reconfigure(flags, settings.minBatchSize);
      schedule(st, 'all', 0);
    }
  };

  // -----------------------------------------------------------------------------------------
  // Lifecycle

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const caps = params.capabilities;
    clientWatches = Boolean(caps.workspace?.didChangeWatchedFiles?.dynamicRegistration);
    clientConfiguration = Boolean(caps.workspace?.configuration);
    clientShowDocument = Boolean(caps.window?.showDocument?.support);
    const init = params.initializationOptions as { settings?: unknown } | undefined;
    if (init?.settings) settings = readSettings(init.settings);
    workspaceRoots = (params.workspaceFolders ?? []).map((f) => f.uri.replace(/\/$/, ''));
    if (workspaceRoots.length === 0 && params.rootUri) workspaceRoots = [params.rootUri.replace(/\/$/, '')];
    ready = host.grammars().then(async (g) => {
      engine = await Engine.create(g);
    });
    return {
      capabilities: {
        positionEncoding: 'utf-16',
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.SourceFixAll, FIX_ALL_KIND] },
        hoverProvider: true,
        codeLensProvider: { resolveProvider: false },
        executeCommandProvider: { commands: [Commands.showDocumentation, Commands.applyAutofix, Commands.simulateLayer] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'normlint', version: VERSION },
    };
  });

  connection.onInitialized(async () => {
    await ready;
    if (clientConfiguration) void connection.client.register(DidChangeConfigurationNotification.type, undefined);
    if (clientWatches) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: '**/*.{py,pyi}' }, { globPattern: '**/{normlint,pyproject}.toml' }, { globPattern: '**/.gitignore' }],
      });
    }
    await pullSettings();
    for (const root of workspaceRoots) if (!folders.has(root)) newFolder(root, true);
    for (const st of folders.values()) schedule(st, 'all', 0);
    markInitialized();
    if (workspaceRoots.length) connection.workspace.onDidChangeWorkspaceFolders((ev) => {
      for (const f of ev.removed) {
        const root = f.uri.replace(/\/$/, '');
        const st = folders.get(root);
        if (st) {
          for (const uri of st.published) void connection.sendDiagnostics({ uri, diagnostics: [] });
          st.folder.dispose();
          folders.delete(root);
        }
        workspaceRoots = workspaceRoots.filter((r) => r !== root);
      }
      for (const f of ev.added) {
        const root = f.uri.replace(/\/$/, '');
        workspaceRoots.push(root);
        schedule(newFolder(root, true), 'all', 0);
      }
    });
  });

  connection.onDidChangeConfiguration(async (change) => {
    await initialized;
    const before = JSON.stringify(settings);
    if (clientConfiguration) await pullSettings();
    else settings = readSettings((change.settings as { normlint?: unknown } | undefined)?.normlint);
    if (JSON.stringify(settings) === before) return;
    if (!settings.enable) {
      for (const st of folders.values()) {
        if (st.timer) clearTimeout(st.timer);
        st.timer = null;
        st.pending = new Set();
        st.abandon = true;
      }
      clearAll();
      sendStatus('disabled');
      return;
    }
    reconfigureAll();
  });

  connection.onDidChangeWatchedFiles(async (params) => {
    await initialized;
    let configChanged = false;
    const touched = new Map<FolderState, Set<string> | 'all'>();
    for (const ch of params.changes) {
      for (const st of folders.values()) {
        const rel = st.folder.relOf(ch.uri);
        if (rel === null) continue;
        if (isConfigFile(rel) || /(^|\/)\.gitignore$/.test(rel)) {
          configChanged ||= isConfigFile(rel);
          touched.set(st, 'all');
          continue;
        }
        if (!/\.pyi?$/.test(rel)) continue;
        if (ch.type === FileChangeType.Changed) {
          if (st.folder.document(rel)) continue; // the editor's text wins while open
          st.folder.diskChanged(rel);
          const t = touched.get(st) ?? new Set<string>();
          if (t !== 'all') t.add(rel);
          touched.set(st, t);
        } else {
          // Created or deleted: import resolution may change anywhere.
          st.folder.diskChanged(rel);
          touched.set(st, 'all');
        }
      }
    }
    const { flags } = selection();
    for (const [st, what] of touched) {
      if (what === 'all') {
        if (configChanged) st.folder.reconfigure(flags, settings.minBatchSize);
        st.folder.rescan();
      }
      schedule(st, what, 50);
    }
  });

  // -----------------------------------------------------------------------------------------
  // Documents

  const isTracked = (languageId: string, uri: string): boolean => languageId === 'python' || /\.pyi?$/.test(uri);

  connection.onDidOpenTextDocument(async (p) => {
    await initialized;
    if (!isTracked(p.textDocument.languageId, p.textDocument.uri)) return;
    const loc = folderFor(p.textDocument.uri);
    if (!loc) return;
    const rel = loc.st.folder.openDocument(p.textDocument.uri, p.textDocument.version, p.textDocument.text);
    if (rel === null) return;
    const known = loc.st.folder.results.get(rel);
    // Same text as analyzed: republish with the editor's version instead of re-analyzing.
    if (known && known.text === p.textDocument.text) {
      publish(loc.st, { ...known, uri: p.textDocument.uri, version: p.textDocument.version });
      loc.st.folder.results.set(rel, { ...known, uri: p.textDocument.uri, version: p.textDocument.version });
      return;
    }
    schedule(loc.st, [rel], 0, true);
  });

  connection.onDidChangeTextDocument(async (p) => {
    await initialized;
    const loc = folderFor(p.textDocument.uri);
    if (!loc || !loc.st.folder.document(loc.rel)) return;
    const doc = loc.st.folder.document(loc.rel)!;
    try {
      // Convert each change against the text the previous ones produced.
      let text = doc.text;
      const changes: TextChange[] = [];
      let full: string | null = null;
      for (const c of p.contentChanges) {
        if (!('range' in c)) {
          full = c.text;
          changes.length = 0;
          text = c.text;
          continue;
        }
        const map = positionMapOf(text);
        const start = map.offset(c.range.start);
        const end = Math.max(start, map.offset(c.range.end));
        changes.push({ start, end, text: c.text });
        text = text.slice(0, start) + c.text + text.slice(end);
      }
      if (full !== null) {
        loc.st.folder.changeDocument(loc.rel, p.textDocument.version, { full });
        if (changes.length) loc.st.folder.changeDocument(loc.rel, p.textDocument.version, changes);
      } else loc.st.folder.changeDocument(loc.rel, p.textDocument.version, changes);
    } catch (e) {
      connection.console.error(`normlint: could not apply a change to ${p.textDocument.uri}: ${(e as Error).message}`);
      return;
    }
    if (settings.run === 'onType') schedule(loc.st, [loc.rel], settings.debounceMs);
  });

  connection.onDidSaveTextDocument(async (p) => {
    await initialized;
    if (settings.run !== 'onSave') return;
    const loc = folderFor(p.textDocument.uri);
    if (loc) schedule(loc.st, [loc.rel], 0);
  });

  connection.onDidCloseTextDocument(async (p) => {
    await initialized;
    const loc = folderFor(p.textDocument.uri);
    if (!loc) return;
    loc.st.folder.closeDocument(loc.rel);
    if (loc.st.folder.has(loc.rel)) schedule(loc.st, [loc.rel], 0);
    else {
      // A loose or excluded file: its findings go with it.
      loc.st.folder.results.delete(loc.rel);
      loc.st.published.delete(p.textDocument.uri);
      void connection.sendDiagnostics({ uri: p.textDocument.uri, diagnostics: [] });
    }
  });

  // -----------------------------------------------------------------------------------------
  // Code actions

  const currentResult = async (uri: string): Promise<{ st: FolderState; rel: string; result: FileResult; text: string; version: number | null } | null> => {
    const loc = folderFor(uri);
    if (!loc) return null;
    await flush(loc.st);
    const result = loc.st.folder.results.get(loc.rel);
    const doc = loc.st.folder.document(loc.rel);
    if (!result) return null;
    if (doc && result.version !== doc.version) return null;
    return { st: loc.st, rel: loc.rel, result, text: result.text, version: doc ? doc.version : null };
  };

  /** One edit applying every safe fix of a file (non-overlapping, first wins), or null. */
  const fixAllEdit = async (uri: string): Promise<WorkspaceEdit | null> => {
    const cur = await currentResult(uri);
    if (!cur) return null;
    const sel = selectFixes(cur.result.diagnostics, (a) => a === 'safe');
    if (sel.edits.length === 0) return null;
    const map = positionMapOf(cur.text);
    const edits: TextEdit[] = sel.edits.map((e) => ({ range: map.range(e), newText: e.content }));
    return cur.version !== null
      ? { documentChanges: [{ textDocument: { uri, version: cur.version }, edits }] }
      : { changes: { [uri]: edits } };
  };

  connection.onCodeAction(async (params) => {
    await initialized;
    const uri = params.textDocument.uri;
    const only = params.context.only;
    const wants = (kind: string): boolean => !only || only.some((k) => kind === k || kind.startsWith(`${k}.`));
    const actions: CodeAction[] = [];
    if (wants(FIX_ALL_KIND) && only) {
      const edit = await fixAllEdit(uri);
      if (edit) actions.push({ title: 'normlint: Fix all safe findings', kind: FIX_ALL_KIND, edit });
      return actions;
    }
    if (!wants(CodeActionKind.QuickFix)) return actions;
    const loc = folderFor(uri);
    const doc = loc ? loc.st.folder.document(loc.rel) : null;
    const docText = doc?.text ?? (loc ? loc.st.folder.textOf(loc.rel) : null);
    const version = doc ? doc.version : null;
    const seenCodes = new Set<string>();
    for (const diag of params.context.diagnostics) {
      if (diag.source !== 'normlint' || typeof diag.code !== 'string') continue;
      const data = diag.data as DiagnosticData | undefined;
      const code = diag.code;
      if (data && (data.version === null || data.version === version)) {
        data.fixes.forEach((f, i) => {
          actions.push({
            title: f.title,
            kind: CodeActionKind.QuickFix,
            diagnostics: [diag],
            isPreferred: i === 0 && f.applicability === 'safe',
            edit: version !== null ? { documentChanges: [{ textDocument: { uri, version }, edits: f.edits }] } : { changes: { [uri]: f.edits } },
          });
        });
      }
      if (seenCodes.has(code)) continue;
      seenCodes.add(code);
      if (docText != null && engine && loc) {
        const edit = noqaAddEdit(docText, diag.range.start.line, code);
        if (edit) {
          const after = applyEdits(docText, [edit]);
          if (engine.countParseErrors(after) <= loc.st.folder.syntaxErrorCount(loc.rel)) {
            const map = positionMapOf(docText);
            const edits: TextEdit[] = [{ range: map.range(edit), newText: edit.content }];
            actions.push({
              title: `Disable ${code} for this line`,
              kind: CodeActionKind.QuickFix,
              diagnostics: [diag],
              edit: version !== null ? { documentChanges: [{ textDocument: { uri, version }, edits }] } : { changes: { [uri]: edits } },
            });
          }
        }
      }
      actions.push({
        title: `Show documentation for ${code}`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diag],
        command: { title: `Show documentation for ${code}`, command: Commands.showDocumentation, arguments: [code] },
      });
    }
    return actions;
  });

  // -----------------------------------------------------------------------------------------
  // Hover and code lens

  const layerAt = (result: FileResult, offset: number): LayerReport | null => {
    let best: LayerReport | null = null;
    for (const l of result.layers) {
      if (l.span.start <= offset && offset <= l.span.end && (!best || l.span.end - l.span.start < best.span.end - best.span.start)) best = l;
    }
    return best;
  };

  connection.onHover(async (params): Promise<Hover | null> => {
    await initialized;
    const cur = await currentResult(params.textDocument.uri);
    if (!cur) return null;
    const map = positionMapOf(cur.text);
    const offset = map.offset(params.position);
    const layer = layerAt(cur.result, offset);
    if (!layer) return null;
    const findings = cur.result.diagnostics.filter((d) => d.span.start < layer.span.end && layer.span.start < d.span.end);
    return {
      contents: { kind: MarkupKind.Markdown, value: layerHover(layer, findings, (file) => cur.st.folder.results.get(file)?.text ?? cur.st.folder.textOf(file)) },
      range: map.range(layer.span),
    };
  });

  connection.onCodeLens(async (params): Promise<CodeLens[]> => {
    await initialized;
    const cur = await currentResult(params.textDocument.uri);
    if (!cur) return [];
    const map = positionMapOf(cur.text);
    return cur.result.layers.map((l) => {
      const args: SimulateLayerArgs = { uri: params.textDocument.uri, layer: l };
      return { range: map.range(l.span), command: { title: 'Simulate in BN Lab', command: Commands.simulateLayer, arguments: [args] } };
    });
  });

  connection.onRequest(LAYER_AT_REQUEST, async (params: TextDocumentPositionParams): Promise<SimulateLayerArgs | null> => {
    await initialized;
    const cur = await currentResult(params.textDocument.uri);
    if (!cur) return null;
    const layer = layerAt(cur.result, positionMapOf(cur.text).offset(params.position));
    return layer ? { uri: params.textDocument.uri, layer } : null;
  });

  // -----------------------------------------------------------------------------------------
  // Commands

  const openExternal = async (url: string): Promise<void> => {
    if (clientShowDocument) await connection.window.showDocument({ uri: url, external: true });
    else connection.window.showInformationMessage(`normlint: ${url}`);
  };

  connection.onExecuteCommand(async (params) => {
    await initialized;
    const args = params.arguments ?? [];
    switch (params.command) {
      case Commands.showDocumentation: {
        const rule = typeof args[0] === 'string' ? ruleByCode(args[0]) : undefined;
        if (rule) await openExternal(ruleUrl(rule.code));
        return null;
      }
      case Commands.applyAutofix: {
        if (typeof args[0] !== 'string') return null;
        const edit = await fixAllEdit(args[0]);
        if (edit) await connection.workspace.applyEdit({ label: 'normlint: Fix all safe findings', edit });
        return null;
      }
      case Commands.simulateLayer: {
        const a = args[0] as SimulateLayerArgs | undefined;
        const q = a?.layer?.q;
        if (typeof q === 'string' && q.startsWith('torch.')) await openExternal(`https://pytorch.org/docs/stable/generated/${q}.html`);
        return null;
      }
      default:
        return null;
    }
  });

  connection.onShutdown(() => {
    for (const st of folders.values()) {
      if (st.timer) clearTimeout(st.timer);
      st.folder.dispose();
    }
  });

  connection.listen();
}

/** `file:line` for a location in the hover (1-based line). */
function where(file: string, text: string | null, offset: number): string {
  if (text == null) return file;
  return `${file}:${positionMapOf(text).position(offset).line + 1}`;
}

const MODE_WORDS: Record<string, string> = {
  train: 'train',
  eval: 'eval',
  bneval: 'eval (BatchNorm layers)',
  entry: "the caller's mode",
  unknown: 'unknown',
};

/**
 * The hover of a normalization layer: its resolved configuration, the train/eval facts of the
 * modules that contain it, and the findings on it (Markdown).
 */
export function layerHover(layer: LayerReport, findings: readonly Diagnostic[], textOf: (file: string) => string | null): string {
  const short = layer.q.startsWith('torch.nn.') ? `nn.${layer.q.slice(9)}` : layer.q;
  const out: string[] = [`**${short}** · normlint`, ''];
  const shape = layer.dims === 1 ? '`[N, C]` or `[N, C, L]`' : layer.dims === 2 ? '`[N, C, H, W]`' : layer.dims === 3 ? '`[N, C, D, H, W]`' : null;
  if (shape) out.push(`Input ${shape}.`, '');
  out.push('| argument | value |', '|---|---|');
  for (const a of layer.args) {
    let v = `\`${a.value}\`${a.defaulted ? ' (default)' : ''}`;
    if (a.name === 'momentum' && layer.momentum) {
      const m = layer.momentum;
      if (m.cumulative) v += ' · cumulative moving average (no momentum)';
      else if (m.torch !== null) v += ` · PyTorch: new batch weighs ${m.torch}; Keras/TF.js equivalent \`momentum=${m.keras}\``;
    }
    out.push(`| ${a.name} | ${v} |`);
  }
  if (layer.producer) {
    const p = layer.producer;
    const pshort = p.q.startsWith('torch.nn.') ? `nn.${p.q.slice(9)}` : p.q;
    const bias = p.bias === true ? ' with a bias (that this normalization cancels)' : p.bias === false ? ' without bias' : '';
    out.push('', `Fed by \`${pshort}\` at \`${where(p.file, textOf(p.file), p.span.start)}\`${bias}.`);
  }
  if (layer.batchSizes.length) {
    out.push('', `Trained with batches of ${layer.batchSizes.join(' or ')} (per process).`);
  }
  if (layer.uses.length) {
    out.push('', '**Train/eval mode** (modules containing this layer):');
    for (const u of layer.uses.slice(0, 8)) {
      const modes = u.modes.map((m) => MODE_WORDS[m] ?? m).join(' or ');
      const what = u.kind === 'train-step' ? 'trained' : 'inference';
      const warn = u.kind === 'inference' && u.modes.includes('train') ? ' ⚠' : u.kind === 'train-step' && u.modes.some((m) => m === 'eval' || m === 'bneval') ? ' ⚠' : '';
      out.push(`- ${what} at \`${where(u.file, textOf(u.file), u.span.start)}\` in ${modes} mode${warn}`);
    }
    if (layer.uses.length > 8) out.push(`- … ${layer.uses.length - 8} more`);
  }
  if (findings.length) {
    out.push('', '**Findings**');
    for (const d of findings) out.push(`- [${d.code}](${ruleUrl(d.code)}) ${d.name}: ${d.message}`);
  }
  return out.join('\n');
}

export { RULES };
