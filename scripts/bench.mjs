// Benchmarks normlint on the real-world corpus (.corpus/, see scripts/lib/corpus-fetch.mjs).
//
//   npm run bench            (= npm run build && node scripts/bench.mjs)
//
// Measures, in one run on this machine:
//   (a) a parse-only baseline: web-tree-sitter + the Python grammar, in this process, all files
//       read first, then each parsed (and its tree deleted); 1 thread and 2 worker_threads;
//   (b) `normlint check` over the corpus as a child process: cold (--no-cache, --threads 1 / 2)
//       and warm (cache filled by one run, then the unchanged corpus re-checked, --threads 2),
//       with peak RSS of the child when GNU time is at /usr/bin/time;
//   (c) a cold single-file run on a small torchvision model file in place (median of 5), and, for
//       context, the same file copied alone into a project of its own;
//   (d) the language server (`normlint server --stdio`, a real LSP client; scripts/lib/bench-lsp.mjs):
//       diagnostics latency after a keystroke on a 5,000-line file (p50/p95 of 200 keystrokes, next
//       to web-tree-sitter's incremental re-parse of the same edits; one new server per repeat, the
//       run with the median p95 reported and every run listed), and the server's RSS after
//       indexing the whole corpus as a workspace folder;
//   (e) TypeScript/JavaScript: the TensorFlow.js packages installed under node_modules/@tensorflow/
//       (their per-module `dist/**/*.js` and non-declaration `.ts` sources; the bundles are left
//       out; see scripts/lib/bench-ts.mjs): in this process, one thread, parse-only with
//       web-tree-sitter (the baseline), parse + lowerTypeScript, Engine.analyze of every file and
//       Engine.lint of them all as one project; how many files the pre-filter keeps; and
//       `normlint check` cold (--threads 1 / 2) and warm on a copy in a temporary directory.
//   `--lsp-only` runs (d) alone, `--ts-only` (e) alone, `--cli-only` (a), (b) and (c) (the Python
//   corpus: the parse-only baseline and the CLI runs; none of them writes the results file).
//   `--repeats N` repeats every timed measurement N times instead of 3 (a noisy machine needs more).
// Every CLI run sets NORMLINT_DEBUG_STATS=1: the CLI then reports, per project, where its time
// went on the main thread (reading, pre-filter, analysis, lint...) and how many files it analyzed
// in scope, loaded on demand, parsed during the lint or took from the workers' analysis ahead of
// need; the tables are followed by that breakdown for the median cold runs.
// Every timed measurement is repeated 3x (--repeats) and the median reported (a full cold run that takes
// more than 20 s is run once). Prints a table and the performance targets, each marked met or
// not met (none for (e) yet), and writes .corpus/bench-results.json.
//
// Missed targets never fail the run: benchmarks report, they don't assert. The exit code is 1
// only when a measurement could not be taken (corpus unavailable, the CLI missing or crashing).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ensureCorpus } from './lib/corpus-fetch.mjs';
import { indexMemory, keystrokeLatency } from './lib/bench-lsp.mjs';
import { benchTsInProcess, cachedFacts, copyTsCorpus, engineBundle, tfjsCorpus } from './lib/bench-ts.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
// NORMLINT_CLI: benchmark another build of the CLI (default: this checkout's dist/cli.js).
const cliPath = path.resolve(process.env.NORMLINT_CLI || path.join(repoRoot, 'dist', 'cli.js'));
const repeatsArg = process.argv.indexOf('--repeats');
const REPEATS = repeatsArg > 0 ? Math.max(1, Number(process.argv[repeatsArg + 1]) || 3) : 3;
const SINGLE_FILE_REPEATS = 5;
const SLOW_RUN_SECONDS = 20;

const TARGETS = {
  cold1VsParse: 1.5, // cold 1-thread check <= 1.5x the 1-thread parse-only time
  threadSpeedup: 1.8, // --threads 2 at least 1.8x faster than --threads 1 (cold)
  warmSeconds: 0.3, // warm re-check of the unchanged corpus < 0.3 s
  singleFileMs: 400, // cold single-file run < 400 ms
  keystrokeP95Ms: 25, // language server: diagnostics after a keystroke, 5,000-line file, p95 <= 25 ms
};

// ---------------------------------------------------------------------------------------------
// helpers

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const now = () => Number(process.hrtime.bigint()) / 1e9;
const fmtS = (s) => (s == null ? 'n/a' : s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`);
const fmtRate = (x) => (x == null ? 'n/a' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const fmtMB = (kb) => (kb == null ? 'n/a' : `${(kb / 1024).toFixed(0)} MB`);
const fmtX = (x) => (x == null ? 'n/a' : `${x.toFixed(2)}x`);
const log = (m) => console.error(m);
const cpuSeconds = (u) => (u.user + u.system) / 1e6;
/** CPU time over wall time of the median run: how many cores it kept busy. */
const coresOf = (runs, cpu) => {
  if (!runs?.length || !cpu?.length) return null;
  const i = runs.indexOf(median(runs)) >= 0 ? runs.indexOf(median(runs)) : 0;
  return cpu[i] / runs[i];
};
const fmtCores = (x) => (x == null ? 'n/a' : x.toFixed(2));

/**
 * The WASM files (the runtime and every grammar the engine loads, the fields of GrammarBytes):
 * the copies the build ships in grammars/ if all are present, else node_modules.
 */
function wasmPaths() {
  const shipped = {
    runtime: path.join(repoRoot, 'grammars', 'web-tree-sitter.wasm'),
    python: path.join(repoRoot, 'grammars', 'tree-sitter-python.wasm'),
    typescript: path.join(repoRoot, 'grammars', 'tree-sitter-typescript.wasm'),
    tsx: path.join(repoRoot, 'grammars', 'tree-sitter-tsx.wasm'),
    javascript: path.join(repoRoot, 'grammars', 'tree-sitter-javascript.wasm'),
  };
  if (Object.values(shipped).every((p) => fs.existsSync(p))) return { ...shipped, from: 'grammars/' };
  return {
    runtime: require.resolve('web-tree-sitter/web-tree-sitter.wasm'),
    python: require.resolve('tree-sitter-python/tree-sitter-python.wasm'),
    typescript: require.resolve('tree-sitter-typescript/tree-sitter-typescript.wasm'),
    tsx: require.resolve('tree-sitter-typescript/tree-sitter-tsx.wasm'),
    javascript: require.resolve('tree-sitter-javascript/tree-sitter-javascript.wasm'),
    from: 'node_modules/',
  };
}

// ---------------------------------------------------------------------------------------------
// (a) parse-only baseline

async function loadParser(wasm) {
  const { Parser, Language } = require('web-tree-sitter');
  await Parser.init({ wasmBinary: fs.readFileSync(wasm.runtime) });
  const language = await Language.load(fs.readFileSync(wasm.python));
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

async function parseOneThread(files, wasm) {
  const parser = await loadParser(wasm);
  const texts = files.map((f) => fs.readFileSync(f.path, 'utf8'));
  const runs = [];
  const cpu = [];
  for (let r = 0; r < REPEATS; r++) {
    const c0 = process.cpuUsage();
    const t0 = now();
    for (const text of texts) parser.parse(text).delete();
    runs.push(now() - t0);
    cpu.push(cpuSeconds(process.cpuUsage(c0)));
  }
  // Not timed: how many files the grammar reports errors in (expected: a few, see notes).
  let withErrors = 0;
  for (const text of texts) {
    const tree = parser.parse(text);
    if (tree.rootNode.hasError) withErrors++;
    tree.delete();
  }
  parser.delete();
  return { runs, cpu, withErrors };
}

// Each worker loads the parser and reads every file; per run, the workers claim files through a
// shared counter (largest first), so the two threads stay balanced whatever the file sizes.
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { Parser, Language } = require(workerData.webTreeSitter);
(async () => {
  await Parser.init({ wasmBinary: fs.readFileSync(workerData.runtime) });
  const language = await Language.load(fs.readFileSync(workerData.python));
  const parser = new Parser();
  parser.setLanguage(language);
  const texts = workerData.files.map((f) => fs.readFileSync(f, 'utf8'));
  const counter = new Int32Array(workerData.counter);
  parentPort.on('message', (m) => {
    if (m !== 'run') return;
    let parsed = 0;
    for (;;) {
      const i = Atomics.add(counter, 0, 1);
      if (i >= texts.length) break;
      parser.parse(texts[i]).delete();
      parsed++;
    }
    parentPort.postMessage({ type: 'done', parsed });
  });
  parentPort.postMessage({ type: 'ready' });
})().catch((e) => parentPort.postMessage({ type: 'error', message: String((e && e.stack) || e) }));
`;

async function parseWorkers(files, wasm, nWorkers) {
  const counterBuf = new SharedArrayBuffer(4);
  const counter = new Int32Array(counterBuf);
  const bySize = [...files].sort((a, b) => b.bytes - a.bytes).map((f) => f.path);
  const workerData = {
    webTreeSitter: require.resolve('web-tree-sitter'),
    runtime: wasm.runtime,
    python: wasm.python,
    files: bySize,
    counter: counterBuf,
  };
  const workers = [];
  const pending = new Map(); // worker -> resolve of the message it is awaited for
  const failures = [];
  for (let i = 0; i < nWorkers; i++) {
    const w = new Worker(WORKER_CODE, { eval: true, workerData });
    w.on('message', (m) => {
      if (m.type === 'error') failures.push(m.message);
      pending.get(w)?.(m);
    });
    w.on('error', (e) => {
      failures.push(String(e?.stack ?? e));
      pending.get(w)?.({ type: 'error' });
    });
    workers.push(w);
  }
  const next = (w) => new Promise((resolve) => pending.set(w, resolve));
  try {
    const ready = await Promise.all(workers.map(next));
    if (failures.length || ready.some((m) => m.type !== 'ready')) throw new Error(`parse worker failed: ${failures.join('\n')}`);
    const runs = [];
    const cpu = [];
    for (let r = 0; r < REPEATS; r++) {
      Atomics.store(counter, 0, 0);
      const c0 = process.cpuUsage(); // the whole process: every thread
      const t0 = now();
      const done = Promise.all(workers.map(next));
      for (const w of workers) w.postMessage('run');
      const results = await done;
      runs.push(now() - t0);
      cpu.push(cpuSeconds(process.cpuUsage(c0)));
      if (failures.length) throw new Error(`parse worker failed: ${failures.join('\n')}`);
      const parsed = results.reduce((s, m) => s + m.parsed, 0);
      if (parsed !== files.length) throw new Error(`parse workers parsed ${parsed} of ${files.length} files`);
    }
    return { runs, cpu };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

// ---------------------------------------------------------------------------------------------
// (b), (c) the CLI as a child process

// GNU time's report of the child: max RSS (KB), user and system CPU seconds.
const TIME_FORMAT = '%M %U %S';
const TIME_LINE = /^(\d+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/;
const gnuTime = (() => {
  if (!fs.existsSync('/usr/bin/time')) return null;
  const out = path.join(os.tmpdir(), `normlint-bench-probe-${process.pid}`);
  const r = spawnSync('/usr/bin/time', ['-o', out, '-f', TIME_FORMAT, 'true'], { stdio: 'ignore' });
  const ok = r.status === 0 && TIME_LINE.test(fs.readFileSync(out, { encoding: 'utf8', flag: 'a+' }).trim().split('\n').at(-1));
  fs.rmSync(out, { force: true });
  return ok ? '/usr/bin/time' : null;
})();

/** One run of the CLI: {seconds, maxRssKB|null, cpu (s)|null, status, signal, ok, stderrTail}. */
function runCli(args) {
  const rssFile = path.join(os.tmpdir(), `normlint-bench-rss-${process.pid}`);
  const [cmd, cmdArgs] = gnuTime
    ? [gnuTime, ['-o', rssFile, '-f', TIME_FORMAT, process.execPath, cliPath, ...args]]
    : [process.execPath, [cliPath, ...args]];
  const t0 = now();
  const r = spawnSync(cmd, cmdArgs, {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1', NORMLINT_DEBUG_STATS: '1' },
  });
  const seconds = now() - t0;
  const stats = statsOf(r.stderr ?? '');
  let maxRssKB = null;
  let cpu = null;
  let status = r.status;
  let signal = r.signal;
  if (gnuTime) {
    const text = fs.existsSync(rssFile) ? fs.readFileSync(rssFile, 'utf8') : '';
    fs.rmSync(rssFile, { force: true });
    const lines = text.trim().split('\n');
    const m = TIME_LINE.exec(lines.at(-1) ?? '');
    if (m) {
      maxRssKB = Number(m[1]);
      cpu = Number(m[2]) + Number(m[3]);
    }
    const sig = /terminated by signal (\d+)/.exec(text);
    if (sig) signal = Number(sig[1]);
  }
  // 0 = no findings, 1 = findings; 2 = errors; anything else (or a signal) = crash.
  const ok = !r.error && signal == null && (status === 0 || status === 1);
  const stderrTail = (r.error ? r.error.message : r.stderr ?? '').trim().split('\n').filter((l) => !l.startsWith(STATS_PREFIX)).slice(-8).join('\n');
  return { seconds, maxRssKB, cpu, status, signal, ok, stderrTail, stats };
}

const STATS_PREFIX = 'normlint-stats: ';

/** The CLI's NORMLINT_DEBUG_STATS line (the first project's; null when missing or unreadable). */
function statsOf(stderr) {
  const line = stderr.split('\n').find((l) => l.startsWith(STATS_PREFIX));
  if (!line) return null;
  try {
    return JSON.parse(line.slice(STATS_PREFIX.length));
  } catch {
    return null;
  }
}

/**
 * One line on where a CLI run's time went (its NORMLINT_DEBUG_STATS): the steps on the main
 * thread and the files loaded on demand. Empty when the run reported nothing (a warm run).
 */
function fmtStats(st) {
  if (!st?.ms || !st.scope) return '';
  const m = st.ms;
  const a = st.ahead ?? {};
  const ms = (x) => `${Math.round(x)} ms`;
  const other = st.at - (m.read + m.scope + m.analysis + m.engineWait + m.lint + m.finalize);
  return `${ms(st.at)} until reported: start-up, walk and report ${ms(other)}, reading ${ms(m.read)}, pre-filter ${ms(m.scope)}, ` +
    `analysis of ${st.analyzed} files ${ms(m.analysis)}${m.engineWait >= 1 ? `, engine start-up ${ms(m.engineWait)}` : ''}, model and rules ${ms(m.lint)}; ` +
    `${st.onDemand} files loaded on demand, ${st.onDemandParsedDuringLint} parsed during the lint` +
    (a.queued ? ` (${a.queued} predicted for the workers: ${a.analyzedOnWorkers} analyzed ahead, ${a.taken} of them taken${a.waited ? `, ${a.waited} waited for` : ''})` : '');
}

/** Times `args` `repeats` times (once if the first run exceeds `slowAfter` s); median. */
function timeCli(label, args, { repeats = REPEATS, slowAfter = Infinity } = {}) {
  log(`bench: ${label}: normlint ${args.join(' ')}`);
  const runs = [];
  for (let i = 0; i < repeats; i++) {
    const r = runCli(args);
    if (!r.ok) {
      const why = r.signal != null ? `killed by signal ${r.signal}` : `exit code ${r.status}`;
      log(`bench: ${label}: the CLI failed (${why})${r.stderrTail ? `:\n${r.stderrTail}` : ''}`);
      return { label, args, ok: false, error: `${why}${r.stderrTail ? `: ${r.stderrTail}` : ''}`, runs: runs.map((x) => x.seconds) };
    }
    runs.push(r);
    log(`bench:   ${fmtS(r.seconds)}${r.maxRssKB != null ? `, max RSS ${fmtMB(r.maxRssKB)}, CPU ${fmtS(r.cpu)}` : ''} (exit ${r.status})`);
    if (i === 0 && r.seconds > slowAfter) {
      log(`bench:   > ${slowAfter} s: not repeated`);
      break;
    }
  }
  const rss = runs.map((r) => r.maxRssKB).filter((x) => x != null);
  const mid = runs.find((r) => r.seconds === median(runs.map((x) => x.seconds))) ?? runs[0];
  return {
    label,
    args,
    ok: true,
    stats: mid.stats,
    runs: runs.map((r) => r.seconds),
    seconds: median(runs.map((r) => r.seconds)),
    cpu: runs.every((r) => r.cpu != null) ? runs.map((r) => r.cpu) : null,
    cores: runs.every((r) => r.cpu != null) ? coresOf(runs.map((r) => r.seconds), runs.map((r) => r.cpu)) : null,
    maxRssKB: rss.length ? Math.max(...rss) : null,
    exitCode: runs[0].status,
  };
}

function pickSingleFile(files) {
  const models = files.filter((f) => /\/torchvision\/models\/[^/]+\.py$/.test(f.path));
  const preferred = models.find((f) => f.path.endsWith('/torchvision/models/alexnet.py'));
  if (preferred) return preferred;
  const candidates = models.filter((f) => !f.path.endsWith('__init__.py')).sort((a, b) => a.bytes - b.bytes);
  return candidates[0] ?? [...files].sort((a, b) => a.bytes - b.bytes).find((f) => f.bytes > 1000) ?? files[0];
}

// ---------------------------------------------------------------------------------------------
// report

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const line = (r) => r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

async function main() {
  if (process.argv.includes('--ts-only')) {
    const ts = await benchTypeScript(wasmPaths());
    printTs(ts);
    process.exitCode = ts.error || ts.failed ? 1 : 0;
    return;
  }
  let corpus;
  try {
    corpus = ensureCorpus({ log });
  } catch (e) {
    console.error(`bench: ${e.message}`);
    process.exit(1);
  }
  const { files, totalBytes } = corpus;
  const mb = totalBytes / 1e6;
  const rates = (s) => (s == null ? { filesPerSec: null, mbPerSec: null } : { filesPerSec: files.length / s, mbPerSec: mb / s });
  const wasm = wasmPaths();
  if (process.argv.includes('--lsp-only')) {
    const lsp = await benchLsp(corpus, wasm);
    printLsp(lsp);
    process.exitCode = lsp.error ? 1 : 0;
    return;
  }
  log(`bench: corpus ${files.length} .py files, ${mb.toFixed(1)} MB; Node ${process.version}, ${os.cpus().length} CPUs`);
  // Other processes competing for the CPUs make every number here noisy: record the load.
  const loadBefore = os.loadavg()[0];
  let measurementFailed = false;

  // (a)
  log(`bench: parse-only, 1 thread (wasm from ${wasm.from})`);
  const p1 = await parseOneThread(files, wasm);
  log(`bench:   ${p1.runs.map(fmtS).join(', ')}`);
  log('bench: parse-only, 2 worker_threads');
  let p2;
  try {
    p2 = await parseWorkers(files, wasm, 2);
    log(`bench:   ${p2.runs.map(fmtS).join(', ')}`);
  } catch (e) {
    log(`bench: ${e.message}`);
    p2 = { runs: [], error: e.message };
    measurementFailed = true;
  }
  const parse1 = median(p1.runs);
  const parse2 = p2.runs.length ? median(p2.runs) : null;

  // (b), (c)
  const cli = {};
  const single = pickSingleFile(files);
  if (!fs.existsSync(cliPath)) {
    log(`bench: ${path.relative(repoRoot, cliPath)} is missing (run \`npm run build\`): CLI measurements skipped`);
    measurementFailed = true;
  } else {
    const root = corpus.rootDir;
    const fmt = ['--output-format', 'json'];
    cli.cold1 = timeCli('cold, 1 thread', ['check', root, ...fmt, '--no-cache', '--threads', '1'], { slowAfter: SLOW_RUN_SECONDS });
    cli.cold2 = timeCli('cold, 2 threads', ['check', root, ...fmt, '--no-cache', '--threads', '2'], { slowAfter: SLOW_RUN_SECONDS });
    const fill = timeCli('warm-up (fills the cache)', ['check', root, ...fmt, '--threads', '2'], { repeats: 1 });
    cli.warm = fill.ok
      ? timeCli('warm, 2 threads', ['check', root, ...fmt, '--threads', '2'])
      : { ...fill, label: 'warm, 2 threads', error: `filling the cache failed: ${fill.error}` };
    cli.single = timeCli(`cold single file (${path.basename(single.path)})`, ['check', single.path, ...fmt, '--no-cache'], {
      repeats: SINGLE_FILE_REPEATS,
    });
    // For context (no target): the same file copied alone into a project of its own, i.e. the
    // start-up cost without the cross-file analysis of the rest of its project.
    const aloneDir = path.join(corpus.corpusDir, 'single-file');
    fs.rmSync(aloneDir, { recursive: true, force: true });
    fs.mkdirSync(path.join(aloneDir, '.git'), { recursive: true }); // project marker
    const alone = path.join(aloneDir, path.basename(single.path));
    fs.copyFileSync(single.path, alone);
    cli.singleAlone = timeCli(`cold single file alone in its project`, ['check', alone, ...fmt, '--no-cache'], {
      repeats: SINGLE_FILE_REPEATS,
    });
    if (Object.values(cli).some((m) => !m.ok)) measurementFailed = true;
  }

  const cliOnly = process.argv.includes('--cli-only');
  // (e)
  const ts = cliOnly ? null : await benchTypeScript(wasm);
  if (ts && (ts.error || ts.failed)) measurementFailed = true;

  const lsp = cliOnly ? null : fs.existsSync(cliPath) ? await benchLsp(corpus, wasm) : { error: 'CLI missing' };
  if (lsp?.error) measurementFailed = true;

  const sec = (m) => (m?.ok ? m.seconds : null);
  const ratio = (a, b) => (a != null && b != null && b > 0 ? a / b : null);
  const cold1VsParse = ratio(sec(cli.cold1), parse1);
  const threadSpeedup = ratio(sec(cli.cold1), sec(cli.cold2));
  const parseSpeedup = ratio(parse1, parse2);

  // CPU time next to wall time, as in the TypeScript table: on a loaded machine the CPU ratio
  // of a one-thread run to the one-thread baseline is the steadier measure of its work.
  const parse1Cpu = medianOrNull(p1.cpu);
  const cpuRatio = (cpu) => fmtX(ratio(medianOrNull(cpu), parse1Cpu));
  const rows = [['measurement', 'runs', 'median', 'files/s', 'MB/s', 'CPU', 'cores', 'max RSS', 'ratio', 'CPU ratio']];
  const row = (label, runs, s, cpu, cores, rss, ratioText) => {
    const r = rates(s);
    rows.push([label, runs, fmtS(s), fmtRate(r.filesPerSec), fmtRate(r.mbPerSec), fmtS(medianOrNull(cpu)), cores, rss, ratioText, cpu ? cpuRatio(cpu) : '']);
  };
  row('parse-only, 1 thread', p1.runs.length, parse1, p1.cpu, fmtCores(coresOf(p1.runs, p1.cpu)), '', '1.00x (baseline)');
  row('parse-only, 2 worker_threads', p2.runs.length, parse2, p2.cpu, fmtCores(coresOf(p2.runs, p2.cpu)), '', `${fmtX(parseSpeedup)} faster than 1`);
  const cliRow = (m, label, ratioText) => {
    if (!m) row(label, 0, null, null, 'n/a', 'n/a', 'CLI missing');
    else if (!m.ok) row(label, m.runs.length, null, null, 'n/a', 'n/a', 'CLI FAILED');
    else row(label, m.runs.length, m.seconds, m.cpu, fmtCores(m.cores), fmtMB(m.maxRssKB), ratioText);
  };
  cliRow(cli.cold1, 'normlint cold, --threads 1', `${fmtX(cold1VsParse)} of parse 1-thread`);
  cliRow(cli.cold2, 'normlint cold, --threads 2', `${fmtX(threadSpeedup)} faster than 1`);
  cliRow(cli.warm, 'normlint warm rerun, --threads 2', `${fmtX(ratio(sec(cli.warm), parse1))} of parse 1-thread`);
  const singleLabel = `normlint cold, 1 file`;
  if (cli.single?.ok) {
    rows.push([singleLabel, cli.single.runs.length, fmtS(cli.single.seconds), '', '', fmtS(medianOrNull(cli.single.cpu)), fmtCores(cli.single.cores), fmtMB(cli.single.maxRssKB), path.basename(single.path), '']);
  } else cliRow(cli.single, singleLabel, '');
  const aloneLabel = 'normlint cold, same file alone';
  if (cli.singleAlone?.ok) {
    rows.push([aloneLabel, cli.singleAlone.runs.length, fmtS(cli.singleAlone.seconds), '', '', fmtS(medianOrNull(cli.singleAlone.cpu)), fmtCores(cli.singleAlone.cores), fmtMB(cli.singleAlone.maxRssKB), '(project of 1 file)', '']);
  } else cliRow(cli.singleAlone, aloneLabel, '');

  const targets = [
    { name: `cold 1-thread <= ${TARGETS.cold1VsParse}x parse-only 1-thread`, value: cold1VsParse, shown: fmtX(cold1VsParse), met: cold1VsParse == null ? null : cold1VsParse <= TARGETS.cold1VsParse },
    { name: `2 threads >= ${TARGETS.threadSpeedup}x faster than 1 (cold)`, value: threadSpeedup, shown: fmtX(threadSpeedup), met: threadSpeedup == null ? null : threadSpeedup >= TARGETS.threadSpeedup },
    { name: `warm rerun < ${TARGETS.warmSeconds} s`, value: sec(cli.warm), shown: fmtS(sec(cli.warm)), met: sec(cli.warm) == null ? null : sec(cli.warm) < TARGETS.warmSeconds },
    { name: `cold single-file < ${TARGETS.singleFileMs} ms`, value: sec(cli.single), shown: fmtS(sec(cli.single)), met: sec(cli.single) == null ? null : sec(cli.single) * 1000 < TARGETS.singleFileMs },
  ];

  const pk = Object.entries(corpus.packages).map(([p, v]) => `${p} ${v}`).join(', ');
  console.log(`\nnormlint benchmark: ${files.length} .py files, ${mb.toFixed(1)} MB (${pk})`);
  console.log(`Node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}; parse-only WASM from ${wasm.from}; ` +
    `${p1.withErrors} files with syntax-error nodes; max RSS via ${gnuTime ? '/usr/bin/time' : 'n/a (no /usr/bin/time)'}`);
  // The load at the end includes this benchmark's own threads; the one at the start does not.
  // Two parse workers that could not keep ~2 cores busy also mean something else was running.
  const loadAfter = os.loadavg()[0];
  const parseCores = coresOf(p2.runs, p2.cpu);
  const busy = loadBefore > os.cpus().length * 0.5 || (parseCores != null && parseCores < 1.6);
  console.log(`load average (1 min) before the runs ${loadBefore.toFixed(2)}, after ${loadAfter.toFixed(2)} (includes this benchmark)` +
    (busy ? `: other processes were competing for the ${os.cpus().length} CPUs, treat the numbers as noisy` : ''));
  console.log(`median of ${REPEATS} runs (a cold corpus run over ${SLOW_RUN_SECONDS} s: 1 run; single file: ${SINGLE_FILE_REPEATS}); rates per corpus .py file;`);
  console.log(`cores = CPU time / wall time of the median run (2 threads kept busy: ~2; well below on a contended machine)\n`);
  console.log(table(rows));
  printBreakdown(cli);
  console.log('\ntargets:');
  for (const t of targets) console.log(`  ${t.met == null ? 'n/a    ' : t.met ? 'met    ' : 'NOT met'}  ${t.name}: ${t.shown}`);
  for (const m of Object.values(cli)) if (!m.ok) console.log(`\n${m.label}: the CLI failed: ${m.error}`);
  if (ts) printTs(ts);
  if (lsp) printLsp(lsp);
  if (!fs.existsSync(cliPath)) console.log(`\n${path.relative(repoRoot, cliPath)} is missing: run \`npm run build\` (or \`npm run bench\`).`);
  if (cliOnly) {
    process.exitCode = measurementFailed ? 1 : 0;
    return;
  }

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    loadAverage: { start: loadBefore, end: loadAfter },
    corpus: { files: files.length, bytes: totalBytes, packages: corpus.packages, root: path.relative(repoRoot, corpus.rootDir) },
    parseOnly: {
      wasmFrom: wasm.from,
      filesWithSyntaxErrors: p1.withErrors,
      oneThread: { runs: p1.runs, cpu: p1.cpu, seconds: parse1, cores: coresOf(p1.runs, p1.cpu), ...rates(parse1) },
      twoWorkers: { runs: p2.runs, cpu: p2.cpu, seconds: parse2, cores: coresOf(p2.runs, p2.cpu), ...rates(parse2), speedup: parseSpeedup, error: p2.error },
    },
    cli: Object.fromEntries(Object.entries(cli).map(([k, m]) => [k, { ...m, ...rates(m.ok && !k.startsWith('single') ? m.seconds : null) }])),
    singleFile: path.relative(corpus.rootDir, single.path),
    maxRssSource: gnuTime ? `/usr/bin/time -f '${TIME_FORMAT}'` : null,
    ratios: { cold1VsParse1: cold1VsParse, cliThreadSpeedup: threadSpeedup, parseThreadSpeedup: parseSpeedup },
    targets: targets.map(({ name, value, met }) => ({ name, value, met })),
    typescript: tsResults(ts),
    languageServer: lsp,
  };
  const out = path.join(corpus.corpusDir, 'bench-results.json');
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
  process.exitCode = measurementFailed ? 1 : 0;
}

await main();

/** (d): the language server; never throws (an error is reported in the result). */
async function benchLsp(corpus, wasm) {
  const out = {};
  try {
    // One server per repeat (each starts cold, as an editor's does): the run with the median
    // p95 is reported, with every run's figures beside it.
    const runs = [];
    for (let r = 0; r < REPEATS; r++) {
      log(`bench: language server, 200 keystrokes on a 5,000-line file (run ${r + 1} of ${REPEATS})`);
      runs.push(await keystrokeLatency({ cliPath, corpusRoot: corpus.rootDir, wasm }));
    }
    const byP95 = [...runs].sort((a, b) => a.p95 - b.p95);
    out.keystroke = { ...byP95[Math.floor((byP95.length - 1) / 2)], runs: runs.map((k) => ({ p50: k.p50, p95: k.p95, laterP50: k.laterP50, laterP95: k.laterP95, firstMs: k.firstMs })) };
    log('bench: language server, indexing the corpus');
    out.index = await indexMemory({ cliPath, root: corpus.rootDir });
  } catch (e) {
    out.error = e.message;
  }
  return out;
}

function printLsp(lsp) {
  console.log('\nlanguage server (normlint server --stdio, real LSP client):');
  if (lsp.error) {
    console.log(`  FAILED: ${lsp.error}`);
    return;
  }
  const k = lsp.keystroke;
  const ms = (x) => `${x.toFixed(1)} ms`;
  console.log(`  keystroke -> diagnostics, ${k.lines}-line file (${(k.bytes / 1024).toFixed(0)} KiB), ${k.keystrokes} keystrokes, no debounce: ` +
    `p50 ${ms(k.p50)}, p95 ${ms(k.p95)}, max ${ms(k.max)} (the first: ${ms(k.firstMs)}); the run with the median p95 of ${k.runs.length}, ` +
    `each a new server: ${k.runs.map((r) => `p50 ${ms(r.p50)} / p95 ${ms(r.p95)}`).join(', ')}`);
  console.log(`  the same after the first ${k.warmupKeystrokes} keystrokes (JIT warm-up; not the target's figure): p50 ${ms(k.laterP50)}, p95 ${ms(k.laterP95)}`);
  console.log(`  baseline, web-tree-sitter incremental re-parse of the same edits: p50 ${ms(k.parseP50)}, p95 ${ms(k.parseP95)} ` +
    `(p95 ratio ${(k.p95 / k.parseP95).toFixed(1)}x)`);
  const i = lsp.index;
  console.log(`  indexing the corpus (${i.files} files, ${i.findings} findings): ${i.seconds.toFixed(2)} s, server RSS then ${(i.rssBytes / 1024 / 1024).toFixed(0)} MB`);
  const met = k.p95 <= TARGETS.keystrokeP95Ms;
  console.log(`  target: ${met ? 'met    ' : 'NOT met'}  keystroke p95 <= ${TARGETS.keystrokeP95Ms} ms: ${ms(k.p95)}`);
}

// ---------------------------------------------------------------------------------------------
// (e) TypeScript/JavaScript (scripts/lib/bench-ts.mjs)

/** (e); never throws (an error is reported in the result, `failed` when a CLI run failed). */
async function benchTypeScript(wasm) {
  const out = { wasmFrom: wasm.from };
  let bundleDir = null;
  let copy = null;
  try {
    const corpus = tfjsCorpus(repoRoot);
    out.corpus = {
      files: corpus.files.length,
      bytes: corpus.totalBytes,
      byLang: corpus.byLang,
      packages: corpus.packages,
      root: path.relative(repoRoot, corpus.dir),
      selection: 'dist/**/*.js of each package without the bundles (dist/tf.*.js, dist/tf-*.js, dist/miniprogram/), and .ts sources that are not .d.ts; no node_modules/ or dot-directories inside the packages',
      bundlesLeftOut: corpus.bundles,
    };
    log(`bench: TypeScript/JavaScript corpus: ${corpus.files.length} files (${langCounts(corpus.byLang)}), ${(corpus.totalBytes / 1e6).toFixed(1)} MB under ${out.corpus.root}/`);
    bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'normlint-bench-engine-'));
    const mod = await engineBundle(repoRoot, bundleDir);
    log(`bench: TS in this process, 1 thread (wasm from ${wasm.from}): parse-only, parse + lowerTypeScript, Engine.analyze and Engine.lint of every file`);
    out.inProcess = await benchTsInProcess({ corpus, wasm, mod, repeats: REPEATS, log });
    const p = out.inProcess.prefilter;
    log(`bench:   pre-filter: ${p.seeds} seeds, whole-project scope ${p.scope} of ${corpus.files.length} files`);
    if (!fs.existsSync(cliPath)) {
      out.cliError = `${path.relative(repoRoot, cliPath)} is missing`;
      out.failed = true;
      return out;
    }
    copy = copyTsCorpus(corpus);
    const fmt = ['--output-format', 'json'];
    const cli = {};
    cli.cold1 = timeCli('TS cold, 1 thread', ['check', copy, ...fmt, '--no-cache', '--threads', '1'], { slowAfter: SLOW_RUN_SECONDS });
    cli.cold2 = timeCli('TS cold, 2 threads', ['check', copy, ...fmt, '--no-cache', '--threads', '2'], { slowAfter: SLOW_RUN_SECONDS });
    // One thread: facts are then cached exactly for the files the lint needed (in scope, or
    // loaded on demand by an import); with workers, files analyzed ahead of need and never
    // loaded would be cached too.
    const fill = timeCli('TS warm-up (fills the cache)', ['check', copy, ...fmt, '--threads', '1'], { repeats: 1 });
    out.cliParsed = fill.ok ? cachedFacts(copy) : null;
    cli.warm = fill.ok
      ? timeCli('TS warm, 2 threads', ['check', copy, ...fmt, '--threads', '2'])
      : { ...fill, label: 'TS warm, 2 threads', error: `filling the cache failed: ${fill.error}` };
    out.cli = cli;
    if (Object.values(cli).some((m) => !m.ok)) out.failed = true;
  } catch (e) {
    log(`bench: TypeScript/JavaScript: ${e?.stack ?? e}`);
    out.error = String(e?.message ?? e);
  } finally {
    for (const d of [bundleDir, copy]) if (d) fs.rmSync(d, { recursive: true, force: true });
  }
  return out;
}

function medianOrNull(xs) {
  return xs?.length ? median(xs) : null;
}

function langCounts(byLang) {
  return Object.entries(byLang).map(([l, n]) => `${n} ${l === 'javascript' ? '.js' : l === 'typescript' ? '.ts' : l}`).join(', ');
}

function printTs(ts) {
  console.log('\nTypeScript/JavaScript (TensorFlow.js packages installed in node_modules):');
  if (!ts.corpus) {
    console.log(`  FAILED: ${ts.error}`);
    return;
  }
  const c = ts.corpus;
  const mb = c.bytes / 1e6;
  const rates = (s) => (s == null ? { filesPerSec: null, mbPerSec: null } : { filesPerSec: c.files / s, mbPerSec: mb / s });
  const pk = Object.entries(c.packages).map(([p, v]) => `${p.replace('@tensorflow/', '')} ${v}`).join(', ');
  console.log(`${c.files} files (${langCounts(c.byLang)}), ${mb.toFixed(1)} MB: dist/**/*.js modules and non-.d.ts .ts sources of @tensorflow/{${pk}};`);
  console.log(`left out: ${c.bundlesLeftOut.files} bundles (dist/tf*.js, miniprogram/; ${(c.bundlesLeftOut.bytes / 1e6).toFixed(1)} MB, the same code concatenated, some minified)`);
  if (ts.error && !ts.inProcess) {
    console.log(`  FAILED: ${ts.error}`);
    return;
  }
  const ip = ts.inProcess;
  const parse1 = ip.parseOnly.seconds;
  const parse1Cpu = medianOrNull(ip.parseOnly.cpu);
  const ratio = (a, b) => (a != null && b != null && b > 0 ? a / b : null);
  // Wall time as in the Python table, and the median CPU time next to it: on a loaded machine a
  // one-thread stage's CPU time is the steadier measure of its work.
  const rows = [['measurement', 'runs', 'median', 'files/s', 'MB/s', 'CPU', 'cores', 'max RSS', 'ratio', 'CPU ratio']];
  const row = (label, m, rss, ratioText) => {
    const r = rates(m?.seconds);
    const cpu = medianOrNull(m?.cpu);
    rows.push([label, m?.runs?.length ?? 0, fmtS(m?.seconds), fmtRate(r.filesPerSec), fmtRate(r.mbPerSec), fmtS(cpu), fmtCores(coresOf(m?.runs, m?.cpu)), rss, ratioText, fmtX(ratio(cpu, parse1Cpu))]);
  };
  row('parse-only, 1 thread', ip.parseOnly, '', '1.00x (baseline)');
  row('parse + lowerTypeScript, 1 thread', ip.parseLower, '', `${fmtX(ratio(ip.parseLower.seconds, parse1))} of parse-only`);
  row('Engine.analyze, every file', ip.analyze, '', `${fmtX(ratio(ip.analyze.seconds, parse1))} of parse-only`);
  row('Engine.analyze + lint, every file', ip.analyzeLint, '', `${fmtX(ratio(ip.analyzeLint.seconds, parse1))} of parse-only`);
  const cliRow = (m, label, ratioText) => {
    if (!m) rows.push([label, 0, 'n/a', '', '', '', '', '', ts.cliError ?? 'not run', '']);
    else if (!m.ok) rows.push([label, m.runs.length, 'n/a', '', '', '', '', '', 'CLI FAILED', '']);
    else {
      const r = rates(m.seconds);
      const cpu = medianOrNull(m.cpu);
      rows.push([label, m.runs.length, fmtS(m.seconds), fmtRate(r.filesPerSec), fmtRate(r.mbPerSec), fmtS(cpu), fmtCores(m.cores), fmtMB(m.maxRssKB), ratioText, fmtX(ratio(cpu, parse1Cpu))]);
    }
  };
  const sec = (m) => (m?.ok ? m.seconds : null);
  cliRow(ts.cli?.cold1, 'normlint cold, --threads 1', `${fmtX(ratio(sec(ts.cli?.cold1), parse1))} of parse-only`);
  cliRow(ts.cli?.cold2, 'normlint cold, --threads 2', `${fmtX(ratio(sec(ts.cli?.cold1), sec(ts.cli?.cold2)))} faster than 1`);
  cliRow(ts.cli?.warm, 'normlint warm rerun, --threads 2', `${fmtX(ratio(sec(ts.cli?.warm), parse1))} of parse-only`);
  console.log(`in this process (one thread, the four stages interleaved in each run; the engine bundled from linter/src) and the CLI`);
  console.log(`on a copy in ${os.tmpdir()}; median of ${REPEATS} runs; rates per corpus file; CPU = median CPU time (CLI: of the child, via /usr/bin/time);`);
  console.log(`cores = CPU time / wall time of the median run (below 1 for one thread: other processes had the CPU)\n`);
  console.log(table(rows));
  const p = ip.prefilter;
  console.log(`\npre-filter (isSeedText with the path): ${p.seeds} of ${c.files} files are seeds; the whole-project scope (seeds and files using what they import) ` +
    `is ${p.scope} files (${fmtS(p.seconds)} in this process to compute both).`);
  const parsed = ts.cliParsed ? `${ts.cliParsed.files} files, ${(ts.cliParsed.bytes / 1e6).toFixed(1)} MB (${((100 * ts.cliParsed.bytes) / c.bytes).toFixed(0)}% of the bytes)` : 'n/a';
  console.log(`The CLI (one thread) parsed ${parsed}: the scope and what it imports, loaded on demand (the facts its warm-up run cached);`);
  console.log(`with workers it also analyzes ahead of need what the scope's imports reach, needed or not (see below).`);
  console.log(`So the CLI rows measure reading and pre-filtering every file but parsing only those; the Engine rows parse and lower every file.`);
  const codes = Object.entries(ip.findingsByCode).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`Engine.lint of every file: ${ip.findings} findings${codes ? ` (${codes})` : ''}, ${ip.internalErrors} internal errors; ` +
    `${ip.filesWithSyntaxErrors} files with syntax-error nodes${Object.keys(ip.skipped).length ? `; skipped: ${JSON.stringify(ip.skipped)}` : ''}.`);
  printBreakdown(ts.cli ?? {});
  for (const m of Object.values(ts.cli ?? {})) if (!m.ok) console.log(`${m.label}: the CLI failed: ${m.error}`);
  if (ts.error) console.log(`  FAILED: ${ts.error}`);
}

/** Where the median cold runs' time went (see {@link fmtStats}). */
function printBreakdown(cli) {
  const lines = ['cold1', 'cold2'].filter((k) => cli[k]?.ok && fmtStats(cli[k].stats)).map((k) => `  ${cli[k].label}: ${fmtStats(cli[k].stats)}`);
  if (lines.length) console.log(`\nwhere the median cold runs went (main thread, NORMLINT_DEBUG_STATS):\n${lines.join('\n')}`);
}

/** (e) for the results file: corpus, stages with runs and rates, ratios to the parse-only baseline. */
function tsResults(ts) {
  if (!ts.corpus || !ts.inProcess) return ts;
  const mb = ts.corpus.bytes / 1e6;
  const rates = (s) => (s == null ? { filesPerSec: null, mbPerSec: null } : { filesPerSec: ts.corpus.files / s, mbPerSec: mb / s });
  const parse1 = ts.inProcess.parseOnly.seconds;
  const ratio = (s) => (s != null && parse1 > 0 ? s / parse1 : null);
  const parse1Cpu = medianOrNull(ts.inProcess.parseOnly.cpu);
  const cpuRatio = (cpu) => {
    const c = medianOrNull(cpu);
    return c != null && parse1Cpu ? c / parse1Cpu : null;
  };
  const stage = (m) => ({ runs: m.runs, cpu: m.cpu, seconds: m.seconds, cpuSeconds: medianOrNull(m.cpu), cores: coresOf(m.runs, m.cpu), ...rates(m.seconds), vsParseOnly: ratio(m.seconds), cpuVsParseOnly: cpuRatio(m.cpu) });
  const ip = ts.inProcess;
  return {
    corpus: ts.corpus,
    wasmFrom: ts.wasmFrom,
    filesWithSyntaxErrors: ip.filesWithSyntaxErrors,
    parseOnly: stage(ip.parseOnly),
    parseLower: stage(ip.parseLower),
    engineAnalyze: stage(ip.analyze),
    engineLint: stage(ip.lint),
    engineAnalyzeLint: stage(ip.analyzeLint),
    engineFindings: { total: ip.findings, byCode: ip.findingsByCode, internalErrors: ip.internalErrors, skipped: ip.skipped },
    prefilter: { seeds: ip.prefilter.seeds, scope: ip.prefilter.scope, seconds: ip.prefilter.seconds, cliParsed: ts.cliParsed ?? null, seedFiles: ip.prefilter.seedFiles },
    cli: ts.cli
      ? Object.fromEntries(Object.entries(ts.cli).map(([k, m]) => [k, { ...m, ...rates(m.ok ? m.seconds : null), cpuSeconds: medianOrNull(m.cpu), vsParseOnly: ratio(m.ok ? m.seconds : null), cpuVsParseOnly: cpuRatio(m.cpu) }]))
      : { error: ts.cliError },
    cliThreadSpeedup: ts.cli?.cold1?.ok && ts.cli?.cold2?.ok ? ts.cli.cold1.seconds / ts.cli.cold2.seconds : null,
    error: ts.error,
  };
}
