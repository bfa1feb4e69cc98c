/**
 * The normlint language server: LSP handlers over a {@link Host} and a connection. Transport
 * agnostic (no Node-only imports): `main.ts` starts it on Node over stdio or IPC.
 *
 * Flow: documents are re-parsed incrementally on each change (`ParsedDocument`); analysis is
 * debounced per workspace folder and covers what a change can affect (see `workspace.ts`); a
 * newer change to the same files abandons a running analysis at its next yield point, and results
 * for a document version that is no longer current are never published.
 *
 * Jupyter notebooks (LSP 3.17 notebook sync through `vscode-languageserver`'s
 * `NotebookDocuments`): an open notebook is one document of its folder, analyzed under its path
 * (`…/nb.ipynb`) as the program its Python code cells form (`notebooks.ts`); its findings are
 * published per cell URI in the cell's own positions, and requests on a cell map the cell
 * position to the program and back. A notebook that is not open is analyzed from disk and its
 * findings are published on the notebook's URI, in positions of its JSON text.
 */
import {
  CodeActionKind,
  DiagnosticSeverity,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  MarkupKind,
  NotebookDocuments,
  TextDocumentSyncKind,
  type CodeAction,
  type CodeLens,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type Hover,
  type InitializeParams,
  type InitializeResult,
  type Position,
  type Range,
  type TextDocumentEdit,
  type TextDocumentPositionParams,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic, Edit, Fix, Severity, Span } from '../../linter/src/core/diagnostic';
import { Engine, type LayerReport, type TextChange } from '../../linter/src/core/engine';
import { ruleUrl } from '../../linter/src/core/rule';
import { parseSelectorList } from '../../linter/src/core/config';
import { noqaAddEditFor } from '../../linter/src/core/suppression-script';
import { applyEdits, selectFixes } from '../../linter/src/core/apply-fixes';
import { RULES, ruleByCode } from '../../linter/src/rules/index';
import { VERSION } from '../../linter/src/version';
import { isNotebookPath, isSourcePath } from '../../linter/src/core/source-kind';
import { tfjsDisplayName } from '../../linter/src/model/frameworks/tfjs';

/** Editor languages whose documents normlint analyzes (Python, and TensorFlow.js code in TypeScript/JavaScript). */
const TRACKED_LANGUAGES: ReadonlySet<string> = new Set(['python', 'typescript', 'typescriptreact', 'javascript', 'javascriptreact']);
import { positionMapOf } from './positions';
import { cellLine, diffChange, NotebookFileMap, NotebookProgram, type ProgramCell, type SyncedCell } from './notebooks';
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

/** A callback queued by {@link later}. */
interface Later {
  cancel(): void;
}

/**
 * Runs `f` after `delayMs`. A delay of 0 runs it once the pending I/O has been read
 * (`setImmediate`), so changes that arrived together are still analyzed together; Node clamps
 * `setTimeout(f, 0)` to 1 ms, which every keystroke would pay with the debounce set to 0.
 */
function later(f: () => void, delayMs: number): Later {
  if (delayMs <= 0) {
    const h = setImmediate(f);
    return { cancel: () => clearImmediate(h) };
  }
  const h = setTimeout(f, delayMs);
  return { cancel: () => clearTimeout(h) };
}

/** Per-folder analysis scheduling. */
interface FolderState {
  folder: WorkspaceFolder;
  pending: Set<string> | 'all';
  /** The queued analysis' timer (see {@link later}); null when none is queued. */
  timer: Later | null;
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

/** A notebook document open in the editor: one document of its folder (see `notebooks.ts`). */
interface OpenNotebook {
  /** The notebook document's URI. */
  uri: string;
  st: FolderState;
  /** Its project-relative path (`…/nb.ipynb`), the document's key in the folder. */
  rel: string;
  /**
   * The version of the program in the folder's document: a server-side counter bumped when the
   * program changes (a cell's text, cells added, removed or moved). Cell text documents keep
   * their own versions ({@link ProgramCell.version}), which publications and fixes carry.
   */
  version: number;
  /** The program of the current cells. */
  program: NotebookProgram;
  /** Cell URIs published with a non-empty list. */
  published: Set<string>;
}

/** Where the places of one analyzed file show in the editor. */
interface FileView {
  /** The document and range where a span of the analyzed text shows, or null when it cannot. */
  locate(span: Span): { uri: string; range: Range } | null;
  /** A fix's edit as an edit of one document, or null when it cannot be one (the fix is dropped). */
  edit(e: Edit): { uri: string; range: Range } | null;
  /** The version of document `uri` the positions refer to (null: a file not open in the editor). */
  version(uri: string): number | null;
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
  /** Notebook documents and their cells' text documents, as the client syncs them. */
  const notebookDocs = new NotebookDocuments(TextDocument);
  /** Open notebooks, by notebook URI. */
  const notebooks = new Map<string, OpenNotebook>();
  let notebookVersions = 0;
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
    st.timer?.cancel();
    st.timer = later(() => {
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
      // (An edit's analysis announces nothing before it: the status after it tells the result,
      // and the notification, the findings' count and the RSS read cost a keystroke ~1 ms.)
      if (targets === 'all' || !st.indexed) sendStatus('indexing');
      let results: FileResult[] | null = null;
      try {
        results = await st.folder.lint(targets, () => st.abandon);
      } catch (e) {
        // A bug: log it and do not retry the same analysis in a loop (the next change will).
        connection.console.error(`normlint: analysis failed: ${(e as Error).stack ?? String(e)}`);
        return;
      }
      for (const err of [...st.folder.internalErrors, ...st.folder.takeLateErrors()]) {
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

  /**
   * Runs pending analysis of a folder now and waits for it: a few analyses at most (documents
   * opened during the first whole-folder analysis each interrupt it, edits queue more). A
   * request that needs a document's current results waits with {@link settle}.
   */
  const flush = async (st: FolderState): Promise<void> => {
    for (let i = 0; i < 5 && (busy(st) || hasPending(st)); i++) {
      if (st.timer) {
        st.timer.cancel();
        st.timer = null;
      }
      if (st.running) await st.running;
      else await run(st);
    }
  };

  /**
   * Waits until `done()` (document `rel` of `st` has a result for its current text, or the
   * document went away) or the folder has no analysis left to run, for requests that answer
   * from that result (code actions, hover, code lens, `normlint.applyAutofix`). `flush` alone
   * stops after a few analyses, which is not enough when the document's analysis is queued
   * behind others: documents opened during the first whole-folder analysis each interrupt it,
   * and the edits of a document analyzed ahead of it wait for the rest of it. So the document
   * goes ahead of the rest of that analysis (see `run`), and the folder is flushed until then.
   * Not current with nothing left to run: analysis is off, deferred (`normlint.run` is
   * `onSave`) or failed (logged).
   */
  const settle = async (st: FolderState, rel: string, done: () => boolean): Promise<void> => {
    await flush(st);
    if (done()) return;
    st.openedFirst.delete(rel);
    while (!done() && (busy(st) || hasPending(st))) await flush(st);
  };

  /** The open notebook that is document `rel` of a folder, if any. */
  const notebookAt = (st: FolderState, rel: string): OpenNotebook | undefined => {
    for (const nb of notebooks.values()) if (nb.st === st && nb.rel === rel) return nb;
    return undefined;
  };

  /** The open notebook whose program has the code cell `uri`, if any. */
  const notebookOfCell = (uri: string): OpenNotebook | undefined => {
    for (const nb of notebooks.values()) if (nb.program.cell(uri)) return nb;
    return undefined;
  };

  /**
   * How spans of file `rel`, analyzed as `text`, show in the editor: in the cells of an open
   * notebook, in the JSON text of a notebook on disk (no edits: fixes need the notebook open),
   * else in the file itself. Null when `text` is not the notebook's current program.
   * @param uri the URI to publish a plain file under (default: the folder's spelling).
   * @param version the version of a plain file's text (null: from disk).
   */
  const viewOf = (st: FolderState, rel: string, text: string, uri = st.folder.uriOf(rel), version: number | null = null): FileView | null => {
    const nb = notebookAt(st, rel);
    if (nb) {
      if (nb.program.text !== text) return null;
      const p = nb.program;
      const asUri = (l: { cell: ProgramCell; range: Range } | null) => (l ? { uri: l.cell.uri, range: l.range } : null);
      return { locate: (span) => asUri(p.locate(span)), edit: (e) => asUri(p.edit(e)), version: (u) => p.cell(u)?.version ?? null };
    }
    if (isNotebookPath(rel)) {
      const disk = st.folder.diskNotebook(rel);
      if (!disk || disk.program !== text) return null;
      const m = new NotebookFileMap(disk);
      return { locate: (span) => ({ uri, range: m.range(span) }), edit: () => null, version: () => null };
    }
    const map = positionMapOf(text);
    return { locate: (span) => ({ uri, range: map.range(span) }), edit: (e) => ({ uri, range: map.range(e) }), version: () => version };
  };

  /** The view of another file a diagnostic's related information points into. */
  const relatedView = (st: FolderState, rel: string): FileView | null => {
    const nb = notebookAt(st, rel);
    if (nb) return viewOf(st, rel, nb.program.text);
    const text = st.folder.results.get(rel)?.text ?? st.folder.textOf(rel);
    return text == null ? null : viewOf(st, rel, text);
  };

  /**
   * A diagnostic in LSP terms and the document it goes to (a notebook cell's URI for an open
   * notebook). Fixes whose edits do not all fall in that document are dropped (an edit never
   * spans notebook cells).
   */
  const toLsp = (st: FolderState, r: FileResult, d: Diagnostic, view: FileView): { uri: string; diagnostic: LspDiagnostic } | null => {
    const home = view.locate(d.span);
    if (!home) return null;
    const fixes = [d.fix, ...(d.alternatives ?? [])].filter((f): f is Fix => f !== null);
    const data: DiagnosticData = {
      name: d.name,
      version: view.version(home.uri),
      fixes: fixes.flatMap((f): FixData[] => {
        const edits: FixData['edits'] = [];
        for (const e of f.edits) {
          const at = view.edit(e);
          if (!at || at.uri !== home.uri) return [];
          edits.push({ range: at.range, newText: e.content });
        }
        return [{ title: f.title, applicability: f.applicability, edits }];
      }),
    };
    const related = d.related.flatMap((rel) => {
      const loc = (rel.file === r.rel ? view : relatedView(st, rel.file))?.locate(rel.span);
      return loc ? [{ location: loc, message: rel.message }] : [];
    });
    const diagnostic: LspDiagnostic = {
      range: home.range,
      severity: SEVERITY[d.severity],
      code: d.code,
      codeDescription: { href: ruleUrl(d.code) },
      source: 'normlint',
      message: d.message,
      ...(related.length ? { relatedInformation: related } : {}),
      data,
    };
    return { uri: home.uri, diagnostic };
  };

  const publish = (st: FolderState, r: FileResult): void => {
    if (!settings.enable) return;
    const open = st.folder.document(r.rel);
    // Never publish positions for a text the editor no longer shows (nor an editor's text
    // once the document is closed).
    if (open ? r.version !== open.version : r.version !== null) return;
    const nb = open ? notebookAt(st, r.rel) : undefined;
    const view = viewOf(st, r.rel, r.text, r.uri, r.version);
    if (!view) return;
    const byUri = new Map<string, LspDiagnostic[]>();
    const listOf = (uri: string): LspDiagnostic[] => {
      let l = byUri.get(uri);
      if (!l) byUri.set(uri, (l = []));
      return l;
    };
    // Open documents get every analysis (with its version): every code cell of a notebook too.
    if (nb) for (const c of nb.program.cells) listOf(c.uri);
    else listOf(r.uri);
    for (const d of r.diagnostics) {
      const x = toLsp(st, r, d, view);
      if (x) listOf(x.uri).push(x.diagnostic);
    }
    const lines = positionMapOf(r.text);
    for (const w of r.warnings) {
      if (w.kind === 'syntax') continue; // the Python extension reports syntax errors
      const l = lines.line(Math.max(0, w.line - 1));
      const at = view.locate({ start: l.start, end: l.end });
      if (!at) continue;
      listOf(at.uri).push({
        range: at.range,
        // Not a finding: a directive normlint cannot read, or a file it could not analyze.
        severity: DiagnosticSeverity.Information,
        source: 'normlint',
        message: w.message,
      });
    }
    if (nb) {
      publishCells(nb, byUri);
      return;
    }
    const diagnostics = byUri.get(r.uri)!;
    // Other files only when their findings change.
    if (diagnostics.length === 0 && !st.published.has(r.uri) && !open) return;
    if (diagnostics.length) st.published.add(r.uri);
    else st.published.delete(r.uri);
    void connection.sendDiagnostics({ uri: r.uri, ...(open ? { version: open.version } : {}), diagnostics });
  };

  /** Publishes an open notebook's findings per code cell (with the cell's version) and clears cells that lost theirs. */
  const publishCells = (nb: OpenNotebook, byUri: ReadonlyMap<string, LspDiagnostic[]>): void => {
    // The notebook file's own publication (from disk, JSON positions) gives way to the cells'.
    if (nb.st.published.delete(nb.uri)) void connection.sendDiagnostics({ uri: nb.uri, diagnostics: [] });
    for (const [uri, diagnostics] of byUri) {
      const version = nb.program.cell(uri)?.version;
      void connection.sendDiagnostics({ uri, ...(version !== undefined ? { version } : {}), diagnostics });
      if (diagnostics.length) nb.published.add(uri);
      else nb.published.delete(uri);
    }
    for (const uri of [...nb.published]) {
      if (byUri.has(uri)) continue;
      nb.published.delete(uri);
      void connection.sendDiagnostics({ uri, diagnostics: [] });
    }
  };

  /** Clears the published findings of an open notebook's cells. */
  const clearCells = (nb: OpenNotebook): void => {
    for (const uri of nb.published) void connection.sendDiagnostics({ uri, diagnostics: [] });
    nb.published.clear();
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
    for (const nb of notebooks.values()) clearCells(nb);
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
        // Every cell of a Jupyter notebook is synced (markdown too: cells are numbered by their
        // position among all cells); only Python code cells form the analyzed program.
        notebookDocumentSync: { notebookSelector: [{ notebook: { notebookType: 'jupyter-notebook', scheme: 'file' } }], save: true },
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
        watchers: [{ globPattern: '**/*.{py,pyi,ipynb,ts,tsx,mts,cts,js,jsx,mjs,cjs}' }, { globPattern: '**/{normlint,pyproject}.toml' }, { globPattern: '**/.gitignore' }],
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
          for (const nb of [...notebooks.values()]) {
            if (nb.st !== st) continue;
            clearCells(nb);
            notebooks.delete(nb.uri);
          }
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
        st.timer?.cancel();
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
        if (!isSourcePath(rel)) continue;
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

  /** Text documents analyzed as such (a notebook is synced as a notebook document, never as text). */
  const isTracked = (languageId: string, uri: string): boolean =>
    !isNotebookPath(uri) && (TRACKED_LANGUAGES.has(languageId) || isSourcePath(uri));

  connection.onDidOpenTextDocument(async (p) => {
    await initialized;
    if (!isTracked(p.textDocument.languageId, p.textDocument.uri)) return;
    const loc = folderFor(p.textDocument.uri);
    if (!loc) return;
    const rel = loc.st.folder.openDocument(p.textDocument.uri, p.textDocument.version, p.textDocument.text);
    if (rel === null) return;
    const known = loc.st.folder.results.get(rel);
    // Same text as analyzed: republish with the editor's version instead of re-analyzing.
    // Not while an analysis runs: it may have taken this file's facts from another text (from
    // disk), and its result would then replace this one with nothing queued to correct it.
    if (known && known.text === p.textDocument.text && !loc.st.running) {
      publish(loc.st, { ...known, uri: p.textDocument.uri, version: p.textDocument.version });
      loc.st.folder.results.set(rel, { ...known, uri: p.textDocument.uri, version: p.textDocument.version });
      // Nothing to analyze now: lower the document once the messages already queued are handled,
      // so the first keystroke does not pay for lowering the whole file, and analyze it as
      // lowered (same findings), so the first keystroke's analysis can keep what the edit does
      // not affect (see `LintReuse`: it compares the statements' objects).
      setTimeout(() => {
        try {
          loc.st.folder.prepareDocument(rel);
        } catch (e) {
          connection.console.error(`normlint: could not prepare ${p.textDocument.uri}: ${(e as Error).message}`);
          return;
        }
        if (settings.run === 'onType') schedule(loc.st, [rel], settings.debounceMs);
      });
      return;
    }
    schedule(loc.st, [rel], 0, true);
  });

  connection.onDidChangeTextDocument(async (p) => {
    await initialized;
    // (A notebook opened as JSON text is not tracked; its path may be an open notebook's.)
    if (isNotebookPath(p.textDocument.uri)) return;
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
    if (settings.run !== 'onSave' || isNotebookPath(p.textDocument.uri)) return;
    const loc = folderFor(p.textDocument.uri);
    if (loc) schedule(loc.st, [loc.rel], 0);
  });

  connection.onDidCloseTextDocument(async (p) => {
    await initialized;
    if (isNotebookPath(p.textDocument.uri)) return;
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
  // Notebooks

  /**
   * Brings the analyzed program of notebook `uri` up to date with the cells `notebookDocs`
   * holds: opens it in its folder the first time, else applies the difference between the old
   * and the new program as one incremental change (cell edits, cells added, removed or moved).
   */
  const syncNotebook = (uri: string): void => {
    const doc = notebookDocs.getNotebookDocument(uri);
    if (!doc) return;
    const cells: SyncedCell[] = doc.cells.map((c) => {
      const td = notebookDocs.getCellTextDocument(c);
      return { uri: c.document, kind: c.kind, languageId: td?.languageId ?? '', version: td?.version ?? 0, text: td?.getText() ?? '' };
    });
    const program = new NotebookProgram(uri, cells);
    const nb = notebooks.get(uri);
    if (!nb) {
      const loc = folderFor(uri);
      if (!loc) return;
      const version = ++notebookVersions;
      const rel = loc.st.folder.openDocument(uri, version, program.text);
      if (rel === null) return;
      const opened: OpenNotebook = { uri, st: loc.st, rel, version, program, published: new Set() };
      notebooks.set(uri, opened);
      const known = loc.st.folder.results.get(rel);
      // Same program as analyzed from disk: republish in the cells instead of re-analyzing
      // (not while an analysis runs, as for a text document).
      if (known && known.text === program.text && !loc.st.running) {
        const r = { ...known, uri, version };
        loc.st.folder.results.set(rel, r);
        publish(loc.st, r);
        return;
      }
      // The notebook file's findings (positions in its JSON) give way to the cells' ones.
      if (loc.st.published.delete(uri)) void connection.sendDiagnostics({ uri, diagnostics: [] });
      schedule(loc.st, [rel], 0, true);
      return;
    }
    const before = nb.program;
    nb.program = program;
    // Cells that left the program (deleted, turned into markdown) lose their findings now.
    for (const u of [...nb.published]) {
      if (program.cell(u)) continue;
      nb.published.delete(u);
      void connection.sendDiagnostics({ uri: u, diagnostics: [] });
    }
    const change = diffChange(before.text, program.text);
    if (!change) {
      // Same program (a markdown cell, metadata or execution state changed): same findings,
      // republished with the cells' current versions.
      const r = nb.st.folder.results.get(nb.rel);
      if (r && r.version === nb.version) publish(nb.st, r);
      return;
    }
    nb.version = ++notebookVersions;
    try {
      nb.st.folder.changeDocument(nb.rel, nb.version, [change]);
    } catch {
      nb.st.folder.changeDocument(nb.rel, nb.version, { full: program.text });
    }
    if (settings.run === 'onType') schedule(nb.st, [nb.rel], settings.debounceMs);
  };

  /** The editor closed notebook `uri`: its cells' findings go, and the file is read from disk again. */
  const closeNotebook = (uri: string): void => {
    const nb = notebooks.get(uri);
    if (!nb) return;
    notebooks.delete(uri);
    clearCells(nb);
    const { st, rel } = nb;
    st.folder.closeDocument(rel);
    if (st.folder.has(rel)) schedule(st, [rel], 0);
    else {
      // A loose or excluded notebook: its findings go with it.
      st.folder.results.delete(rel);
      if (st.published.delete(uri)) void connection.sendDiagnostics({ uri, diagnostics: [] });
    }
  };

  // `NotebookDocuments` keeps the notebooks and their cells' text documents; the server reads
  // the whole notebook again after each notification (the full state, so nothing is applied
  // twice or missed).
  notebookDocs.onDidOpen(async (doc) => {
    await initialized;
    syncNotebook(doc.uri);
  });
  notebookDocs.onDidSave(async (doc) => {
    await initialized;
    const nb = notebooks.get(doc.uri);
    if (nb && settings.run === 'onSave') schedule(nb.st, [nb.rel], 0);
  });
  notebookDocs.onDidClose(async (doc) => {
    await initialized;
    closeNotebook(doc.uri);
  });
  // `NotebookDocuments.onDidChange` does not fire for a cell moved (a structure change that
  // opens and closes no cell text document): sync after every `notebookDocument/didChange`
  // instead, once the library has applied it.
  const sync = connection.notebooks.synchronization;
  const hooked: Pick<Connection, 'notebooks'> = {
    notebooks: {
      ...connection.notebooks,
      synchronization: {
        onDidOpenNotebookDocument: (h) => sync.onDidOpenNotebookDocument(h),
        onDidSaveNotebookDocument: (h) => sync.onDidSaveNotebookDocument(h),
        onDidCloseNotebookDocument: (h) => sync.onDidCloseNotebookDocument(h),
        onDidChangeNotebookDocument: (h) =>
          sync.onDidChangeNotebookDocument(async (params) => {
            try {
              await h(params);
            } catch (e) {
              connection.console.error(`normlint: could not apply a notebook change to ${params.notebookDocument.uri}: ${(e as Error).message}`);
            }
            await initialized;
            syncNotebook(params.notebookDocument.uri);
          }),
      },
    },
  };
  // (`listen` uses only `connection.notebooks.synchronization`.)
  notebookDocs.listen(hooked as Connection);

  // -----------------------------------------------------------------------------------------
  // Code actions

  /**
   * The current analysis of the document `uri` names: a file, or a code cell of an open
   * notebook (`nb` and `cell` set; `version` is then the cell's text document version).
   * `currentResult` waits for it while it is under way (see `settle`); null when there is
   * none for the document's current text even then (analysis is off, deferred to saving, or
   * failed), or `uri` is a notebook file that is not open (its published positions are in
   * its JSON text, where no request applies).
   */
  interface Current {
    st: FolderState;
    rel: string;
    result: FileResult;
    text: string;
    version: number | null;
    nb?: OpenNotebook;
    cell?: ProgramCell;
  }

  const currentResult = async (uri: string): Promise<Current | null> => {
    const nb = notebookOfCell(uri);
    if (nb) {
      // The notebook may change (or close) while it is analyzed: its state is read each time.
      const current = (): Current | null => {
        const now = notebooks.get(nb.uri);
        const cell = now?.program.cell(uri);
        if (!now || !cell) return null;
        const result = now.st.folder.results.get(now.rel);
        const doc = now.st.folder.document(now.rel);
        if (!result || !doc || result.version !== doc.version || result.text !== now.program.text) return null;
        return { st: now.st, rel: now.rel, result, text: result.text, version: cell.version, nb: now, cell };
      };
      await settle(nb.st, nb.rel, () => current() !== null || !notebooks.get(nb.uri)?.program.cell(uri));
      return current();
    }
    const loc = folderFor(uri);
    if (!loc || isNotebookPath(loc.rel)) return null;
    const { st, rel } = loc;
    const current = (): Current | null => {
      const result = st.folder.results.get(rel);
      const doc = st.folder.document(rel);
      if (!result || (doc ? result.version !== doc.version : result.version !== null)) return null;
      return { st, rel, result, text: result.text, version: doc ? doc.version : null };
    };
    await settle(st, rel, () => current() !== null);
    return current();
  };

  /** The offset in the analyzed text of a position in the document of `cur`, or null. */
  const offsetIn = (cur: Current, pos: Position): number | null =>
    cur.nb && cur.cell ? cur.nb.program.offsetAt(cur.cell.uri, pos) : positionMapOf(cur.text).offset(pos);

  /** The range in the document of `cur` of a span of the analyzed text, or null when it starts elsewhere (another cell). */
  const rangeIn = (cur: Current, span: Span): Range | null => {
    if (!cur.nb || !cur.cell) return positionMapOf(cur.text).range(span);
    const at = cur.nb.program.locate(span);
    return at && at.cell.uri === cur.cell.uri ? at.range : null;
  };

  /** A layer for the client: for a notebook cell, its `span` made relative to the cell's text (see {@link SimulateLayerArgs}). */
  const layerFor = (cur: Current, layer: LayerReport): LayerReport => {
    if (!cur.cell) return layer;
    const { start, source } = cur.cell.code;
    const clamp = (o: number): number => Math.min(Math.max(0, o - start), source.length);
    return { ...layer, span: { start: clamp(layer.span.start), end: clamp(layer.span.end) } };
  };

  /**
   * One edit applying every safe fix of a document (non-overlapping, first wins), or null.
   * For a notebook cell: the fixes whose edits all fall in that cell, or with `wholeNotebook`
   * every fix whose edits each fall in one cell (one edit per cell document).
   */
  const fixAllEdit = async (uri: string, wholeNotebook = false): Promise<WorkspaceEdit | null> => {
    const cur = await currentResult(uri);
    if (!cur) return null;
    if (cur.nb && cur.cell) {
      const p = cur.nb.program;
      const fits = (f: Fix): boolean => f.edits.every((e) => {
        const at = p.edit(e);
        return at !== null && (wholeNotebook || at.cell.uri === uri);
      });
      const sel = selectFixes(cur.result.diagnostics.filter((d) => d.fix && fits(d.fix)), (a) => a === 'safe');
      if (sel.edits.length === 0) return null;
      const byCell = new Map<ProgramCell, TextEdit[]>();
      for (const e of sel.edits) {
        const at = p.edit(e)!;
        let list = byCell.get(at.cell);
        if (!list) byCell.set(at.cell, (list = []));
        list.push({ range: at.range, newText: e.content });
      }
      const documentChanges: TextDocumentEdit[] = [...byCell].map(([c, edits]) => ({ textDocument: { uri: c.uri, version: c.version }, edits }));
      return { documentChanges };
    }
    const sel = selectFixes(cur.result.diagnostics, (a) => a === 'safe');
    if (sel.edits.length === 0) return null;
    const map = positionMapOf(cur.text);
    const edits: TextEdit[] = sel.edits.map((e) => ({ range: map.range(e), newText: e.content }));
    return cur.version !== null
      ? { documentChanges: [{ textDocument: { uri, version: cur.version }, edits }] }
      : { changes: { [uri]: edits } };
  };

  /**
   * The document a quick fix edits: its current text and version, and whether a `# noqa` edit
   * keeps it parsing as well (for a notebook cell: the program with the edited cell). Null for
   * a notebook file that is not open (its diagnostics are in its JSON text) or an unknown document.
   */
  const editTarget = (uri: string): { text: string; version: number | null; parsesAsWell: (e: Edit) => boolean } | null => {
    const parseErrors = (st: FolderState, rel: string, after: string): boolean =>
      engine !== null && engine.countParseErrors(after, rel) <= st.folder.syntaxErrorCount(rel);
    const nb = notebookOfCell(uri);
    if (nb) {
      const cell = nb.program.cell(uri)!;
      const base = cell.code.start;
      return {
        text: cell.code.source,
        version: cell.version,
        parsesAsWell: (e) => parseErrors(nb.st, nb.rel, applyEdits(nb.program.text, [{ start: e.start + base, end: e.end + base, content: e.content }])),
      };
    }
    const loc = folderFor(uri);
    if (!loc || isNotebookPath(loc.rel)) return null;
    const doc = loc.st.folder.document(loc.rel);
    const text = doc?.text ?? loc.st.folder.textOf(loc.rel);
    if (text == null) return null;
    return { text, version: doc ? doc.version : null, parsesAsWell: (e) => parseErrors(loc.st, loc.rel, applyEdits(text, [e])) };
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
    const target = editTarget(uri);
    const version = target ? target.version : null;
    const editOf = (edits: TextEdit[]): WorkspaceEdit =>
      version !== null ? { documentChanges: [{ textDocument: { uri, version }, edits }] } : { changes: { [uri]: edits } };
    // One "Disable" per code and line (findings of one rule on two lines each get theirs), one
    // "Show documentation" per code.
    const seenDisables = new Set<string>();
    const seenDocs = new Set<string>();
    for (const diag of params.context.diagnostics) {
      if (diag.source !== 'normlint' || typeof diag.code !== 'string') continue;
      const data = diag.data as DiagnosticData | undefined;
      const code = diag.code;
      if (target && data && (data.version === null || data.version === version)) {
        data.fixes.forEach((f, i) => {
          actions.push({
            title: f.title,
            kind: CodeActionKind.QuickFix,
            diagnostics: [diag],
            isPreferred: i === 0 && f.applicability === 'safe',
            edit: editOf(f.edits),
          });
        });
      }
      const line = diag.range.start.line;
      if (!seenDisables.has(`${code}:${line}`)) {
        seenDisables.add(`${code}:${line}`);
        const edit = target ? noqaAddEditFor(uri, target.text, line, code) : null;
        if (target && edit && target.parsesAsWell(edit)) {
          actions.push({
            title: `Disable ${code} for this line`,
            kind: CodeActionKind.QuickFix,
            diagnostics: [diag],
            edit: editOf([{ range: positionMapOf(target.text).range(edit), newText: edit.content }]),
          });
        }
      }
      if (seenDocs.has(code)) continue;
      seenDocs.add(code);
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

  /** `file:line` (1-based) of an offset in a file of a folder, `nb.ipynb:cell N:line L` in a notebook. */
  const whereIn = (st: FolderState) => (file: string, offset: number): string => {
    const notebook = notebookAt(st, file)?.program.notebook ?? (isNotebookPath(file) ? st.folder.diskNotebook(file) : null);
    if (notebook) {
      const at = cellLine(notebook, offset);
      return at ? `${file}:${at}` : file;
    }
    const text = st.folder.results.get(file)?.text ?? st.folder.textOf(file);
    return text == null ? file : `${file}:${positionMapOf(text).position(offset).line + 1}`;
  };

  connection.onHover(async (params): Promise<Hover | null> => {
    await initialized;
    const cur = await currentResult(params.textDocument.uri);
    if (!cur) return null;
    const offset = offsetIn(cur, params.position);
    const layer = offset === null ? null : layerAt(cur.result, offset);
    const range = layer ? rangeIn(cur, layer.span) : null;
    if (!layer || !range) return null;
    const findings = cur.result.diagnostics.filter((d) => d.span.start < layer.span.end && layer.span.start < d.span.end);
    return { contents: { kind: MarkupKind.Markdown, value: layerHover(layer, findings, whereIn(cur.st)) }, range };
  });

  connection.onCodeLens(async (params): Promise<CodeLens[]> => {
    await initialized;
    const cur = await currentResult(params.textDocument.uri);
    if (!cur) return [];
    return cur.result.layers.flatMap((l) => {
      const range = rangeIn(cur, l.span);
      if (!range) return [];
      const args: SimulateLayerArgs = { uri: params.textDocument.uri, layer: layerFor(cur, l) };
      return [{ range, command: { title: 'Simulate in BN Lab', command: Commands.simulateLayer, arguments: [args] } }];
    });
  });

  connection.onRequest(LAYER_AT_REQUEST, async (params: TextDocumentPositionParams): Promise<SimulateLayerArgs | null> => {
    await initialized;
    const cur = await currentResult(params.textDocument.uri);
    if (!cur) return null;
    const offset = offsetIn(cur, params.position);
    const layer = offset === null ? null : layerAt(cur.result, offset);
    return layer && rangeIn(cur, layer.span) ? { uri: params.textDocument.uri, layer: layerFor(cur, layer) } : null;
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
        // In a notebook cell: every cell of the notebook ("this file" is the notebook).
        const edit = await fixAllEdit(args[0], true);
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
      st.timer?.cancel();
      st.folder.dispose();
    }
  });

  connection.listen();
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
 * @param where how a place reads: project-relative file and UTF-16 offset of its analyzed text
 *   → e.g. `model.py:12` (1-based line) or `nb.ipynb:cell 5:line 3`.
 */
export function layerHover(layer: LayerReport, findings: readonly Diagnostic[], where: (file: string, offset: number) => string): string {
  const ts = layer.lang === 'ts';
  const display = (q: string): string => (ts ? tfjsDisplayName(q) : q.startsWith('torch.nn.') ? `nn.${q.slice(9)}` : q);
  const short = display(layer.q);
  const out: string[] = [`**${short}** · normlint`, ''];
  const keras = layer.framework === 'keras';
  // Keras normalizes the `axis` argument's axis of a channels-last input; no fixed layout to show.
  const shape = keras ? null : layer.dims === 1 ? '`[N, C]` or `[N, C, L]`' : layer.dims === 2 ? '`[N, C, H, W]`' : layer.dims === 3 ? '`[N, C, D, H, W]`' : null;
  if (shape) out.push(`Input ${shape}.`, '');
  out.push('| argument | value |', '|---|---|');
  for (const a of layer.args) {
    let v = `\`${a.value}\`${a.defaulted ? ' (default)' : ''}`;
    if (a.name === 'momentum' && layer.momentum) {
      const m = layer.momentum;
      if (m.cumulative) v += ' · cumulative moving average (no momentum)';
      else if (keras && m.keras !== null) v += ` · ${ts ? 'TensorFlow.js' : 'Keras'}: the moving average keeps ${m.keras} of itself per batch; PyTorch equivalent \`momentum=${m.torch}\``;
      else if (m.torch !== null) v += ` · PyTorch: new batch weighs ${m.torch}; Keras/TF.js equivalent \`momentum=${m.keras}\``;
    }
    out.push(`| ${a.name} | ${v} |`);
  }
  if (layer.producer) {
    const p = layer.producer;
    const pshort = display(p.q);
    const bias = p.bias === true ? ' with a bias (that this normalization cancels)' : p.bias === false ? ' without bias' : '';
    out.push('', `Fed by \`${pshort}\` at \`${where(p.file, p.span.start)}\`${bias}.`);
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
      out.push(`- ${what} at \`${where(u.file, u.span.start)}\` in ${modes} mode${warn}`);
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
