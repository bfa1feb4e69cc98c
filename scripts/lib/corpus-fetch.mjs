// Shared helper for scripts/corpus.mjs and scripts/bench.mjs: ensures a real-world corpus of
// PyTorch code under .corpus/ (gitignored) and lists its .py files.
//
//   .corpus/debs/        the .deb files fetched with `apt-get download`
//   .corpus/root/        the packages unpacked with `dpkg -x` (usr/lib/python3/dist-packages/...)
//   .corpus/stamp.json   {packages: {name: version}}, written last: its presence means "complete"
//
// .corpus/root is made a project of its own (an empty git repository: `.git` is a project
// marker for normlint) so that `normlint check .corpus/root` analyzes the corpus as one project
// rooted there, instead of as part of this repository (whose .gitignore excludes .corpus/ and
// whose own Python files would join the cross-file analysis).
//
// Idempotent: when the stamp matches the requested packages (and, if apt can tell, their current
// candidate versions) nothing is downloaded or unpacked again. Needs apt-get and dpkg (Debian or
// Ubuntu) and root for `apt-get update`; `apt-get download` itself does not install anything.
//
// Usable on its own: `node scripts/lib/corpus-fetch.mjs` prints a summary.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const DEFAULT_PACKAGES = ['python3-torch', 'python3-torchvision'];

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs a command synchronously; never throws for a non-zero exit (callers inspect it). */
function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
  return {
    missing: r.error?.code === 'ENOENT',
    error: r.error,
    status: r.status,
    signal: r.signal,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
  };
}

function have(cmd) {
  return !run(cmd, ['--version']).missing;
}

function describeFailure(what, r) {
  const out = `${r.stderr}\n${r.stdout}`.trim().split('\n').slice(-15).join('\n');
  const how = r.error ? r.error.message : r.signal ? `signal ${r.signal}` : `exit code ${r.status}`;
  return `${what} failed (${how})${out ? `:\n${out}` : ''}`;
}

/** Candidate versions according to apt's current package lists; {} when apt cannot tell. */
function candidateVersions(packages) {
  const r = run('apt-cache', ['policy', ...packages], { env: { ...process.env, LC_ALL: 'C' } });
  if (r.status !== 0) return {};
  const versions = {};
  let current = null;
  for (const line of r.stdout.split('\n')) {
    const pkg = /^(\S+):\s*$/.exec(line);
    if (pkg) current = pkg[1];
    const cand = /^\s+Candidate:\s*(\S+)/.exec(line);
    if (cand && current && cand[1] !== '(none)') versions[current] = cand[1];
  }
  return versions;
}

function readStamp(stampPath) {
  try {
    return JSON.parse(fs.readFileSync(stampPath, 'utf8'));
  } catch {
    return null;
  }
}

function debField(deb, field) {
  const r = run('dpkg-deb', ['-f', deb, field]);
  if (r.status !== 0) throw new Error(describeFailure(`dpkg-deb -f ${deb} ${field}`, r));
  return r.stdout.trim();
}

/** The .deb in `dir` for `pkg` (newest by mtime when there are several), or null. */
function findDeb(dir, pkg) {
  if (!fs.existsSync(dir)) return null;
  const candidates = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'))
    .map((f) => path.join(dir, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  return candidates[0] ?? null;
}

function aptDownload(packages, debsDir, log) {
  const env = { ...process.env, LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' };
  let r = run('apt-get', ['download', ...packages], { cwd: debsDir, env });
  if (r.status === 0) return;
  // Most likely the package lists are missing (fresh container) or stale (a superseded version
  // is gone from the mirror): refresh them once and retry.
  log(`corpus: apt-get download failed; running apt-get update and retrying`);
  log(`  ${(r.stderr.trim().split('\n').filter((l) => /^E:/.test(l))[0] ?? r.stderr.trim()).slice(0, 300)}`);
  const u = run('apt-get', ['update'], { env });
  if (u.status !== 0) {
    const hint = typeof process.getuid === 'function' && process.getuid() !== 0 ? ' (apt-get update needs root)' : '';
    throw new Error(describeFailure(`apt-get update${hint}`, u));
  }
  r = run('apt-get', ['download', ...packages], { cwd: debsDir, env });
  if (r.status !== 0) throw new Error(describeFailure(`apt-get download ${packages.join(' ')}`, r));
}

/** Makes `dir` a project root of its own for normlint (see the header); idempotent. */
function ensureProjectMarker(dir) {
  if (fs.existsSync(path.join(dir, '.git'))) return;
  const r = run('git', ['init', '--quiet', dir]);
  if (r.status !== 0) fs.mkdirSync(path.join(dir, '.git'), { recursive: true }); // no git: a bare marker
}

/** Regular .py files under `dir` (symlinks are not followed), sorted, with their sizes. */
export function listPythonFiles(dir) {
  const files = [];
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && entry.name.endsWith('.py')) files.push({ path: p, bytes: fs.statSync(p).size });
    }
  };
  walk(dir);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return files;
}

/**
 * Ensures the corpus exists and returns
 * {corpusDir, rootDir, packages: {name: version}, files: [{path, bytes}], totalBytes, fetched}.
 * Throws an Error with a readable message when it cannot be built.
 */
export function ensureCorpus({ root = repoRoot, packages = DEFAULT_PACKAGES, log = (m) => console.error(m) } = {}) {
  const corpusDir = path.join(root, '.corpus');
  const debsDir = path.join(corpusDir, 'debs');
  const rootDir = path.join(corpusDir, 'root');
  const stampPath = path.join(corpusDir, 'stamp.json');

  const aptAvailable = have('apt-get') && have('dpkg');
  const stamp = readStamp(stampPath);
  const stampComplete =
    stamp && fs.existsSync(rootDir) && packages.every((p) => typeof stamp.packages?.[p] === 'string');
  let upToDate = stampComplete;
  if (stampComplete && aptAvailable) {
    const cand = candidateVersions(packages);
    const stale = packages.filter((p) => cand[p] && cand[p] !== stamp.packages[p]);
    if (stale.length) {
      log(`corpus: newer versions available (${stale.map((p) => `${p} ${stamp.packages[p]} -> ${cand[p]}`).join(', ')}); refreshing`);
      upToDate = false;
    }
  }

  let fetched = false;
  if (!upToDate) {
    if (!aptAvailable) {
      throw new Error(
        `cannot build the corpus: ${have('apt-get') ? 'dpkg' : 'apt-get'} is not available.\n` +
          `The corpus is the .py files of the Debian packages ${packages.join(', ')}, fetched with ` +
          `\`apt-get download\` and unpacked with \`dpkg -x\`; run this on Debian/Ubuntu, or unpack them ` +
          `yourself into ${rootDir} and write ${stampPath} as {"packages": {"<name>": "<version>", ...}}.`,
      );
    }
    fs.mkdirSync(debsDir, { recursive: true });
    const cand = candidateVersions(packages);
    const debFor = (p) => {
      const deb = findDeb(debsDir, p);
      if (!deb) return null;
      // Keep an already downloaded .deb unless apt knows a different candidate version.
      return !cand[p] || debField(deb, 'Version') === cand[p] ? deb : null;
    };
    const toDownload = packages.filter((p) => !debFor(p));
    if (toDownload.length) {
      log(`corpus: apt-get download ${toDownload.join(' ')} (into ${path.relative(root, debsDir)}/)`);
      const t0 = Date.now();
      aptDownload(toDownload, debsDir, log);
      log(`corpus: downloaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    const debs = packages.map((p) => {
      const deb = findDeb(debsDir, p);
      if (!deb) throw new Error(`corpus: apt-get download reported success but no ${p}_*.deb is in ${debsDir}`);
      return { pkg: p, deb, version: debField(deb, 'Version') };
    });

    // Unpack into a scratch directory and swap it in, so an interrupted run never leaves a
    // half-extracted tree behind a valid stamp.
    fs.rmSync(stampPath, { force: true });
    const tmpDir = `${rootDir}.tmp`;
    fs.rmSync(tmpDir, { recursive: true, force: true });
    fs.mkdirSync(tmpDir, { recursive: true });
    for (const { deb } of debs) {
      log(`corpus: dpkg -x ${path.basename(deb)}`);
      const r = run('dpkg', ['-x', deb, tmpDir]);
      if (r.status !== 0) throw new Error(describeFailure(`dpkg -x ${deb}`, r));
    }
    ensureProjectMarker(tmpDir);
    fs.rmSync(rootDir, { recursive: true, force: true });
    fs.renameSync(tmpDir, rootDir);
    // Drop superseded .debs so .corpus/debs does not grow with every upgrade.
    const keep = new Set(debs.map((d) => d.deb));
    for (const f of fs.readdirSync(debsDir)) {
      const p = path.join(debsDir, f);
      if (f.endsWith('.deb') && !keep.has(p) && packages.some((pkg) => f.startsWith(`${pkg}_`))) fs.rmSync(p);
    }
    const versions = Object.fromEntries(debs.map((d) => [d.pkg, d.version]));
    fs.writeFileSync(stampPath, `${JSON.stringify({ packages: versions, extractedAt: new Date().toISOString() }, null, 2)}\n`);
    fetched = true;
  }

  ensureProjectMarker(rootDir);
  const files = listPythonFiles(rootDir);
  if (files.length === 0) throw new Error(`corpus: no .py files under ${rootDir}`);
  const totalBytes = files.reduce((s, f) => s + f.bytes, 0);
  return { corpusDir, rootDir, packages: readStamp(stampPath).packages, files, totalBytes, fetched };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    const c = ensureCorpus();
    const pk = Object.entries(c.packages).map(([p, v]) => `${p} ${v}`).join(', ');
    console.log(`${c.files.length} .py files, ${(c.totalBytes / 1e6).toFixed(1)} MB under ${path.relative(process.cwd(), c.rootDir) || '.'} (${pk})`);
  } catch (e) {
    console.error(`corpus-fetch: ${e.message}`);
    process.exit(1);
  }
}
