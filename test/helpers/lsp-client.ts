/**
 * A real LSP client for protocol tests: spawns `normlint server --stdio` (the built CLI, as an
 * editor would) and talks to it with `vscode-languageserver-protocol`. Collects published
 * diagnostics and status notifications, answers `workspace/configuration`, records
 * `window/showDocument` and `workspace/applyEdit` requests. Syncs notebooks the way
 * `vscode-languageclient` does (LSP 3.17 `notebookDocument/*` notifications, see {@link LspNotebook}).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
  type Diagnostic,
  type PublishDiagnosticsParams,
  type TextDocumentContentChangeEvent,
  type WorkspaceEdit,
  type TextEdit,
  type Position,
  type NotebookCell,
  type NotebookCellArrayChange,
  type TextDocumentItem,
} from 'vscode-languageserver-protocol/node';

const CLI = path.join(__dirname, '../../dist/cli.js');

/** The `file:` URI of a path. */
export function uri(p: string): string {
  return pathToFileURL(p).href;
}

/** Offset (UTF-16) of an LSP position in `text`. */
export function offsetAt(text: string, pos: Position): number {
  let line = 0;
  let i = 0;
  while (line < pos.line) {
    const nl = text.slice(i).search(/\r\n?|\n/);
    if (nl < 0) return text.length;
    i += nl + (text.startsWith('\r\n', i + nl) ? 2 : 1);
    line++;
  }
  return i + pos.character;
}

/** Applies LSP text edits to a text (edits must not overlap). */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  const withOffsets = edits.map((e) => ({ start: offsetAt(text, e.range.start), end: offsetAt(text, e.range.end), newText: e.newText }));
  withOffsets.sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of withOffsets) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

/** One cell of a test notebook: markdown, or code in a language (`python` by default). */
export interface TestCell {
  kind: 'markdown' | 'code';
  text: string;
  language?: string;
}

/**
 * A notebook document on the client side, kept in sync with the server through
 * `notebookDocument/didOpen|didChange|didSave|didClose` like `vscode-languageclient` does with
 * a selector that syncs every cell: cell URIs `vscode-notebook-cell:<path>#<id>`, one text
 * document per cell (markdown cells included), a notebook version bumped on each change.
 */
export class LspNotebook {
  version = 1;
  /** The cells in notebook order, each with its text document. */
  readonly cells: Array<{ uri: string; kind: 1 | 2; language: string; text: string; version: number }> = [];
  private next = 0;

  constructor(
    private readonly client: LspTestClient,
    /** The notebook's URI (`file:///…/nb.ipynb`). */
    readonly uri: string,
  ) {}

  /** A fresh cell (not yet part of the notebook). */
  newCell(c: TestCell): LspNotebook['cells'][number] {
    const id = (this.next++).toString(36).padStart(4, '0');
    const path = this.uri.replace(/^file:\/\//, '');
    return { uri: `vscode-notebook-cell://${path}#${id}`, kind: c.kind === 'markdown' ? 1 : 2, language: c.language ?? (c.kind === 'markdown' ? 'markdown' : 'python'), text: c.text, version: 1 };
  }

  /** The URI of the cell at 1-based position `n` (the notebook's cell number). */
  cellUri(n: number): string {
    return this.cells[n - 1].uri;
  }

  private item(c: LspNotebook['cells'][number]): TextDocumentItem {
    return { uri: c.uri, languageId: c.language, version: c.version, text: c.text };
  }

  private cell(c: LspNotebook['cells'][number]): NotebookCell {
    return { kind: c.kind, document: c.uri };
  }

  /** `notebookDocument/didOpen` with `cells`. */
  async open(cells: readonly TestCell[]): Promise<void> {
    this.cells.push(...cells.map((c) => this.newCell(c)));
    await this.client.conn.sendNotification('notebookDocument/didOpen', {
      notebookDocument: { uri: this.uri, notebookType: 'jupyter-notebook', version: this.version, cells: this.cells.map((c) => this.cell(c)) },
      cellTextDocuments: this.cells.map((c) => this.item(c)),
    });
  }

  /** Replaces the whole text of cell `n` (1-based) in one text-content change; returns the cell's new version. */
  async setText(n: number, text: string): Promise<number> {
    const c = this.cells[n - 1];
    return this.edit(n, [{ range: { start: { line: 0, character: 0 }, end: endOf(c.text) }, text }]);
  }

  /** Applies incremental changes to cell `n` (1-based); returns the cell's new version. */
  async edit(n: number, changes: Array<{ range: { start: Position; end: Position }; text: string }>): Promise<number> {
    const c = this.cells[n - 1];
    for (const ch of changes) c.text = applyTextEdits(c.text, [{ range: ch.range, newText: ch.text }]);
    c.version++;
    await this.client.conn.sendNotification('notebookDocument/didChange', {
      notebookDocument: { uri: this.uri, version: ++this.version },
      change: { cells: { textContent: [{ document: { uri: c.uri, version: c.version }, changes }] } },
    });
    return c.version;
  }

  /**
   * A structure change: at 0-based index `start`, removes `deleteCount` cells and inserts
   * `insert` (new cells, or cells removed before: a move keeps their URIs and text documents).
   */
  async splice(start: number, deleteCount: number, insert: ReadonlyArray<TestCell | LspNotebook['cells'][number]> = []): Promise<LspNotebook['cells']> {
    const added = insert.map((c) => ('uri' in c ? c : this.newCell(c)));
    const removed = this.cells.splice(start, deleteCount, ...added);
    const moved = new Set(removed.map((c) => c.uri));
    const opened = added.filter((c) => !moved.has(c.uri));
    const stays = new Set(added.map((c) => c.uri));
    const closed = removed.filter((c) => !stays.has(c.uri));
    const array: NotebookCellArrayChange = { start, deleteCount, ...(added.length ? { cells: added.map((c) => this.cell(c)) } : {}) };
    await this.client.conn.sendNotification('notebookDocument/didChange', {
      notebookDocument: { uri: this.uri, version: ++this.version },
      change: { cells: { structure: { array, didOpen: opened.map((c) => this.item(c)), didClose: closed.map((c) => ({ uri: c.uri })) } } },
    });
    return removed;
  }

  /**
   * Moves the cell at 0-based index `from` to index `to` in one structure change that opens
   * and closes no text document (what `vscode-languageclient` sends for a move: the changed
   * range of the cell array, replaced by the same cells in their new order).
   */
  async move(from: number, to: number): Promise<void> {
    const [c] = this.cells.splice(from, 1);
    this.cells.splice(to, 0, c);
    const start = Math.min(from, to);
    const deleteCount = Math.abs(from - to) + 1;
    const array: NotebookCellArrayChange = { start, deleteCount, cells: this.cells.slice(start, start + deleteCount).map((x) => this.cell(x)) };
    await this.client.conn.sendNotification('notebookDocument/didChange', {
      notebookDocument: { uri: this.uri, version: ++this.version },
      change: { cells: { structure: { array, didOpen: [], didClose: [] } } },
    });
  }

  save(): Promise<void> {
    return this.client.conn.sendNotification('notebookDocument/didSave', { notebookDocument: { uri: this.uri } });
  }

  close(): Promise<void> {
    return this.client.conn.sendNotification('notebookDocument/didClose', { notebookDocument: { uri: this.uri }, cellTextDocuments: this.cells.map((c) => ({ uri: c.uri })) });
  }
}

/** The LSP position at the end of `text`. */
export function endOf(text: string): Position {
  const lines = text.split(/\r\n|\r|\n/);
  return { line: lines.length - 1, character: lines[lines.length - 1].length };
}

export interface StatusParams {
  state: string;
  files: number;
  findings: number;
  lastRunMs: number;
  rssBytes: number | null;
}

export class LspTestClient {
  readonly conn: ProtocolConnection;
  readonly proc: ChildProcess;
  /** Latest publishDiagnostics per URI. */
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  readonly statuses: StatusParams[] = [];
  readonly shown: string[] = [];
  readonly applied: WorkspaceEdit[] = [];
  readonly logs: string[] = [];
  stderr = '';
  settings: Record<string, unknown> = {};
  private waiters: Array<() => void> = [];
  private exited = false;

  constructor(cwd: string) {
    this.proc = spawn(process.execPath, [CLI, 'server', '--stdio'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.proc.on('exit', () => {
      this.exited = true;
      this.notify();
    });
    this.conn = createProtocolConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.diagnostics.set(p.uri, p);
      this.notify();
    });
    this.conn.onNotification('normlint/status', (p: StatusParams) => {
      this.statuses.push(p);
      this.notify();
    });
    this.conn.onNotification('window/logMessage', (p: { message: string }) => {
      this.logs.push(p.message);
    });
    this.conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => this.settings));
    this.conn.onRequest('client/registerCapability', () => null);
    this.conn.onRequest('window/showDocument', (p: { uri: string }) => {
      this.shown.push(p.uri);
      this.notify();
      return { success: true };
    });
    this.conn.onRequest('workspace/applyEdit', (p: { edit: WorkspaceEdit }) => {
      this.applied.push(p.edit);
      this.notify();
      return { applied: true };
    });
    this.conn.listen();
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Whether the server process has exited. */
  get alive(): boolean {
    return !this.exited;
  }

  /** Resolves when `test()` holds (checked after every message), rejects after `timeoutMs`. */
  async waitFor<T>(what: string, test: () => T | undefined | null | false, timeoutMs = 20000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = test();
      if (v) return v;
      if (this.exited) throw new Error(`server exited while waiting for ${what}; stderr: ${this.stderr}; log: ${this.logs.join('\n')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; log: ${this.logs.slice(-20).join('\n')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** `initialize` + `initialized` for a workspace folder. */
  async initialize(folder: string | null, settings: Record<string, unknown> = {}): Promise<unknown> {
    this.settings = settings;
    const result = await this.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: folder ? uri(folder) : null,
      workspaceFolders: folder ? [{ uri: uri(folder), name: path.basename(folder) }] : null,
      capabilities: {
        workspace: { configuration: true, didChangeWatchedFiles: { dynamicRegistration: true }, workspaceFolders: true, applyEdit: true },
        window: { showDocument: { support: true } },
        notebookDocument: { synchronization: { dynamicRegistration: false, executionSummarySupport: false } },
        textDocument: {
          publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source.fixAll'] } }, isPreferredSupport: true, dataSupport: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
        },
      },
    });
    await this.conn.sendNotification('initialized', {});
    return result;
  }

  /** Waits until the server reports it is idle after at least `n` status notifications. */
  async idle(after = 0, timeoutMs = 30000): Promise<StatusParams> {
    return this.waitFor('idle status', () => {
      const s = this.statuses.slice(after);
      const last = s[s.length - 1];
      return last && last.state === 'idle' ? last : undefined;
    }, timeoutMs);
  }

  open(u: string, text: string, version = 1, languageId = 'python'): Promise<void> {
    return this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: u, languageId, version, text } });
  }

  change(u: string, version: number, changes: TextDocumentContentChangeEvent[]): Promise<void> {
    return this.conn.sendNotification('textDocument/didChange', { textDocument: { uri: u, version }, contentChanges: changes });
  }

  close(u: string): Promise<void> {
    return this.conn.sendNotification('textDocument/didClose', { textDocument: { uri: u } });
  }

  /** A notebook document (not yet opened: call {@link LspNotebook.open}). */
  notebook(u: string): LspNotebook {
    return new LspNotebook(this, u);
  }

  /** Diagnostics currently published for `u` (empty when none). */
  diags(u: string): Diagnostic[] {
    return this.diagnostics.get(u)?.diagnostics ?? [];
  }

  /** Waits for diagnostics of `u` (optionally of a document version) that satisfy `test`. */
  waitDiags(u: string, test: (d: Diagnostic[]) => boolean, version?: number, timeoutMs = 20000): Promise<Diagnostic[]> {
    return this.waitFor(`diagnostics of ${u}${version !== undefined ? ` v${version}` : ''}`, () => {
      const p = this.diagnostics.get(u);
      if (!p) return test([]) && version === undefined ? [] : undefined;
      if (version !== undefined && p.version !== version) return undefined;
      return test(p.diagnostics) ? p.diagnostics : undefined;
    }, timeoutMs);
  }

  async shutdown(): Promise<void> {
    if (this.exited) return;
    try {
      await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
      await this.conn.sendNotification('exit');
    } catch {
      // already gone
    }
    await new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      const t = setTimeout(() => {
        this.proc.kill('SIGKILL');
        resolve();
      }, 3000);
      this.proc.on('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
    this.conn.dispose();
  }
}
