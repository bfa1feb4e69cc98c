/**
 * A real LSP client for protocol tests: spawns `normlint server --stdio` (the built CLI, as an
 * editor would) and talks to it with `vscode-languageserver-protocol`. Collects published
 * diagnostics and status notifications, answers `workspace/configuration`, records
 * `window/showDocument` and `workspace/applyEdit` requests.
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

  open(u: string, text: string, version = 1): Promise<void> {
    return this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: u, languageId: 'python', version, text } });
  }

  change(u: string, version: number, changes: TextDocumentContentChangeEvent[]): Promise<void> {
    return this.conn.sendNotification('textDocument/didChange', { textDocument: { uri: u, version }, contentChanges: changes });
  }

  close(u: string): Promise<void> {
    return this.conn.sendNotification('textDocument/didClose', { textDocument: { uri: u } });
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
