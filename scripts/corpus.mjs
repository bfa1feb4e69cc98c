// Runs normlint over a real-world corpus (Debian's python3-torch + python3-torchvision, fetched
// into .corpus/ by scripts/lib/corpus-fetch.mjs) so a human can judge its findings.
//
//   npm run corpus           (= npm run build && node scripts/corpus.mjs)
//
// Prints files, MB, time taken, findings per rule, files the CLI skipped or had parse problems
// with (from its stderr), and every finding under torchvision/models/ as `path:line:col CODE
// message`. The full JSON goes to .corpus/findings.json.
//
// Exit code 1 only when the CLI crashes (exit code 2 or a signal), cannot be run, or prints
// something that is not the JSON array of findings; findings themselves are fine.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCorpus } from './lib/corpus-fetch.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// NORMLINT_CLI: run another build of the CLI (default: this checkout's dist/cli.js).
const cliPath = path.resolve(process.env.NORMLINT_CLI || path.join(repoRoot, 'dist', 'cli.js'));

function fail(message) {
  console.error(`corpus: ${message}`);
  process.exit(1);
}

/** Runs the CLI; resolves {status, signal, stdout, stderr, seconds, error}. */
function runCli(args) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    let spawnError = null;
    child.on('error', (e) => (spawnError = e));
    child.on('close', (status, signal) =>
      resolve({
        status,
        signal,
        error: spawnError,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        seconds: Number(process.hrtime.bigint() - t0) / 1e9,
      }),
    );
  });
}

/** Sorts the CLI's stderr lines into skipped files, parse problems and everything else. */
function classifyStderr(stderr) {
  const lines = stderr.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim());
  const skipped = []; // `warning: <file>: <reason>; skipped` (unreadable, binary, too large, not UTF-8)
  const parse = []; // parse/syntax problems, should the CLI report them
  const directives = []; // `warning: <file>:<line>: invalid suppression directive: ...`
  const other = [];
  for (const line of lines) {
    if (/invalid suppression directive/i.test(line)) directives.push(line);
    else if (/\bskipped\b/i.test(line)) skipped.push(line);
    else if (/pars(e|ing) (error|problem|fail)|syntax error|ERROR node|unexpected token|decode|encoding/i.test(line)) parse.push(line);
    else other.push(line);
  }
  return { skipped, parse, directives, other };
}

/** Distinct .py/.pyi paths mentioned in `lines` (falls back to the number of lines). */
function countFiles(lines) {
  const files = new Set();
  let unattributed = 0;
  for (const line of lines) {
    const paths = [...line.matchAll(/([^\s:,;'"`()]+\.pyi?)(?![\w.])/g)].map((m) => m[1]);
    for (const p of paths) files.add(p);
    if (!paths.length) unattributed++;
  }
  return files.size + unattributed;
}

function showLines(title, lines, max = 15) {
  if (!lines.length) return;
  console.log(`\n${title}:`);
  for (const l of lines.slice(0, max)) console.log(`  ${l}`);
  if (lines.length > max) console.log(`  ... and ${lines.length - max} more`);
}

async function main() {
  let corpus;
  try {
    corpus = ensureCorpus();
  } catch (e) {
    fail(e.message);
  }
  if (!fs.existsSync(cliPath)) fail(`${path.relative(process.cwd(), cliPath)} is missing: run \`npm run build\` (or \`npm run corpus\`)`);

  const target = path.relative(repoRoot, corpus.rootDir) || '.';
  const args = ['check', target, '--output-format', 'json', '--no-cache'];
  console.error(`corpus: node ${path.relative(repoRoot, cliPath)} ${args.join(' ')}`);
  const r = await runCli(args);

  const { skipped, parse, directives, other } = classifyStderr(r.stderr);
  const crashed = r.error || r.signal || (r.status !== 0 && r.status !== 1);
  if (crashed) {
    const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`;
    console.error(r.stderr.trim().split('\n').slice(-30).join('\n'));
    fail(`the CLI crashed (${why}) after ${r.seconds.toFixed(1)} s`);
  }

  let findings;
  try {
    findings = JSON.parse(r.stdout);
  } catch (e) {
    console.error(r.stdout.slice(0, 2000));
    fail(`the CLI exited ${r.status} but its stdout is not JSON (${e.message})`);
  }
  if (!Array.isArray(findings)) fail(`the CLI's JSON output is not an array of findings`);
  const findingsPath = path.join(corpus.corpusDir, 'findings.json');
  fs.writeFileSync(findingsPath, r.stdout.endsWith('\n') ? r.stdout : `${r.stdout}\n`);
  if ((r.status === 1) !== findings.length > 0) {
    console.error(`corpus: warning: exit code ${r.status} with ${findings.length} findings (expected ${findings.length ? 1 : 0})`);
  }

  // Findings' filenames may be absolute or relative (to the working directory or to the project
  // root, which for a directory argument is that directory): show them relative to the cwd.
  const display = (filename) => {
    if (!filename) return '?';
    const candidates = path.isAbsolute(filename)
      ? [filename]
      : [path.resolve(repoRoot, filename), path.resolve(corpus.rootDir, filename)];
    const abs = candidates.find((p) => fs.existsSync(p)) ?? candidates[0];
    return path.relative(process.cwd(), abs);
  };

  const mb = corpus.totalBytes / 1e6;
  const pk = Object.entries(corpus.packages).map(([p, v]) => `${p} ${v}`).join(', ');
  console.log(`normlint over the corpus (${pk})`);
  console.log(`  files:    ${corpus.files.length} .py files under ${path.relative(process.cwd(), corpus.rootDir)}`);
  console.log(`  size:     ${mb.toFixed(1)} MB`);
  console.log(`  time:     ${r.seconds.toFixed(2)} s (${(corpus.files.length / r.seconds).toFixed(0)} files/s, ${(mb / r.seconds).toFixed(1)} MB/s; exit code ${r.status})`);
  console.log(`  findings: ${findings.length} in ${new Set(findings.map((f) => f.filename)).size} files`);
  console.log(`  skipped:  ${countFiles(skipped)} files (${skipped.length} stderr lines)`);
  console.log(`  parse problems: ${countFiles(parse)} files (${parse.length} stderr lines)`);
  console.log(`  invalid suppression directives: ${directives.length} in ${countFiles(directives)} files`);

  const byRule = new Map();
  for (const f of findings) {
    const key = f.code ?? '?';
    const entry = byRule.get(key) ?? { code: key, name: f.name ?? '', severity: f.severity ?? '', count: 0 };
    entry.count++;
    byRule.set(key, entry);
  }
  if (byRule.size) {
    console.log('\nfindings per rule:');
    const rules = [...byRule.values()].sort((a, b) => b.count - a.count || String(a.code).localeCompare(String(b.code)));
    const w = Math.max(...rules.map((x) => String(x.code).length));
    const wn = Math.max(...rules.map((x) => String(x.name).length));
    for (const x of rules) console.log(`  ${String(x.code).padEnd(w)}  ${String(x.name).padEnd(wn)}  ${String(x.count).padStart(6)}  ${x.severity}`);
  }

  const models = findings
    .filter((f) => /(^|[\\/])torchvision[\\/]models[\\/]/.test(f.filename ?? ''))
    .map((f) => ({ f, file: display(f.filename), row: f.location?.row ?? 0, col: f.location?.column ?? 0 }))
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.row - b.row || a.col - b.col));
  console.log(`\nfindings under torchvision/models/ (${models.length}):`);
  for (const { f, file, row, col } of models) {
    console.log(`  ${file}:${row}:${col} ${f.code} ${String(f.message ?? '').replace(/\s*\n\s*/g, ' ')}`);
  }

  showLines('skipped (stderr)', skipped);
  showLines('parse problems (stderr)', parse);
  showLines('invalid suppression directives (stderr)', directives);
  showLines('other stderr', other);
  console.log(`\nfull JSON: ${path.relative(process.cwd(), findingsPath)}`);
}

await main();
