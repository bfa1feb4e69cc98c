/**
 * `--add-noqa`: a `# noqa` directive on the line of every current finding (merged, sorted,
 * deduplicated), written like `--fix` writes; the next check reports nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MODELS_PY, copyExamples, ensureBuilt, makeProject, runCli } from './helpers';

interface JsonFinding {
  code: string;
  filename: string;
  noqa_row: number;
}

describe('cli: --add-noqa', function () {
  before(ensureBuilt);

  it('suppresses every finding of examples/ so that the next check reports nothing', () => {
    const dir = copyExamples();
    const before = JSON.parse(runCli(['check', '--output-format', 'json'], dir).stdout) as JsonFinding[];
    assert.ok(before.length >= 10, 'the examples are full of bugs');
    const lines = new Set(before.filter((d) => d.code !== 'NL000').map((d) => `${d.filename}:${d.noqa_row}`));

    const r = runCli(['check', '--add-noqa'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `Added ${lines.size} noqa directives.\n`);
    for (const d of before) {
      const text = fs.readFileSync(d.filename, 'utf8');
      if (d.filename.endsWith('.py')) assert.match(text.split('\n')[d.noqa_row - 1], new RegExp(`# noqa: [^#]*\\b${d.code}\\b`), `${d.filename}:${d.noqa_row}`);
    }

    const after = runCli(['check'], dir);
    assert.equal(after.code, 0, after.stdout + after.stderr);
    assert.equal(after.stdout, 'All checks passed!\n');
    assert.equal(runCli(['check', '--no-cache'], dir).code, 0, 'also without the cache');
    const again = runCli(['check', '--add-noqa'], dir);
    assert.equal(again.stderr, 'Added 0 noqa directives.\n', 'idempotent');
  });

  it('merges codes into existing directives, sorted and deduplicated, keeping line endings and the BOM', () => {
    const crlf = ('import torch.nn as nn\n\n' + 'net = nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16, momentum=0.9))  # noqa: E501\n').replace(/\n/g, '\r\n');
    const dir = makeProject({
      'pyproject.toml': '',
      // NL003 and NL007 on one line; another tool's code already there.
      'net.py': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(crlf, 'utf8')]),
      // An existing comment: the directive goes before it (Ruff's placement).
      'm.py': 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(16, momentum=0.9)  # ported from Keras\n',
      // A directive that already names one of the line's rules: the other one is added.
      'n.py': 'import torch.nn as nn\n\nx = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8, momentum=0.99))  # noqa: NL007\n',
    });
    const r = runCli(['check', '--add-noqa'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'Added 3 noqa directives.\n');
    const net = fs.readFileSync(path.join(dir, 'net.py'));
    assert.deepEqual([...net.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'BOM kept');
    assert.equal(
      net.subarray(3).toString('utf8'),
      'import torch.nn as nn\r\n\r\nnet = nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16, momentum=0.9))  # noqa: E501, NL003, NL007\r\n',
    );
    assert.equal(fs.readFileSync(path.join(dir, 'm.py'), 'utf8'), 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(16, momentum=0.9)  # noqa: NL007 # ported from Keras\n');
    assert.equal(
      fs.readFileSync(path.join(dir, 'n.py'), 'utf8'),
      'import torch.nn as nn\n\nx = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8, momentum=0.99))  # noqa: NL003, NL007\n',
    );
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'atomic writes leave no temp files');
    assert.equal(runCli(['check'], dir).code, 0);
  });

  it('never writes inside a multi-line string: such a finding is named in a warning and left', () => {
    const text = 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(16, momentum=0.9); doc = """\nnotes\n"""\nok = nn.BatchNorm2d(8, momentum=0.9)\n';
    const dir = makeProject({ 'pyproject.toml': '', 'm.py': text });
    const r = runCli(['check', '--add-noqa'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /m\.py:3: cannot add `# noqa: NL007`: the line ends inside a string/);
    assert.match(r.stderr, /Added 1 noqa directive\.\n$/);
    assert.equal(fs.readFileSync(path.join(dir, 'm.py'), 'utf8'), text.replace('ok = nn.BatchNorm2d(8, momentum=0.9)', 'ok = nn.BatchNorm2d(8, momentum=0.9)  # noqa: NL007'));
    const after = runCli(['check', '--output-format', 'json'], dir);
    assert.deepEqual((JSON.parse(after.stdout) as Array<{ location: { row: number } }>).map((d) => d.location.row), [3]);
  });

  it('adds directives only for findings a --baseline does not absorb', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'models.py': MODELS_PY, 'm.py': 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(16, momentum=0.9)\n' });
    assert.equal(runCli(['check', '--write-baseline', 'baseline.json'], dir).code, 0);
    fs.appendFileSync(path.join(dir, 'm.py'), 'new = nn.BatchNorm1d(4, momentum=0.99)\n');
    const r = runCli(['check', '--add-noqa', '--baseline', 'baseline.json'], dir);
    assert.equal(r.stderr, 'Added 1 noqa directive.\n');
    assert.equal(
      fs.readFileSync(path.join(dir, 'm.py'), 'utf8'),
      'import torch.nn as nn\n\nbn = nn.BatchNorm2d(16, momentum=0.9)\nnew = nn.BatchNorm1d(4, momentum=0.99)  # noqa: NL007\n',
    );
  });

  it('is a usage error with --fix, --diff or --write-baseline', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'm.py': 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(16, momentum=0.9)\n' });
    for (const other of [['--fix'], ['--diff'], ['--write-baseline', 'b.json']]) {
      const r = runCli(['check', '--add-noqa', ...other], dir);
      assert.equal(r.code, 2, other.join(' '));
      assert.match(r.stderr, new RegExp(`option '--add-noqa' cannot be used with option '${other[0]}`));
    }
    assert.equal(fs.readFileSync(path.join(dir, 'm.py'), 'utf8'), 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(16, momentum=0.9)\n', 'nothing written');
  });
});
