// Language-server measurements for `npm run bench`, through the real server process
// (`normlint server --stdio`) and a real LSP client (vscode-languageserver-protocol):
//
//   keystrokeLatency(): a 5,000-line file made of real torchvision model files (plus one
//     momentum finding so every analysis publishes), opened in a project of its own; 200
//     keystrokes typed at the end of a line inside a method (" + 0" typed and deleted, passing
//     through syntax errors), each sent as an incremental change with the debounce set to 0;
//     latency = didChange sent → publishDiagnostics for that version received (p50/p95 of all 200,
//     the target's figures; also of the 150 after the first 50, JIT warm-up). Next to it, the
//     same edits applied in this process with web-tree-sitter alone (tree.edit + incremental
//     parse): the floor any analysis sits on.
//   indexMemory(): the server indexing a whole folder (the Debian corpus): time to the first
//     idle status and the server's RSS then.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** Starts the server on `root`; resolves with a small client API. */
async function startServer(cliPath, root, settings) {
  const { createProtocolConnection, StreamMessageReader, StreamMessageWriter } = require('vscode-languageserver-protocol/node');
  const proc = spawn(process.execPath, [...(process.env.SRV_ARGS ? process.env.SRV_ARGS.split(' ') : []), cliPath, 'server', '--stdio'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createProtocolConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  const listeners = new Set();
  const emit = (kind, p) => {
    for (const l of [...listeners]) l(kind, p);
  };
  conn.onNotification('textDocument/publishDiagnostics', (p) => emit('diagnostics', p));
  conn.onNotification('normlint/status', (p) => emit('status', p));
  conn.onRequest('workspace/configuration', (p) => p.items.map(() => settings));
  conn.onRequest('client/registerCapability', () => null);
  conn.listen();
  const until = (test, timeoutMs = 600_000) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        listeners.delete(l);
        reject(new Error('timed out'));
      }, timeoutMs);
      const l = (kind, p) => {
        const v = test(kind, p);
        if (v) {
          clearTimeout(t);
          listeners.delete(l);
          resolve(v);
        }
      };
      listeners.add(l);
    });
  const rootUri = pathToFileURL(root).href;
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri,
    workspaceFolders: [{ uri: rootUri, name: 'bench' }],
    capabilities: { workspace: { configuration: true, didChangeWatchedFiles: { dynamicRegistration: true } } },
  });
  const firstIdle = until((kind, p) => kind === 'status' && p.state === 'idle' && p);
  await conn.sendNotification('initialized', {});
  return {
    conn,
    until,
    firstIdle,
    async stop() {
      try {
        await Promise.race([conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 5000))]);
        await conn.sendNotification('exit');
      } catch {
        // gone already
      }
      setTimeout(() => proc.kill('SIGKILL'), 3000).unref();
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.on('exit', r)));
      conn.dispose();
    },
  };
}

/** A 5,000-line file of real model code from the corpus (torchvision's models). */
export function bigFile(corpusRoot) {
  const dir = path.join(corpusRoot, 'usr/lib/python3/dist-packages/torchvision/models');
  const names = ['resnet.py', 'vgg.py', 'densenet.py', 'inception.py', 'googlenet.py', 'mobilenetv2.py', 'mobilenetv3.py',
    'efficientnet.py', 'regnet.py', 'shufflenetv2.py', 'mnasnet.py', 'squeezenet.py', 'alexnet.py', 'convnext.py', 'swin_transformer.py'];
  // Whole files while they fit, then the next one cut before a module-level `def`/`class`, so the
  // file stays valid Python; blank lines pad it to 5,000 lines with the tail below.
  const tail = ['', 'import torch.nn as nn', '', '', 'class Tail(nn.Module):', '    def __init__(self):', '        super().__init__()',
    '        self.bn = nn.BatchNorm2d(8, momentum=0.9)', ''];
  const budget = 5000 - tail.length;
  const lines = [];
  for (const n of names) {
    if (!fs.existsSync(path.join(dir, n))) continue;
    const more = fs.readFileSync(path.join(dir, n), 'utf8').replace(/\n+$/, '').split('\n');
    if (lines.length + more.length + 2 <= budget) {
      lines.push(...more, '', '');
      continue;
    }
    let cut = budget - lines.length;
    while (cut > 0 && !/^(def|class) /.test(more[cut] ?? '')) cut--;
    lines.push(...more.slice(0, cut));
    break;
  }
  while (lines.length < budget) lines.push('');
  lines.push(...tail);
  return lines.join('\n');
}

/** Keystrokes left out of the second, "after warm-up" figures (see `keystrokeLatency`). */
const WARMUP_KEYSTROKES = 50;

/** Diagnostics latency after a keystroke; see the module comment. */
export async function keystrokeLatency({ cliPath, corpusRoot, wasm, keystrokes = 200 }) {
  const text = bigFile(corpusRoot);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'normlint-bench-lsp-'));
  fs.mkdirSync(path.join(dir, '.git'));
  const file = path.join(dir, 'models.py');
  fs.writeFileSync(file, text);
  const uri = pathToFileURL(file).href;
  // The end of a line inside a method in the middle of the file.
  const lines = text.split('\n');
  let line = Math.floor(lines.length / 2);
  while (!/^\s{8}\S.*[\w)]$/.test(lines[line]) || /^\s*(#|def |class |@|return\b|if |for |with |else|elif)/.test(lines[line].trim())) line++;
  const typed = ' + 0';
  const edits = [];
  for (let k = 0; edits.length < keystrokes; k++) {
    for (let i = 0; i < typed.length && edits.length < keystrokes; i++) edits.push({ insert: typed[i], at: lines[line].length + i });
    for (let i = typed.length - 1; i >= 0 && edits.length < keystrokes; i--) edits.push({ remove: true, at: lines[line].length + i });
  }

  // Baseline: the same edits, web-tree-sitter alone (tree.edit + parse with the old tree).
  const { Parser, Language, Edit } = require('web-tree-sitter');
  await Parser.init({ wasmBinary: fs.readFileSync(wasm.runtime) });
  const parser = new Parser();
  parser.setLanguage(await Language.load(fs.readFileSync(wasm.python)));
  let tree = parser.parse(text);
  let cur = text;
  const lineStart = text.split('\n').slice(0, line).join('\n').length + 1;
  const parseTimes = [];
  for (const e of edits) {
    const start = lineStart + e.at;
    const t0 = performance.now();
    const newText = e.remove ? cur.slice(0, start) + cur.slice(start + 1) : cur.slice(0, start) + e.insert + cur.slice(start);
    tree.edit(new Edit({
      startIndex: start,
      oldEndIndex: e.remove ? start + 1 : start,
      newEndIndex: e.remove ? start : start + 1,
      startPosition: { row: line, column: e.at },
      oldEndPosition: { row: line, column: e.remove ? e.at + 1 : e.at },
      newEndPosition: { row: line, column: e.remove ? e.at : e.at + 1 },
    }));
    const next = parser.parse(newText, tree);
    parseTimes.push(performance.now() - t0);
    tree.delete();
    tree = next;
    cur = newText;
  }
  tree.delete();

  const server = await startServer(cliPath, dir, { debounceMs: 0 });
  try {
    await server.firstIdle;
    await server.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
    await server.until((kind, p) => kind === 'diagnostics' && p.uri === uri && p.version === 1);
    const latencies = [];
    let version = 1;
    for (const e of edits) {
      version++;
      const character = e.at;
      const range = e.remove
        ? { start: { line, character }, end: { line, character: character + 1 } }
        : { start: { line, character }, end: { line, character } };
      const v = version;
      const got = server.until((kind, p) => kind === 'diagnostics' && p.uri === uri && p.version === v, 30_000);
      const t0 = performance.now();
      await server.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ range, text: e.remove ? '' : e.insert }] });
      await got;
      latencies.push(performance.now() - t0);
    }
    return {
      lines: text.split('\n').length,
      bytes: Buffer.byteLength(text),
      keystrokes: latencies.length,
      p50: quantile(latencies, 0.5),
      p95: quantile(latencies, 0.95),
      max: Math.max(...latencies),
      // The same after the first 50 keystrokes (reported beside, never instead): in a folder of
      // one file the server's JIT has seen the model run once when typing starts, and the first
      // keystrokes run mostly unoptimized code (in a workspace indexed first it has seen many).
      warmupKeystrokes: WARMUP_KEYSTROKES,
      laterP50: quantile(latencies.slice(WARMUP_KEYSTROKES), 0.5),
      laterP95: quantile(latencies.slice(WARMUP_KEYSTROKES), 0.95),
      firstMs: latencies[0], all: latencies.map((x) => Math.round(x)),
      parseP50: quantile(parseTimes, 0.5),
      parseP95: quantile(parseTimes, 0.95),
    };
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Server memory after indexing `root`; see the module comment. */
export async function indexMemory({ cliPath, root }) {
  const t0 = performance.now();
  const server = await startServer(cliPath, root, {});
  try {
    const status = await server.firstIdle;
    return { seconds: (performance.now() - t0) / 1000, rssBytes: status.rssBytes, files: status.files, findings: status.findings };
  } finally {
    await server.stop();
  }
}
