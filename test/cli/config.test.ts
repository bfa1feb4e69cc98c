/**
 * Suppression comments, configuration files and flags, file discovery (.gitignore, exclude) and
 * single files linted in the context of their project.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EVALUATE_PY, MODELS_PY, MOMENTUM_PY, ensureBuilt, makeProject, runCli, writeFiles } from './helpers';

/** Codes and files of the findings, from JSON output. */
function findings(dir: string, args: string[] = []): string[] {
  const r = runCli(['check', '--output-format', 'json', ...args], dir);
  assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as Array<{ code: string; filename: string; location: { row: number } }>).map(
    (d) => `${path.relative(dir, d.filename).split(path.sep).join('/')}:${d.location.row}:${d.code}`,
  );
}

describe('cli: suppression comments', function () {
  before(ensureBuilt);

  it('# noqa by code, by name, blanket; other codes still report', () => {
    const dir = makeProject({
      'pyproject.toml': '',
      'm.py': `import torch.nn as nn

a = nn.BatchNorm2d(16, momentum=0.9)  # noqa: NL007
b = nn.BatchNorm2d(16, momentum=0.9)  # NOQA: momentum-convention
c = nn.BatchNorm2d(16, momentum=0.9)  # noqa
d = nn.BatchNorm2d(16, momentum=0.9)  # noqa: E501
e = nn.BatchNorm2d(16, momentum=0.9)  # TODO noqa later
f = "# noqa"; g = nn.BatchNorm2d(16, momentum=0.9)
`,
    });
    assert.deepEqual(findings(dir), ['m.py:6:NL007', 'm.py:7:NL007', 'm.py:8:NL007']);
  });

  it('reports unused noqa codes as NL000 and --fix removes them', () => {
    const text = `import torch.nn as nn

a = nn.BatchNorm2d(16, momentum=0.1)  # noqa: NL007
b = nn.BatchNorm2d(16, momentum=0.9)  # noqa: NL007, NL003, E501
`;
    const dir = makeProject({ 'pyproject.toml': '', 'm.py': text });
    const r = runCli(['check'], dir);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /m\.py:3:\d+: NL000 \[\*\] Unused `noqa` directive \(unused: `NL007`\)/);
    assert.match(r.stdout, /m\.py:4:\d+: NL000 \[\*\] Unused `noqa` directive \(unused: `NL003`\)/);
    assert.equal(findings(dir, ['--ignore', 'NL000']).length, 0, 'NL000 can be disabled');
    assert.deepEqual(findings(dir, ['--select', 'NL000,NL007']), ['m.py:3:NL000'], 'codes of disabled rules are not reported');
    const fixed = runCli(['check', '--fix'], dir);
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    assert.equal(
      fs.readFileSync(path.join(dir, 'm.py'), 'utf8'),
      'import torch.nn as nn\n\na = nn.BatchNorm2d(16, momentum=0.1)\nb = nn.BatchNorm2d(16, momentum=0.9)  # noqa: NL007, E501\n',
    );
  });

  it('file-level `# normlint: disable=` anywhere on its own comment line', () => {
    const dir = makeProject({
      'pyproject.toml': '',
      'a.py': `import torch.nn as nn
# normlint: disable=NL007
a = nn.BatchNorm2d(16, momentum=0.9)
`,
      'b.py': `import torch.nn as nn

a = nn.BatchNorm2d(16, momentum=0.9)

    # normlint: disable=momentum-convention, NL003
`,
      'c.py': `import torch.nn as nn
a = nn.BatchNorm2d(16, momentum=0.9)  # normlint: disable=NL007
`,
    });
    const r = runCli(['check', '--output-format', 'json'], dir);
    const codes = (JSON.parse(r.stdout) as Array<{ filename: string }>).map((d) => path.basename(d.filename));
    assert.deepEqual(codes, ['c.py']);
    assert.match(r.stderr, /c\.py:2: invalid suppression directive: .*own/);
  });
});

describe('cli: configuration', function () {
  before(ensureBuilt);

  it('[tool.normlint] in pyproject.toml; CLI flags override it', () => {
    const dir = makeProject({
      'pyproject.toml': '[project]\nname = "x"\n\n[tool.normlint]\nignore = ["NL007"]\n',
      'm.py': MOMENTUM_PY,
      'models.py': MODELS_PY,
      'evaluate.py': EVALUATE_PY,
    });
    assert.deepEqual(findings(dir), ['evaluate.py:7:NL001']);
    assert.deepEqual(findings(dir, ['--select', 'NL007']), ['m.py:3:NL007']);
    assert.deepEqual(findings(dir, ['--extend-select', 'NL007']), ['evaluate.py:7:NL001', 'm.py:3:NL007']);
    assert.deepEqual(findings(dir, ['--ignore', 'NL0']), []);
  });

  it('severity overrides and per-file-ignores', () => {
    const dir = makeProject({
      'normlint.toml': '[severity]\nNL007 = "error"\n\n[per-file-ignores]\n"tests/*" = ["momentum-convention"]\n',
      'm.py': MOMENTUM_PY,
      'tests/t.py': MOMENTUM_PY,
    });
    const r = runCli(['check', '--output-format', 'json'], dir);
    const out = JSON.parse(r.stdout) as Array<{ code: string; severity: string; filename: string }>;
    assert.deepEqual(
      out.map((d) => [path.relative(dir, d.filename), d.severity]),
      [['m.py', 'error']],
    );
  });

  it('the nearest config wins; a pyproject.toml without [tool.normlint] does not count; normlint.toml beats pyproject.toml', () => {
    const dir = makeProject({
      'pyproject.toml': '[tool.normlint]\nignore = ["NL007"]\n',
      'a.py': MOMENTUM_PY,
      'sub/normlint.toml': 'select = ["NL007"]\n',
      'sub/pyproject.toml': '[tool.normlint]\nignore = ["ALL"]\n',
      'sub/b.py': MOMENTUM_PY,
      'other/pyproject.toml': '[project]\nname = "other"\n',
      'other/c.py': MOMENTUM_PY,
    });
    assert.deepEqual(findings(dir), ['sub/b.py:3:NL007']);
  });

  it('--config PATH applies one file to everything', () => {
    const dir = makeProject({
      'pyproject.toml': '[tool.normlint]\nignore = ["NL007"]\n',
      'a.py': MOMENTUM_PY,
      'ci/strict.toml': 'select = ["ALL"]\n',
    });
    assert.deepEqual(findings(dir, ['--config', 'ci/strict.toml']), ['a.py:3:NL007']);
    const missing = runCli(['check', '--config', 'nope.toml'], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.toml: cannot read config file/);
  });

  it('config errors name file, line and key; exit 2 and lint nothing', () => {
    const dir = makeProject({
      'normlint.toml': 'select = ["NL001"]\n\nmin_batch_size = 8\n',
      'm.py': MOMENTUM_PY,
    });
    const r = runCli(['check'], dir);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'error: normlint.toml:3: unknown key `min_batch_size` (did you mean `min-batch-size`?)\n');

    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ 'normlint.toml': 'min-batch-size = 0\n' }, /^error: normlint\.toml:1: `min-batch-size` must be an integer ≥ 1, got the integer 0$/m],
      [{ 'normlint.toml': 'check-drop-last = 1\n' }, /^error: normlint\.toml:1: `check-drop-last` must be `true` or `false`/m],
      [{ 'normlint.toml': '\n\nassume-unknown-modules-normalize = "yes"\n' }, /^error: normlint\.toml:3: `assume-unknown-modules-normalize` must be/m],
      [{ 'normlint.toml': 'select = ["NL001"]\nignore = ["nope"]\n' }, /^error: normlint\.toml:2: unknown rule selector `nope` in `ignore`$/m],
      [{ 'normlint.toml': 'extend-select = "NL001"\n' }, /^error: normlint\.toml:1: `extend-select` must be an array/m],
      [{ 'normlint.toml': '[severity]\nNL001 = "fatal"\n' }, /^error: normlint\.toml:2: `severity\.NL001` must be "error", "warning" or "info"/m],
      [{ 'normlint.toml': 'exclude = "build"\n' }, /^error: normlint\.toml:1: `exclude` must be an array/m],
      [{ 'normlint.toml': '[per-file-ignores]\n"a.py" = ["NL9"]\n' }, /^error: normlint\.toml:2: unknown rule selector `NL9` in `per-file-ignores\.a\.py`$/m],
      [{ 'normlint.toml': 'select = [\n' }, /^error: normlint\.toml:2:\d+: invalid TOML: /m],
      [{ 'pyproject.toml': '[project]\nname = "x"\n\n[tool.normlint]\nselct = ["NL001"]\n' }, /^error: pyproject\.toml:5: unknown key `selct` \(did you mean `select`\?\)$/m],
      [{ 'sub/normlint.toml': 'bogus = true\n' }, /^error: sub\/normlint\.toml:1: unknown key `bogus`$/m],
    ];
    for (const [files, expected] of cases) {
      const d = makeProject({ 'pyproject.toml': '', 'm.py': MOMENTUM_PY, 'sub/x.py': MOMENTUM_PY, ...files });
      const res = runCli(['check'], d);
      assert.equal(res.code, 2, JSON.stringify(files));
      assert.match(res.stderr, expected);
      assert.equal(res.stdout, '');
    }
  });

  it('an invalid config that applies to no checked file is reported and skipped, not fatal', () => {
    const dir = makeProject({
      'other/normlint.toml': 'bogus = 1\n',
      'other/notes.txt': 'no Python here\n',
      'proj/m.py': MOMENTUM_PY,
    });
    const r = runCli(['check', 'proj'], dir);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /NL007/);
    assert.equal(r.stderr, 'warning: other/normlint.toml:1: unknown key `bogus` (config ignored: it applies to no checked file)\n');
    // Checking a file it governs is an error again.
    fs.writeFileSync(path.join(dir, 'other', 'x.py'), MOMENTUM_PY);
    const again = runCli(['check', 'other', 'proj'], dir);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /^error: other\/normlint\.toml:1: unknown key `bogus`$/m);
  });

  it('min-batch-size reaches the rules', () => {
    const train = `import torch
import torch.nn as nn
from torch.utils.data import DataLoader

model = nn.Sequential(nn.Conv2d(3, 8, 3, bias=False), nn.BatchNorm2d(8))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loader = DataLoader(dataset, batch_size=8, drop_last=True)
model.train()
for x, y in loader:
    loss = model(x).sum()
    loss.backward()
    opt.step()
`;
    const dir = makeProject({ 'pyproject.toml': '', 'train.py': train });
    assert.deepEqual(findings(dir, ['--select', 'NL004']), ['train.py:7:NL004']);
    writeFiles(dir, { 'normlint.toml': 'min-batch-size = 4\n' });
    assert.deepEqual(findings(dir, ['--select', 'NL004']), []);
  });
});

describe('cli: discovery', function () {
  before(ensureBuilt);

  it('respects .gitignore (nested too) and config exclude, but checks files named explicitly', () => {
    const dir = makeProject({
      'pyproject.toml': '[tool.normlint]\nextend-exclude = ["legacy/", "gen_*.py"]\n',
      '.gitignore': 'build/\n*.tmp.py\n',
      'a.py': MOMENTUM_PY,
      'build/b.py': MOMENTUM_PY,
      'c.tmp.py': MOMENTUM_PY,
      'legacy/d.py': MOMENTUM_PY,
      'gen_e.py': MOMENTUM_PY,
      'pkg/.gitignore': 'skip.py\n',
      'pkg/skip.py': MOMENTUM_PY,
      'pkg/keep.py': MOMENTUM_PY,
      '.venv/lib/f.py': MOMENTUM_PY,
      'node_modules/x/g.py': MOMENTUM_PY,
    });
    assert.deepEqual(findings(dir), ['a.py:3:NL007', 'pkg/keep.py:3:NL007']);
    assert.deepEqual(findings(dir, ['legacy/d.py', 'build/b.py']), ['build/b.py:3:NL007', 'legacy/d.py:3:NL007']);
    assert.deepEqual(findings(dir, ['legacy']), ['legacy/d.py:3:NL007']);
    assert.deepEqual(findings(dir, ['build']), ['build/b.py:3:NL007']);
  });

  it('`exclude` replaces the default excludes', () => {
    const dir = makeProject({
      'pyproject.toml': '[tool.normlint]\nexclude = ["skipme"]\n',
      'venv/a.py': MOMENTUM_PY,
      'skipme/b.py': MOMENTUM_PY,
    });
    assert.deepEqual(findings(dir), ['venv/a.py:3:NL007']);
  });

  it('lints a single file in the context of its project and reports only that file', () => {
    const dir = makeProject({
      'pyproject.toml': '',
      'src/models.py': MODELS_PY.replace('nn.BatchNorm2d(16)', 'nn.BatchNorm2d(16, momentum=0.9)'),
      'src/evaluate.py': EVALUATE_PY,
    });
    // From a subdirectory, naming one file: NL001 needs models.py to know Net carries BatchNorm.
    const sub = path.join(dir, 'src');
    const r = runCli(['check', '--output-format', 'json', 'evaluate.py'], sub);
    const out = JSON.parse(r.stdout) as Array<{ code: string; filename: string }>;
    assert.deepEqual(out.map((d) => [d.code, d.filename]), [['NL001', path.join(sub, 'evaluate.py')]]);
    // The whole project reports models.py's finding too.
    assert.deepEqual(findings(dir), ['src/evaluate.py:7:NL001', 'src/models.py:9:NL007']);
  });

  it('analyzes a requested file with the project files it imports, not the whole project', () => {
    const dir = makeProject({
      'pyproject.toml': '',
      'pkg/__init__.py': '',
      'pkg/models.py': MODELS_PY,
      'pkg/evaluate.py': EVALUATE_PY.replace('from models import Net', 'from .models import Net'),
      'unrelated.py': MOMENTUM_PY,
      'other/script.py': 'import torch\nprint(torch.ones(1))\n',
    });
    const r = runCli(['check', '--output-format', 'json', 'pkg/evaluate.py'], dir);
    assert.deepEqual((JSON.parse(r.stdout) as Array<{ code: string }>).map((d) => d.code), ['NL001']);
    // The facts cache holds one entry per analyzed file: evaluate.py and models.py.
    const factsDir = path.join(dir, '.normlint_cache', 'facts');
    const count = fs.readdirSync(factsDir).reduce((n, shard) => n + fs.readdirSync(path.join(factsDir, shard)).length, 0);
    assert.equal(count, 2);
  });

  it('parses only the files that can matter in a whole-project run, loading helpers on demand', () => {
    const dir = makeProject({
      'pyproject.toml': '',
      // A helper without any keyword the pre-filter looks for: loaded only because model.py uses it.
      'layers.py': 'import torch.nn as nn\n\n\ndef conv3x3(cin, cout):\n    return nn.Conv2d(cin, cout, 3, padding=1)\n',
      'model.py': 'import torch.nn as nn\nfrom layers import conv3x3\n\nstem = nn.Sequential(conv3x3(3, 16), nn.BatchNorm2d(16))\n',
      'unrelated.py': 'import torch\nprint(torch.ones(1))\n',
      'also_unrelated.py': 'import os\nprint(os.getcwd())\n',
    });
    assert.deepEqual(findings(dir, ['.']), ['layers.py:5:NL003']);
    const factsDir = path.join(dir, '.normlint_cache', 'facts');
    const count = fs.readdirSync(factsDir).reduce((n, shard) => n + fs.readdirSync(path.join(factsDir, shard)).length, 0);
    assert.equal(count, 2, 'model.py (a seed) and layers.py (loaded on demand); the unrelated files are never parsed');
  });

  it('a script that only calls into the project is analyzed as the caller of a seed', () => {
    const dir = makeProject({
      'pyproject.toml': '',
      // train.py is a seed; main.py mentions nothing a rule reacts to but calls train.run.
      'train.py': 'import torch\n\n\ndef run(model, loader):\n    with torch.no_grad():\n        return [model(x) for x in loader]  # inference\n',
      'models.py': 'import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.bn = nn.BatchNorm1d(4)\n\n    def forward(self, x):\n        return self.bn(x)\n\n\ndef load_net(path):\n    net = Net()\n    net.load_state_dict(torch.load(path))\n    return net\n',
      'main.py': 'import sys\n\nfrom models import load_net\nfrom train import run\n\nrun(load_net(sys.argv[1]), [])\n',
    });
    assert.deepEqual(findings(dir, ['.']), ['train.py:6:NL001']);
  });

  it('reports a file once when it is requested through two projects', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'a.py': MOMENTUM_PY, 'sub/pyproject.toml': '', 'sub/b.py': MOMENTUM_PY });
    assert.deepEqual(findings(dir, ['.', 'sub', 'sub/b.py']), ['a.py:3:NL007', 'sub/b.py:3:NL007']);
    const fixed = runCli(['check', '--fix', '.', 'sub'], dir);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stdout, /Fixed 2 errors\./);
  });

  it('warns when no Python files are found', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'README.md': '# hi\n' });
    const r = runCli(['check'], dir);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /No Python files found/);
  });
});
