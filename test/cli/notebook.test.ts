/**
 * `normlint check` on Jupyter notebooks, as a real process: every rule's single-file fixtures
 * turned into notebooks (split into cells, with magics and markdown around) give the same
 * findings at cell-relative locations; fixes land in the right cells and leave outputs and
 * formatting alone; `# noqa` works in cells; broken notebooks are skipped with a reason.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ensureBuilt, makeProject, REPO, runCli } from './helpers';
import { splitLinesKeepEnds } from '../../linter/src/notebook/notebook';

const RULES_DIR = path.join(REPO, 'linter', 'src', 'rules');
const EXAMPLE = path.join(REPO, 'examples', 'notebooks', 'cifar_quickstart.ipynb');

interface JsonFinding {
  code: string;
  filename: string;
  cell: number | null;
  location: { row: number; column: number };
  related: Array<{ cell: number | null; location: { row: number } }>;
}

/** A code cell (nbformat 4) with `source` lines, not run. */
const codeCell = (src: string[]): object => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: src });

/**
 * Split a script into cells the way people write notebooks: a new cell starts at a top-level
 * statement after a blank line. Joined, the cells give the script back.
 */
function toCells(text: string): string[] {
  const lines = splitLinesKeepEnds(text);
  const cells: string[][] = [[]];
  lines.forEach((line, i) => {
    const prevBlank = i > 0 && lines[i - 1].trim() === '';
    const topLevel = /^[A-Za-z_@]/.test(line) && !/^(else|elif|except|finally)\b/.test(line);
    const afterDecorator = i > 0 && lines[i - 1].startsWith('@');
    if (prevBlank && topLevel && !afterDecorator && cells[cells.length - 1].some((l) => l.trim())) cells.push([]);
    cells[cells.length - 1].push(line);
  });
  return cells.map((c) => c.join(''));
}

/** A notebook (Jupyter's layout) with a magics cell, markdown between the code cells, and an output. */
function notebookOf(codeCells: string[]): { json: string; cellNumbers: number[] } {
  const cells: object[] = [
    { cell_type: 'markdown', metadata: {}, source: ['# Experiment\n', 'Notes before the code.'] },
    { cell_type: 'code', execution_count: 1, metadata: {}, outputs: [], source: ['%matplotlib inline\n', '!nvidia-smi'] },
  ];
  const cellNumbers: number[] = [];
  codeCells.forEach((src, i) => {
    if (i > 0 && i % 2 === 0) cells.push({ cell_type: 'markdown', metadata: {}, source: [`Step ${i}`] });
    cells.push({
      cell_type: 'code',
      execution_count: i + 2,
      metadata: {},
      outputs: [{ name: 'stdout', output_type: 'stream', text: [`out ${i}\n`] }],
      source: splitLinesKeepEnds(src),
    });
    cellNumbers.push(cells.length);
  });
  const json = JSON.stringify({ cells, metadata: { kernelspec: { language: 'python', name: 'python3' } }, nbformat: 4, nbformat_minor: 5 }, null, 1) + '\n';
  return { json, cellNumbers };
}

/** `cell:row:CODE` for every `# expect:` marker in the cells. */
function expected(codeCells: string[], cellNumbers: number[]): string[] {
  const out: string[] = [];
  codeCells.forEach((src, i) =>
    src.split('\n').forEach((line, r) => {
      const m = /#\s*expect:\s*([A-Z]{2}\d{3}(?:\s*,\s*[A-Z]{2}\d{3})*)/.exec(line);
      if (m) for (const code of m[1].split(',')) out.push(`${cellNumbers[i]}:${r + 1}:${code.trim()}`);
    }),
  );
  return out.sort();
}

const stripMarkers = (t: string): string => t.replace(/[ \t]*# expect: [A-Z0-9, ]+$/gm, '');

function singleFileFixtures(): Array<{ rule: string; name: string; abs: string }> {
  const out: Array<{ rule: string; name: string; abs: string }> = [];
  for (const rule of fs.readdirSync(RULES_DIR).sort()) {
    const dir = path.join(RULES_DIR, rule, 'fixtures');
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      if (name.endsWith('.py') && !name.endsWith('.fixed.py')) out.push({ rule, name, abs: path.join(dir, name) });
    }
  }
  return out;
}

describe('CLI: notebooks', function () {
  this.timeout(120_000);
  before(() => ensureBuilt());

  describe('every single-file rule fixture as a notebook', () => {
    for (const fx of singleFileFixtures()) {
      it(`${fx.rule}/${fx.name}`, () => {
        const text = fs.readFileSync(fx.abs, 'utf8');
        const code = toCells(text);
        assert.equal(code.join(''), text);
        const { json, cellNumbers } = notebookOf(code);
        const nbName = fx.name.replace(/\.py$/, '.ipynb');
        const dir = makeProject({ 'pyproject.toml': '', [nbName]: json });
        const r = runCli(['check', '--select', 'ALL', '--output-format', 'json', '.'], dir);
        assert.ok(r.code === 0 || r.code === 1, r.stderr);
        const found = (JSON.parse(r.stdout) as JsonFinding[]).map((f) => `${f.cell}:${f.location.row}:${f.code}`).sort();
        assert.deepEqual(found, expected(code, cellNumbers), r.stdout);

        const fixed = fx.abs.replace(/\.py$/, '.fixed.py');
        if (!fs.existsSync(fixed)) return;
        const f = runCli(['check', '--select', 'ALL', '--fix', '--unsafe-fixes', '--quiet', '.'], dir);
        assert.ok(f.code === 0 || f.code === 1, f.stderr);
        const after = JSON.parse(fs.readFileSync(path.join(dir, nbName), 'utf8')) as { cells: Array<{ cell_type: string; source: string[]; outputs?: unknown[] }> };
        const before = JSON.parse(json) as typeof after;
        const sources = after.cells.filter((c, i) => c.cell_type === 'code' && i > 1).map((c) => c.source.join(''));
        assert.equal(stripMarkers(sources.join('')), stripMarkers(fs.readFileSync(fixed, 'utf8')));
        assert.deepEqual(
          after.cells.map((c) => [c.cell_type, c.outputs]),
          before.cells.map((c) => [c.cell_type, c.outputs]),
          'cells and outputs stay',
        );
      });
    }
  });

  it('reports cell-aware locations in text, JSON, GitHub and SARIF output', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'nb.ipynb': fs.readFileSync(EXAMPLE) });
    const text = runCli(['check', 'nb.ipynb'], dir);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^nb\.ipynb:cell 5:line 4:col 22: NL003 \[\*\] /m);
    assert.match(text.stdout, /^nb\.ipynb:cell 8:line 5:col 17: NL001 /m);
    assert.match(text.stdout, /^5 \|         preds = model\(images\)\.argmax\(dim=1\)/m);
    assert.match(text.stdout, /= note: nb\.ipynb:cell 6:line 2:col 1: put in training mode here/);

    const json = JSON.parse(runCli(['check', '--output-format', 'json', 'nb.ipynb'], dir).stdout) as JsonFinding[];
    const nl001 = json.find((f) => f.code === 'NL001')!;
    assert.deepEqual([nl001.cell, nl001.location, nl001.related[0].cell, nl001.related[0].location.row], [8, { row: 5, column: 17 }, 6, 2]);

    // GitHub and SARIF point into the .ipynb JSON text (what GitHub shows), naming the cell.
    const raw = fs.readFileSync(EXAMPLE, 'utf8').split('\n');
    const gh = runCli(['check', '--output-format', 'github', 'nb.ipynb'], dir).stdout;
    const m = /^::error file=nb\.ipynb,line=(\d+),col=(\d+),.*::cell 8, line 5: `model` runs/m.exec(gh);
    assert.ok(m, gh);
    assert.equal(raw[Number(m[1]) - 1].slice(Number(m[2]) - 1, Number(m[2]) - 1 + 'model(images)'.length), 'model(images)');
    const sarif = JSON.parse(runCli(['check', '--output-format', 'sarif', 'nb.ipynb'], dir).stdout);
    const res = sarif.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'NL001');
    assert.equal(res.locations[0].physicalLocation.region.startLine, Number(m[1]));
    assert.deepEqual(res.properties.cell, 8);
    assert.equal(res.fixes, undefined);
    // JUnit: the JSON line in the attributes (as SARIF), the cell and its line in the text.
    const junit = runCli(['check', '--output-format', 'junit', 'nb.ipynb'], dir).stdout;
    assert.match(junit, new RegExp(`<testcase name="org\\.normlint\\.NL001" classname="nb" line="${m[1]}" column="${m[2]}">`));
    assert.match(junit, /cell 8, line 5, col 17, `model` runs for inference/);
  });

  it('--diff shows the changed cells; --fix edits them in place', () => {
    const original = fs.readFileSync(EXAMPLE, 'utf8');
    const dir = makeProject({ 'pyproject.toml': '', 'nb.ipynb': original });
    const d = runCli(['check', '--diff', '--unsafe-fixes', '.'], dir);
    assert.equal(d.code, 1);
    assert.match(d.stdout, /^--- nb\.ipynb:cell 5\n\+\+\+ nb\.ipynb:cell 5\n/m);
    assert.match(d.stdout, /^\+model\.eval\(\)$/m);
    assert.equal(fs.readFileSync(path.join(dir, 'nb.ipynb'), 'utf8'), original);

    const f = runCli(['check', '--fix', '--unsafe-fixes', '.'], dir);
    assert.equal(f.code, 0, f.stdout + f.stderr);
    const after = fs.readFileSync(path.join(dir, 'nb.ipynb'), 'utf8');
    const diff = after.split('\n').filter((l, i, a) => !original.split('\n').includes(l));
    assert.deepEqual(diff, ['    "        self.conv1 = nn.Conv2d(3, 32, 3, padding=1, bias=False)  # expect: NL003\\n",', '    "model.eval()\\n",']);
    assert.equal(after.split('\n').length, original.split('\n').length + 1);
  });

  it('--fix inserts lines after the last line of a cell (no trailing newline) into that cell', () => {
    const cells = [
      codeCell(['import torch\n', 'from torch import nn, optim\n', 'from torchvision import models']),
      codeCell([
        'model = models.densenet121(weights="DEFAULT")\n', 'for param in model.parameters():\n', '    param.requires_grad = False\n',
        'model.classifier = nn.Linear(1024, 2)\n', 'optimizer = optim.Adam(model.classifier.parameters(), lr=0.003)\n',
        'loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(64, 3, 8, 8), torch.zeros(64).long()), batch_size=32)',
      ]),
      codeCell(['for x, y in loader:\n', '    nn.functional.cross_entropy(model(x), y).backward()\n', '    optimizer.step()\n', '    model.train()']),
      codeCell(['print("done")']),
    ];
    const dir = makeProject({ 'pyproject.toml': '', 'nb.ipynb': JSON.stringify({ cells, metadata: { language_info: { name: 'python' } }, nbformat: 4, nbformat_minor: 5 }, null, 1) });
    const f = runCli(['check', '--fix', '--unsafe-fixes', '--select', 'NL010', '.'], dir);
    assert.equal(f.code, 0, f.stdout + f.stderr);
    const nb = JSON.parse(fs.readFileSync(path.join(dir, 'nb.ipynb'), 'utf8')) as { cells: Array<{ source: string[] }> };
    assert.deepEqual(nb.cells[2].source.slice(-4), [
      '    model.train()\n', '    for module in model.modules():\n', '        if isinstance(module, nn.modules.batchnorm._BatchNorm):\n', '            module.eval()',
    ]);
    assert.deepEqual(nb.cells[3].source, ['print("done")']);
  });

  it('honours # noqa and file-level directives inside cells', () => {
    const nb = fs.readFileSync(EXAMPLE, 'utf8').replace('argmax(dim=1)  # expect: NL001', 'argmax(dim=1)  # noqa: NL001');
    const dir = makeProject({ 'pyproject.toml': '', 'nb.ipynb': nb });
    const r = runCli(['check', '--output-format', 'json', '.'], dir);
    assert.deepEqual((JSON.parse(r.stdout) as JsonFinding[]).map((f) => f.code), ['NL003']);
    const off = fs.readFileSync(EXAMPLE, 'utf8').replace('"%matplotlib inline\\n",', '"%matplotlib inline\\n",\n    "# normlint: disable=NL003\\n",');
    const dir2 = makeProject({ 'pyproject.toml': '', 'nb.ipynb': off });
    assert.deepEqual((JSON.parse(runCli(['check', '--output-format', 'json', '.'], dir2).stdout) as JsonFinding[]).map((f) => f.code), ['NL001']);
  });

  it('--add-noqa edits the cell, and names the cell when a line cannot take a directive', () => {
    const cells = [
      { cell_type: 'markdown', metadata: {}, source: ['# Layers'] },
      { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: ['import torch.nn as nn\n', 'bn = nn.BatchNorm2d(8, momentum=0.9)\n', 'bn2 = nn.BatchNorm2d(8, momentum=0.9); doc = """about\n', 'the layer"""\n'] },
    ];
    const dir = makeProject({ 'pyproject.toml': '', 'nb.ipynb': JSON.stringify({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 }, null, 1) });
    const r = runCli(['check', '--add-noqa', '.'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /nb\.ipynb:cell 2:line 3: cannot add `# noqa: NL007`: the line ends inside a string/);
    assert.match(r.stderr, /Added 1 noqa directive\./);
    const after = JSON.parse(fs.readFileSync(path.join(dir, 'nb.ipynb'), 'utf8'));
    assert.equal(after.cells[1].source[1], 'bn = nn.BatchNorm2d(8, momentum=0.9)  # noqa: NL007\n');
  });

  it('skips broken and non-Python notebooks with a reason and checks the rest', () => {
    const dir = makeProject({
      'pyproject.toml': '',
      'broken.ipynb': '{"cells": [',
      'old.ipynb': '{"nbformat": 3, "worksheets": []}',
      'r.ipynb': JSON.stringify({ cells: [], metadata: { kernelspec: { language: 'R' } }, nbformat: 4, nbformat_minor: 5 }),
      'nb.ipynb': fs.readFileSync(EXAMPLE),
    });
    const r = runCli(['check', '--output-format', 'json', '.'], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /broken\.ipynb: invalid notebook JSON \(.*line 1, column 12\); skipped/);
    assert.match(r.stderr, /old\.ipynb: nbformat 3 notebooks are not supported/);
    assert.match(r.stderr, /r\.ipynb: not a Python notebook \(kernel language: R\); skipped/);
    assert.equal((JSON.parse(r.stdout) as JsonFinding[]).length, 2);
  });

  it('warns about a syntax error at its cell and line, and not about a `%` operand continued in parentheses', () => {
    const dir = makeProject({
      'pyproject.toml': '',
      'nb.ipynb': JSON.stringify({
        cells: [
          codeCell(['import torch.nn as nn\n', '%matplotlib inline\n', 'bn = nn.BatchNorm2d(3)\n']),
          { cell_type: 'markdown', metadata: {}, source: ['# Data'] },
          codeCell(['print(\n', '    "samples: %d"\n', '    % (3,)\n', ')\n', 'x = (1,\n']),
        ],
        metadata: { language_info: { name: 'python' } },
        nbformat: 4,
        nbformat_minor: 5,
      }),
    });
    const r = runCli(['check', '.'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stderr.trim().split('\n'), ['warning: nb.ipynb:cell 3:line 5: syntax error (1 error node); normlint checked the code that parses']);
  });

  it('warns at an exercise cell left as `x = ` (a line break Python rejects and tree-sitter skips), not cells later', () => {
    const dir = makeProject({
      'pyproject.toml': '',
      'nb.ipynb': JSON.stringify({
        cells: [
          codeCell(['# Licensed under the Apache License\n']),
          codeCell(['import torch.nn as nn\n', 'bn = nn.BatchNorm2d(3)\n']),
          codeCell(['batch_size =\n', 'IMG_SHAPE = \n']),
          codeCell(['def plot(images):\n', '    print(images)\n']),
        ],
        metadata: { language_info: { name: 'python' } },
        nbformat: 4,
        nbformat_minor: 5,
      }),
    });
    const r = runCli(['check', '.'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: nb\.ipynb:cell 3:line 1: syntax error/);
  });

  it('checks a notebook whose outputs make it larger than the 10 MiB source limit', () => {
    const nb = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8'));
    const png = 'iVBORw0KGgo'.padEnd(12 * 1024 * 1024, 'A');
    nb.cells[5].outputs.push({ data: { 'image/png': png, 'text/plain': ['<Figure>'] }, metadata: {}, output_type: 'display_data' });
    const dir = makeProject({ 'pyproject.toml': '', 'nb.ipynb': JSON.stringify(nb, null, 1) });
    const r = runCli(['check', '--output-format', 'json', '.'], dir);
    assert.equal(r.stderr, '');
    assert.deepEqual((JSON.parse(r.stdout) as JsonFinding[]).map((f) => f.code).sort(), ['NL001', 'NL003']);
  });

  it('does not lint cell magics with other languages, and follows imports from project modules', () => {
    const cells = [
      { cell_type: 'code', metadata: {}, outputs: [], source: ['%%bash\n', 'python -c "model(x)"'] },
      { cell_type: 'code', metadata: {}, outputs: [], source: ['import torch\n', 'from model import Net\n', 'net = Net()\n', 'net.load_state_dict(torch.load("w.pt"))\n'] },
      { cell_type: 'code', metadata: {}, outputs: [], source: ['with torch.no_grad():\n', '    y = net(torch.randn(1, 3, 32, 32))\n'] },
    ];
    const dir = makeProject({
      'pyproject.toml': '',
      'model.py': 'import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 8, 3, bias=False)\n        self.bn = nn.BatchNorm2d(8)\n\n    def forward(self, x):\n        return self.bn(self.conv(x))\n',
      'nb.ipynb': JSON.stringify({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 }),
    });
    const r = runCli(['check', '--output-format', 'json', '.'], dir);
    const found = (JSON.parse(r.stdout) as JsonFinding[]).map((f) => `${path.basename(f.filename)}:${f.cell}:${f.location.row}:${f.code}`);
    assert.deepEqual(found, ['nb.ipynb:3:2:NL001']);
  });
});
