/**
 * Bad input (invalid UTF-8, binary, huge, deeply nested files), the cache and worker threads.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLEAN_PY, CLI, MOMENTUM_PY, ensureBuilt, makeProject, runCli, writeFiles } from './helpers';

describe('cli: bad input', function () {
  before(ensureBuilt);

  it('skips invalid UTF-8, binary and oversized files with a message; other files are still checked', () => {
    const badUtf8 = Buffer.concat([Buffer.from('x = 1\ny = "caf'), Buffer.from([0xe9]), Buffer.from('"\n')]);
    const binary = Buffer.concat([Buffer.from('import torch\n'), Buffer.from([0, 1, 2, 3])]);
    const huge = '# padding\n'.repeat(Math.ceil((10 * 1024 * 1024 + 1) / 10));
    const dir = makeProject({ 'pyproject.toml': '', 'bad.py': badUtf8, 'bin.py': binary, 'huge.py': huge, 'm.py': MOMENTUM_PY });
    const r = runCli(['check'], dir);
    assert.equal(r.code, 1, 'the finding in m.py decides the exit code');
    assert.match(r.stdout, /m\.py:3:\d+: NL007/);
    assert.match(r.stderr, /bad\.py: invalid UTF-8 at byte 14; skipped/);
    assert.match(r.stderr, /bin\.py: binary file \(NUL byte at byte 13\); skipped/);
    assert.match(r.stderr, /huge\.py: file is larger than 10 MiB \(10\.0 MiB\); skipped/);

    fs.rmSync(path.join(dir, 'm.py'));
    const clean = runCli(['check'], dir);
    assert.equal(clean.code, 0, 'skipped files do not change the exit code');
    const quiet = runCli(['check', '-q'], dir);
    assert.equal(quiet.stderr, '');
  });

  it('skips an unreadable file with a message', function () {
    if (process.getuid?.() === 0) this.skip(); // root reads anything
    const dir = makeProject({ 'pyproject.toml': '', 'secret.py': CLEAN_PY, 'm.py': MOMENTUM_PY });
    fs.chmodSync(path.join(dir, 'secret.py'), 0);
    const r = runCli(['check'], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /secret\.py: cannot read file \(EACCES\); skipped/);
  });

  it('skips a FIFO named on the command line instead of blocking on it', function () {
    const dir = makeProject({ 'pyproject.toml': '', 'm.py': MOMENTUM_PY });
    if (spawnSync('mkfifo', [path.join(dir, 'pipe.py')]).status !== 0) this.skip();
    const r = runCli(['check', 'pipe.py', 'm.py'], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /pipe\.py: not a regular file; skipped/);
  });

  it('survives deeply nested code and syntax errors', () => {
    const depth = 400;
    const nestedParens = `x = ${'('.repeat(depth)}1${')'.repeat(depth)}\n`;
    let nestedBlocks = '';
    for (let i = 0; i < 120; i++) nestedBlocks += `${'    '.repeat(i)}if x:\n`;
    nestedBlocks += `${'    '.repeat(120)}pass\n`;
    const dir = makeProject({
      'pyproject.toml': '',
      'parens.py': 'import torch\n' + nestedParens,
      'blocks.py': 'import torch\nx = 1\n' + nestedBlocks,
      'broken.py': 'import torch.nn as nn\ndef f(:\n    return nn.BatchNorm2d(\n',
      'm.py': MOMENTUM_PY,
    });
    const r = runCli(['check'], dir);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /m\.py:3:\d+: NL007/);
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.match(r.stderr, /broken\.py:2: syntax error \(\d+ error nodes?\); normlint checked the code that parses/);
  });

  it('lints what parses around a syntax error but never reports inside it', () => {
    const dir = makeProject({
      'pyproject.toml': '',
      'partial.py': 'import torch.nn as nn\nbad = nn.BatchNorm2d(8, momentum=0.9\nx = (\ngood = nn.BatchNorm2d(8, momentum=0.99)\n',
      'after.py': 'import torch.nn as nn\ndef f(:\n    pass\n\nbn = nn.BatchNorm2d(8, momentum=0.9)\n',
    });
    const r = runCli(['check', '--output-format', 'json'], dir);
    const rows = (JSON.parse(r.stdout) as Array<{ filename: string; code: string; location: { row: number } }>).map((d) => `${path.basename(d.filename)}:${d.location.row}:${d.code}`);
    assert.deepEqual(rows, ['after.py:5:NL007']);
  });
});

describe('cli: cache', function () {
  before(ensureBuilt);

  it('creates .normlint_cache/ with a .gitignore, gives identical warm results, and sees edits', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'm.py': MOMENTUM_PY, 'clean.py': CLEAN_PY });
    const cold = runCli(['check', '--output-format', 'json'], dir);
    const cacheDir = path.join(dir, '.normlint_cache');
    assert.equal(fs.readFileSync(path.join(cacheDir, '.gitignore'), 'utf8').split('\n').includes('*'), true);
    assert.ok(fs.readdirSync(path.join(cacheDir, 'runs')).length >= 1);
    const warm = runCli(['check', '--output-format', 'json'], dir);
    assert.equal(warm.stdout, cold.stdout);
    assert.equal(JSON.parse(warm.stdout).length, 1);

    fs.writeFileSync(path.join(dir, 'clean.py'), MOMENTUM_PY);
    const edited = runCli(['check', '--output-format', 'json'], dir);
    assert.equal(JSON.parse(edited.stdout).length, 2, 'an edited file is re-analyzed');
    assert.equal(JSON.parse(runCli(['check', '--output-format', 'json', '--select', 'NL001'], dir).stdout).length, 0, 'flags are part of the key');
    writeFiles(dir, { 'normlint.toml': 'ignore = ["NL007"]\n' });
    assert.equal(JSON.parse(runCli(['check', '--output-format', 'json'], dir).stdout).length, 0, 'config is part of the key');
  });

  it('a cached single-file result is invalidated by an edit to a file it loaded on demand', () => {
    const dir = makeProject({
      'pyproject.toml': '',
      'consts.py': 'WIDTH = 16\n',
      'model.py': 'import torch.nn as nn\nfrom consts import WIDTH\n\nstem = nn.Sequential(nn.Conv2d(3, WIDTH, 3, bias=False), nn.BatchNorm2d(16))\n',
    });
    const codes = (): string[] => (JSON.parse(runCli(['check', '--output-format', 'json', 'model.py'], dir).stdout) as Array<{ code: string }>).map((d) => d.code);
    assert.deepEqual(codes(), []);
    assert.deepEqual(codes(), [], 'warm');
    fs.writeFileSync(path.join(dir, 'consts.py'), 'WIDTH = 32\n');
    assert.deepEqual(codes(), ['NL011'], 'the dependency changed');
  });

  it('survives a corrupt cache', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'm.py': MOMENTUM_PY });
    runCli(['check'], dir);
    const cacheDir = path.join(dir, '.normlint_cache');
    const corrupt = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) corrupt(p);
        else if (p.endsWith('.json')) fs.writeFileSync(p, '{ not json');
      }
    };
    corrupt(cacheDir);
    const r = runCli(['check', '--output-format', 'json'], dir);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).length, 1);
  });

  it('--no-cache neither reads nor writes the cache', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'm.py': MOMENTUM_PY });
    const r = runCli(['check', '--no-cache'], dir);
    assert.equal(r.code, 1);
    assert.equal(fs.existsSync(path.join(dir, '.normlint_cache')), false);
  });
});

describe('cli: worker threads', function () {
  before(ensureBuilt);

  it('gives the same results with --threads 1 and --threads 3', () => {
    const files: Record<string, string> = { 'pyproject.toml': '' };
    for (let i = 0; i < 30; i++) files[`pkg/m${i}.py`] = i % 3 === 0 ? MOMENTUM_PY : CLEAN_PY;
    const dir = makeProject(files);
    const one = runCli(['check', '--no-cache', '--threads', '1', '--output-format', 'json'], dir);
    const three = runCli(['check', '--no-cache', '--threads', '3', '--output-format', 'json'], dir);
    assert.equal(one.code, 1);
    assert.equal(three.stderr, '');
    assert.equal(three.stdout, one.stdout);
    assert.equal(JSON.parse(three.stdout).length, 10);
  });

  // A finding that depends on files the model loads on demand (`consts.py` gives the width,
  // `layers/blocks.py` builds the conv): neither is a seed nor imports one, so neither is in the
  // analyzed set.
  const LAZY_PROJECT: Record<string, string> = {
    'pyproject.toml': '',
    'consts.py': 'WIDTH = 32\n',
    'layers/__init__.py': '',
    'layers/blocks.py': 'import torch.nn as nn\n\n\ndef conv(c):\n    return nn.Conv2d(3, c, 3, bias=False)\n',
    'model.py': 'import torch.nn as nn\nfrom consts import WIDTH\nfrom layers.blocks import conv\n\nstem = nn.Sequential(conv(WIDTH), nn.BatchNorm2d(16))\n',
    'other.py': MOMENTUM_PY,
  };
  const statsOf = (stderr: string): { scope: number; analyzed: number; onDemand: number; onDemandParsedDuringLint: number; ahead: Record<string, number> } => {
    const line = stderr.split('\n').find((l) => l.startsWith('normlint-stats: '));
    assert.ok(line, `no stats line in:\n${stderr}`);
    return JSON.parse(line.slice('normlint-stats: '.length));
  };

  it('analyzes the files the model loads on demand on the workers, ahead of need, with the same findings', () => {
    const dir = makeProject(LAZY_PROJECT);
    const args = ['check', '--no-cache', '--output-format', 'json'];
    const env = { NORMLINT_DEBUG_STATS: '1', NORMLINT_DEBUG_SETTLE_AHEAD: '1' };
    const one = runCli([...args, '--threads', '1'], dir, env);
    const two = runCli([...args, '--threads', '2'], dir, env);
    assert.equal(one.code, 1, one.stderr);
    assert.equal(two.stdout, one.stdout);
    assert.deepEqual((JSON.parse(two.stdout) as Array<{ code: string }>).map((d) => d.code).sort(), ['NL007', 'NL011']);
    // One thread: what the model loads is parsed on the main thread while it lints.
    const s1 = statsOf(one.stderr);
    assert.equal(s1.scope, 2);
    assert.equal(s1.onDemand, 2, 'consts.py and layers/blocks.py');
    assert.equal(s1.onDemandParsedDuringLint, 2);
    assert.equal(s1.ahead.queued, 0);
    // Two threads: predicted from the scope's imports and analyzed by the worker; the lint takes
    // their facts instead of parsing them.
    const s2 = statsOf(two.stderr);
    assert.equal(s2.onDemand, 2);
    assert.equal(s2.ahead.queued, 2);
    assert.equal(s2.ahead.taken, 2);
    assert.equal(s2.onDemandParsedDuringLint, 0);
  });

  it('gives the same findings when the lint asks for files before the workers got to them', () => {
    // Without settling, which files the workers analyze first is a matter of timing: whatever it
    // is, every file is analyzed once and the findings are the same.
    const dir = makeProject(LAZY_PROJECT);
    const args = ['check', '--no-cache', '--output-format', 'json'];
    const one = runCli([...args, '--threads', '1'], dir);
    for (let i = 0; i < 3; i++) {
      const two = runCli([...args, '--threads', '2'], dir, { NORMLINT_DEBUG_STATS: '1' });
      assert.equal(two.stdout, one.stdout);
      const s = statsOf(two.stderr);
      assert.equal(s.ahead.taken + s.ahead.claimedByCaller, s.onDemand);
      assert.equal(s.onDemandParsedDuringLint, s.ahead.claimedByCaller);
    }
  });

  it('redoes in-process the files a worker took when it dies, and reports it', () => {
    const files: Record<string, string> = { 'pyproject.toml': '' };
    for (let i = 0; i < 30; i++) files[`pkg/m${i}.py`] = i % 3 === 0 ? MOMENTUM_PY : CLEAN_PY;
    const dir = makeProject(files);
    const one = runCli(['check', '--no-cache', '--threads', '1', '--output-format', 'json'], dir);
    const crashed = runCli(['check', '--no-cache', '--threads', '2', '--output-format', 'json'], dir, { NORMLINT_DEBUG_WORKER_EXIT_AFTER: '2' });
    assert.equal(crashed.stdout, one.stdout, 'every file analyzed, once');
    assert.match(crashed.stderr, /internal error: worker failed; analyzed in-process instead: worker exited with code 3/);
    assert.equal(crashed.code, 2);
  });

  it('caches the facts of files analyzed ahead, and skips files whose facts are cached', () => {
    const dir = makeProject(LAZY_PROJECT);
    const env = { NORMLINT_DEBUG_STATS: '1', NORMLINT_DEBUG_SETTLE_AHEAD: '1' };
    const cold = runCli(['check', '--output-format', 'json', '--threads', '2'], dir, env);
    assert.equal(statsOf(cold.stderr).ahead.taken, 2);
    // A change to the analyzed set only: the run is analyzed again, the on-demand files come from the cache.
    fs.appendFileSync(path.join(dir, 'other.py'), '\n# edited\n');
    fs.appendFileSync(path.join(dir, 'model.py'), '\n# edited\n');
    const edited = runCli(['check', '--output-format', 'json', '--threads', '2'], dir, env);
    const codes = (out: string): string[] => (JSON.parse(out) as Array<{ code: string }>).map((d) => d.code).sort();
    assert.deepEqual(codes(edited.stdout), codes(cold.stdout));
    const s = statsOf(edited.stderr);
    assert.equal(s.analyzed, 2);
    assert.equal(s.onDemand, 2);
    assert.equal(s.ahead.queued, 0, 'cached facts are not analyzed ahead again');
    assert.equal(s.onDemandParsedDuringLint, 0);
  });
});

describe('cli: progress bar', function () {
  before(ensureBuilt);

  it('draws a progress bar on a TTY stderr for many files, and not when piped', function () {
    const files: Record<string, string> = { 'pyproject.toml': '' };
    for (let i = 0; i < 220; i++) files[`m${i}.py`] = CLEAN_PY;
    const dir = makeProject(files);
    // `script` gives the CLI a pseudo-terminal (util-linux syntax).
    const log = path.join(dir, 'tty.log');
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.FORCE_COLOR;
    const r = spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} check --no-cache`, log], {
      cwd: dir,
      encoding: 'utf8',
      env,
    });
    if (r.error || r.status === null) this.skip();
    const tty = fs.readFileSync(log, 'utf8');
    assert.match(tty, /\[=+ *\] \d+\/220 files/);
    assert.match(tty, /\x1b\[K/, 'the bar is erased');
    assert.match(tty, /All checks passed!/);
    const piped = runCli(['check', '--no-cache'], dir);
    assert.equal(piped.stderr, '');
  });
});

