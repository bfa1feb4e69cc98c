/**
 * `--fix`, `--unsafe-fixes` and `--diff`: what gets written, how, and what is reported after.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import ts from 'typescript';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { EVALUATE_PY, MODELS_PY, MOMENTUM_PY, ensureBuilt, makeProject, runCli } from './helpers';

/** Trains after a validation `.eval()` that is never undone (NL002, safe fix inserting a line). */
const TRAIN_PY = `import torch
import torch.nn as nn

model = nn.Sequential(nn.Conv2d(3, 8, 3, bias=False), nn.BatchNorm2d(8))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
model.eval()
for x in data:
    loss = model(x).sum()
    loss.backward()
    opt.step()
`;

describe('cli: --fix', function () {
  before(ensureBuilt);

  it('applies safe fixes, reports what remains, and exits 1 while findings remain', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'm.py': MOMENTUM_PY, 'models.py': MODELS_PY, 'evaluate.py': EVALUATE_PY });
    const r = runCli(['check', '--fix'], dir);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(fs.readFileSync(path.join(dir, 'm.py'), 'utf8'), MOMENTUM_PY.replace('momentum=0.9', 'momentum=0.1'));
    assert.equal(fs.readFileSync(path.join(dir, 'evaluate.py'), 'utf8'), EVALUATE_PY, 'unsafe fixes need --unsafe-fixes');
    assert.match(r.stdout, /Fixed 1 error\.\n/);
    assert.match(r.stdout, /evaluate\.py:7:\d+: NL001 /);
    assert.match(r.stdout, /Found 1 error\./);
    assert.doesNotMatch(r.stdout, /m\.py:3/);
  });

  it('applies unsafe fixes with --unsafe-fixes and exits 0 when everything is fixed', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'models.py': MODELS_PY, 'evaluate.py': EVALUATE_PY });
    const r = runCli(['check', '--fix', '--unsafe-fixes'], dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^Fixed 1 error\.\n$/);
    const after = fs.readFileSync(path.join(dir, 'evaluate.py'), 'utf8');
    assert.match(after, /model\.eval\(\)/);
    assert.equal(runCli(['check'], dir).code, 0, 'the fixed project is clean');
  });

  it('keeps CRLF line endings, the UTF-8 BOM and the file mode; writes atomically (no temp files left)', () => {
    const crlf = TRAIN_PY.replace(/\n/g, '\r\n');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(crlf, 'utf8')]);
    const dir = makeProject({ 'pyproject.toml': '', 'train.py': bom, 'm.py': '\uFEFF' + MOMENTUM_PY });
    fs.chmodSync(path.join(dir, 'train.py'), 0o751);
    const r = runCli(['check', '--fix'], dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const bytes = fs.readFileSync(path.join(dir, 'train.py'));
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'BOM kept');
    const text = bytes.subarray(3).toString('utf8');
    assert.match(text, /model\.train\(\)/);
    assert.equal(text.replace(/\r\n/g, '').includes('\n'), false, 'every line ending is CRLF');
    assert.equal(text.replace(/\r\n/g, '').includes('\r'), false);
    assert.equal(fs.statSync(path.join(dir, 'train.py')).mode & 0o777, 0o751);
    assert.equal(fs.readFileSync(path.join(dir, 'm.py'), 'utf8'), '\uFEFF' + MOMENTUM_PY.replace('0.9', '0.1'));
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });

  it('fixes several findings in one file and iterates', () => {
    const text = `import torch.nn as nn

net = nn.Sequential(
    nn.Conv2d(3, 16, 3),
    nn.BatchNorm2d(16, momentum=0.9),
    nn.Conv2d(16, 32, 3, bias=True),
    nn.BatchNorm2d(32, momentum=0.99),
)
`;
    const dir = makeProject({ 'pyproject.toml': '', 'net.py': text });
    const r = runCli(['check', '--fix'], dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Fixed 4 errors\./);
    const after = fs.readFileSync(path.join(dir, 'net.py'), 'utf8');
    assert.match(after, /nn\.Conv2d\(3, 16, 3, bias=False\)/);
    assert.match(after, /nn\.Conv2d\(16, 32, 3, bias=False\)/);
    assert.match(after, /momentum=0\.1\)/);
    assert.match(after, /momentum=0\.01\)/);
  });

  it('only fixes the requested files', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'a.py': MOMENTUM_PY, 'b.py': MOMENTUM_PY });
    const r = runCli(['check', '--fix', 'a.py'], dir);
    assert.equal(r.code, 0);
    assert.equal(fs.readFileSync(path.join(dir, 'b.py'), 'utf8'), MOMENTUM_PY);
    assert.notEqual(fs.readFileSync(path.join(dir, 'a.py'), 'utf8'), MOMENTUM_PY);
  });
});

describe('cli: --diff', function () {
  before(ensureBuilt);

  it('prints a unified diff, writes nothing, exits 1 when there are fixes', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'm.py': MOMENTUM_PY, 'models.py': MODELS_PY, 'evaluate.py': EVALUATE_PY });
    const r = runCli(['check', '--diff'], dir);
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout,
      [
        '--- m.py',
        '+++ m.py',
        '@@ -1,3 +1,3 @@',
        ' import torch.nn as nn',
        ' ',
        '-bn = nn.BatchNorm2d(16, momentum=0.9)',
        '+bn = nn.BatchNorm2d(16, momentum=0.1)',
        '',
      ].join('\n'),
    );
    assert.match(r.stderr, /Would fix 1 error\./);
    assert.equal(fs.readFileSync(path.join(dir, 'm.py'), 'utf8'), MOMENTUM_PY);
  });

  it('includes unsafe fixes with --unsafe-fixes; exits 0 when there is nothing to fix', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'models.py': MODELS_PY, 'evaluate.py': EVALUATE_PY });
    const none = runCli(['check', '--diff'], dir);
    assert.equal(none.code, 0);
    assert.equal(none.stdout, '');
    const r = runCli(['check', '--diff', '--unsafe-fixes'], dir);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^--- evaluate\.py\n\+\+\+ evaluate\.py\n@@ /);
    assert.match(r.stdout, /^\+.*model\.eval\(\)$/m);
    assert.equal(fs.readFileSync(path.join(dir, 'evaluate.py'), 'utf8'), EVALUATE_PY);
  });
});

describe('cli: every fix on the bundled examples', function () {
  before(ensureBuilt);

  it('--fix --unsafe-fixes leaves only the findings without a fix, and valid Python and TypeScript', () => {
    const dir = makeProject({ 'pyproject.toml': '' });
    fs.cpSync(path.join(__dirname, '..', '..', 'examples'), dir, { recursive: true });
    const fixed = runCli(['check', '--fix', '--unsafe-fixes', '--no-cache'], dir);
    assert.equal(fixed.code, 1, fixed.stderr);
    assert.match(fixed.stdout, /Fixed 27 errors\./);
    const after = runCli(['check', '--output-format', 'json', '--no-cache'], dir);
    const rows = (JSON.parse(after.stdout) as Array<{ code: string; fix: unknown }>).map((d) => d.code).sort();
    // No fix by design: a too-small batch size (NL004: two PyTorch, one Keras, one TensorFlow.js),
    // a conversion after the DDP wrap (NL006), a dimensionality mismatch (NL011), BatchNorm in a
    // sequence model wrapped in `timeDistributed` (NL005: no drop-in replacement).
    assert.deepEqual(rows, ['NL004', 'NL004', 'NL004', 'NL004', 'NL005', 'NL006', 'NL011']);
    // TypeScript accepts every rewritten TensorFlow.js file (syntax only: the example imports are not installed).
    for (const file of fs.readdirSync(path.join(dir, 'tfjs')).filter((f) => /\.(ts|js)$/.test(f))) {
      const text = fs.readFileSync(path.join(dir, 'tfjs', file), 'utf8');
      const out = ts.transpileModule(text, { fileName: file, reportDiagnostics: true, compilerOptions: { allowJs: true } });
      assert.deepEqual((out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), [], file);
    }
    // Python itself accepts every rewritten file and notebook cell (magics aside), and the notebook is still JSON.
    const script = [
      'import ast, json, pathlib, sys',
      'for p in pathlib.Path(sys.argv[1]).rglob("*.py"): ast.parse(p.read_text(), str(p))',
      'for p in pathlib.Path(sys.argv[1]).rglob("*.ipynb"):',
      '    for c in json.loads(p.read_text())["cells"]:',
      '        src = "".join(c["source"])',
      '        if c["cell_type"] == "code" and not src.startswith("%%bash"):',
      '            ast.parse("\\n".join(l for l in src.split("\\n") if not l.startswith(("%", "!"))), str(p))',
    ].join('\n');
    const check = spawnSync('python3', ['-c', script, dir], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
  });
});
