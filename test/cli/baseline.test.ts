/**
 * `--write-baseline FILE` and `--baseline FILE`: recorded findings are not reported (whatever
 * the output format) and do not fail the run; matching survives moved lines; new findings
 * (copies of recorded lines included) are reported; unusable baseline files are errors.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { copyExamples, ensureBuilt, makeProject, runCli } from './helpers';
import { parseXml, findAll } from '../helpers/xml';

const BASELINE = 'normlint-baseline.json';
/** A new bug for examples/cifar/train.py. */
const NEW_BUG = '\n\nextra_bn = nn.BatchNorm2d(8, momentum=0.99)\n';

interface BaselineJson {
  version: number;
  findings: Array<{ path: string; code: string; source: string; count: number }>;
}

function readBaseline(dir: string, file = BASELINE): BaselineJson {
  return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as BaselineJson;
}

/** Insert `lines` before 0-based line `at` of a file. */
function insertLines(file: string, at: number, lines: string): void {
  const text = fs.readFileSync(file, 'utf8').split('\n');
  text.splice(at, 0, lines);
  fs.writeFileSync(file, text.join('\n'));
}

describe('cli: --baseline and --write-baseline', function () {
  before(ensureBuilt);

  it('writes a sorted, versioned baseline of examples/ that absorbs every finding', () => {
    const dir = copyExamples();
    const findings = JSON.parse(runCli(['check', '--output-format', 'json'], dir).stdout) as unknown[];
    const w = runCli(['check', '--write-baseline', BASELINE], dir);
    assert.equal(w.code, 0, w.stderr);
    assert.equal(w.stdout, '');
    assert.equal(w.stderr, `Wrote ${findings.length} findings to ${BASELINE}.\n`);
    const text = fs.readFileSync(path.join(dir, BASELINE), 'utf8');
    const b = JSON.parse(text) as BaselineJson;
    assert.equal(b.version, 1);
    assert.deepEqual(Object.keys(b), ['version', 'findings']);
    assert.equal(b.findings.reduce((n, e) => n + e.count, 0), findings.length);
    const keys = b.findings.map((e) => JSON.stringify([e.path, e.code, e.source]));
    assert.deepEqual(keys, [...keys].sort((x, y) => (x < y ? -1 : 1)), 'sorted by path, code, source');
    const heads = b.findings.find((e) => e.path === 'cifar/models/heads.py' && e.code === 'NL011')!;
    assert.deepEqual(heads, { path: 'cifar/models/heads.py', code: 'NL011', source: 'nn.BatchNorm1d(128),', count: 2 }, 'identical lines: one key, counted; the comment is not part of it');
    assert.ok(b.findings.every((e) => !e.source.includes('# expect')), 'comments are dropped');
    assert.ok(text.endsWith('}\n') && text.includes('\n  "findings": [\n    {\n'), 'two-space JSON, final newline');

    runCli(['check', '--write-baseline', BASELINE, '--no-cache'], dir);
    assert.equal(fs.readFileSync(path.join(dir, BASELINE), 'utf8'), text, 'deterministic');

    const r = runCli(['check', '--baseline', BASELINE], dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, 'All checks passed!\n');
    assert.equal(r.stderr, '');
  });

  it('matches findings after lines move, and reports only new findings, in every output format', () => {
    const dir = copyExamples();
    assert.equal(runCli(['check', '--write-baseline', BASELINE], dir).code, 0);

    // Blank lines and code above the findings, extra spaces in a line, its comment changed.
    for (const rel of ['cifar/evaluate.py', 'cifar/train.py', 'cifar/models/blocks.py', 'cifar/models/heads.py', 'ddp/train_ddp.py', 'seq/tagger.py']) {
      insertLines(path.join(dir, rel), 0, 'import os\n\n\nDEBUG = os.environ.get("DEBUG")\n');
    }
    const blocks = path.join(dir, 'cifar/models/blocks.py');
    fs.writeFileSync(
      blocks,
      fs.readFileSync(blocks, 'utf8').replace('self.bn2 = nn.BatchNorm2d(planes, momentum=0.9)  # expect: NL007', 'self.bn2 = nn.BatchNorm2d(planes,   momentum=0.9)  # TODO: why 0.9?'),
    );
    const moved = runCli(['check', '--baseline', BASELINE], dir);
    assert.equal(moved.code, 0, moved.stdout + moved.stderr);
    assert.equal(moved.stdout, 'All checks passed!\n');
    assert.equal(runCli(['check', '--no-cache'], dir).code, 1, 'the findings are still there without the baseline');

    // A new bug: only it is reported, by every format, and it fails the run.
    fs.appendFileSync(path.join(dir, 'cifar/train.py'), NEW_BUG);
    const row = fs.readFileSync(path.join(dir, 'cifar/train.py'), 'utf8').split('\n').indexOf('extra_bn = nn.BatchNorm2d(8, momentum=0.99)') + 1;
    const run = (...args: string[]) => {
      const r = runCli(['check', '--baseline', BASELINE, ...args], dir);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const text = run();
    assert.match(text, new RegExp(`^cifar/train\\.py:${row}:\\d+: NL007 `));
    assert.match(text, /\nFound 1 error\.\n/);
    const json = JSON.parse(run('--output-format', 'json')) as Array<{ code: string; location: { row: number } }>;
    assert.deepEqual(json.map((d) => [d.code, d.location.row]), [['NL007', row]]);
    const sarif = JSON.parse(run('--output-format', 'sarif'));
    assert.deepEqual(sarif.runs[0].results.map((x: any) => [x.ruleId, x.locations[0].physicalLocation.region.startLine]), [['NL007', row]]);
    const github = run('--output-format', 'github').trim().split('\n');
    assert.equal(github.length, 1);
    assert.match(github[0], new RegExp(`^::warning file=cifar/train\\.py,line=${row},`));
    const junit = parseXml(run('--output-format', 'junit'));
    assert.equal(junit.attributes.tests, '1');
    assert.deepEqual(findAll(junit, 'testcase').map((c) => [c.attributes.name, c.attributes.line]), [['org.normlint.NL007', String(row)]]);
    assert.equal(run('--statistics'), '1\tNL007\t[*] momentum-convention\nFound 1 error.\n[*] 1 fixable with the `--fix` option.\n');
    assert.deepEqual(JSON.parse(run('--statistics', '--output-format', 'json')), [{ code: 'NL007', name: 'momentum-convention', count: 1, fixable: true }]);
  });

  it('a copy of a recorded line is new: each entry absorbs at most its count', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'm.py': 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(16, momentum=0.9)\n' });
    assert.equal(runCli(['check', '--write-baseline', BASELINE], dir).code, 0);
    assert.deepEqual(readBaseline(dir).findings, [{ path: 'm.py', code: 'NL007', source: 'bn = nn.BatchNorm2d(16, momentum=0.9)', count: 1 }]);
    fs.writeFileSync(path.join(dir, 'm.py'), 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(16, momentum=0.9)\nbn = nn.BatchNorm2d(16, momentum=0.9)\n');
    const r = runCli(['check', '--baseline', BASELINE, '--output-format', 'json'], dir);
    assert.equal(r.code, 1);
    assert.deepEqual((JSON.parse(r.stdout) as Array<{ location: { row: number } }>).map((d) => d.location.row), [4], 'the later copy is reported');
    // The same line in another file is new too.
    fs.writeFileSync(path.join(dir, 'other.py'), 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(16, momentum=0.9)\n');
    fs.writeFileSync(path.join(dir, 'm.py'), 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(16, momentum=0.9)\n');
    const o = runCli(['check', '--baseline', BASELINE, '--output-format', 'json'], dir);
    assert.deepEqual((JSON.parse(o.stdout) as Array<{ filename: string }>).map((d) => path.basename(d.filename)), ['other.py']);
  });

  it('paths are relative to the baseline file, whatever the current directory', () => {
    const dir = copyExamples();
    fs.mkdirSync(path.join(dir, 'ci'));
    assert.equal(runCli(['check', '--write-baseline', 'ci/baseline.json'], dir).code, 0);
    assert.ok(readBaseline(dir, 'ci/baseline.json').findings.every((e) => e.path.startsWith('../')));
    const sub = runCli(['check', '--baseline', '../ci/baseline.json', '.'], path.join(dir, 'cifar'));
    assert.equal(sub.code, 0, sub.stdout + sub.stderr);
    assert.equal(sub.stderr, '', 'a partial run does not call the other files\' entries stale');
  });

  it('says when recorded findings are gone, and a partial --write-baseline keeps the other files', () => {
    const dir = copyExamples();
    assert.equal(runCli(['check', '--write-baseline', BASELINE], dir).code, 0);
    const before = readBaseline(dir);
    fs.rmSync(path.join(dir, 'seq/tagger.py'));
    const r = runCli(['check', '--baseline', BASELINE], dir);
    assert.equal(r.code, 0);
    assert.match(r.stderr, new RegExp(`warning: ${BASELINE}: 2 findings recorded in the baseline no longer occur; \`--write-baseline ${BASELINE}\` removes them`));
    assert.equal(runCli(['check', '--baseline', BASELINE, '--quiet'], dir).stderr, '');

    // Rewriting from one directory keeps the entries of the others (and drops the deleted file's).
    assert.equal(runCli(['check', '--write-baseline', BASELINE, 'seq', 'cifar'], dir).code, 0);
    const after = readBaseline(dir);
    assert.deepEqual(after.findings, before.findings.filter((e) => e.path !== 'seq/tagger.py'));
    assert.equal(runCli(['check', '--baseline', BASELINE], dir).stderr, '');
  });

  it('--fix and --diff leave the findings the baseline absorbs alone, and fix the new ones', () => {
    const src = 'import torch.nn as nn\n\nold = nn.BatchNorm2d(16, momentum=0.9)\n';
    const dir = makeProject({ 'pyproject.toml': '', 'm.py': src, 'other.py': 'import torch.nn as nn\n\nalso_old = nn.BatchNorm1d(8, momentum=0.99)\n' });
    assert.equal(runCli(['check', '--write-baseline', BASELINE], dir).code, 0);
    const recorded = readBaseline(dir).findings.map((e) => `${e.path}:${e.code}`);
    assert.deepEqual(recorded, ['m.py:NL007', 'other.py:NL007']);
    // A new finding of the same rule in m.py; other.py only has its recorded one.
    fs.writeFileSync(path.join(dir, 'm.py'), `${src}new = nn.BatchNorm2d(32, momentum=0.9)\n`);
    const otherText = fs.readFileSync(path.join(dir, 'other.py'), 'utf8');

    // Without the baseline every fix is offered (the control: the fix applies to these lines).
    const all = runCli(['check', '--diff', '--unsafe-fixes', '--no-cache'], dir);
    assert.equal(all.code, 1, all.stderr);
    assert.match(all.stdout, /-old = nn\.BatchNorm2d\(16, momentum=0\.9\)/);
    assert.match(all.stdout, /-also_old = /);

    const diff = runCli(['check', '--diff', '--unsafe-fixes', '--baseline', BASELINE, '--no-cache'], dir);
    assert.equal(diff.code, 1, diff.stderr);
    assert.match(diff.stdout, /-new = nn\.BatchNorm2d\(32, momentum=0\.9\)/);
    assert.doesNotMatch(diff.stdout, /^-old = /m, 'a recorded finding is not fixed');
    assert.doesNotMatch(diff.stdout, /other\.py/, 'a file with only recorded findings is not patched');

    const fix = runCli(['check', '--fix', '--unsafe-fixes', '--baseline', BASELINE, '--no-cache'], dir);
    assert.equal(fix.code, 0, fix.stdout + fix.stderr);
    const fixed = fs.readFileSync(path.join(dir, 'm.py'), 'utf8');
    assert.match(fixed, /^old = nn\.BatchNorm2d\(16, momentum=0\.9\)$/m, 'the recorded line is untouched');
    assert.doesNotMatch(fixed, /^new = nn\.BatchNorm2d\(32, momentum=0\.9\)$/m, 'the new finding is fixed');
    assert.equal(fs.readFileSync(path.join(dir, 'other.py'), 'utf8'), otherText);
    const after = runCli(['check', '--baseline', BASELINE, '--no-cache'], dir);
    assert.equal(after.code, 0, after.stdout + after.stderr);
    assert.equal(after.stderr, '', 'every recorded finding still occurs');
  });

  it('a missing or unusable baseline file is an error (exit 2) naming the file', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'm.py': 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(16, momentum=0.9)\n' });
    const cases: Array<[string, string | null, RegExp]> = [
      ['missing.json', null, /^error: missing\.json: cannot read the baseline file \(ENOENT\)\n$/],
      ['broken.json', '{"version": 1, "findings": [', /^error: broken\.json: not a normlint baseline: invalid JSON \(/],
      ['array.json', '[]', /^error: array\.json: not a normlint baseline: expected an object/],
      ['v2.json', '{"version": 2, "findings": []}', /^error: v2\.json: unsupported baseline version 2 \(this normlint reads version 1\)\n$/],
      ['entry.json', '{"version": 1, "findings": [{"path": "m.py", "code": "NL007", "count": 1}]}', /^error: entry\.json: findings\[0\]: expected /],
      ['count.json', '{"version": 1, "findings": [{"path": "m.py", "code": "NL007", "source": "", "count": 0}]}', /^error: count\.json: findings\[0\]: expected /],
    ];
    for (const [file, content, message] of cases) {
      if (content !== null) fs.writeFileSync(path.join(dir, file), content);
      const r = runCli(['check', '--baseline', file], dir);
      assert.equal(r.code, 2, file);
      assert.match(r.stderr, message, file);
      assert.equal(r.stdout, '', file);
    }
    // --write-baseline does not overwrite a file that is not a baseline.
    fs.writeFileSync(path.join(dir, 'notes.json'), '{"todo": []}');
    const w = runCli(['check', '--write-baseline', 'notes.json'], dir);
    assert.equal(w.code, 2);
    assert.match(w.stderr, /^error: notes\.json: unsupported baseline version null .*; not overwritten\n$/);
    assert.equal(fs.readFileSync(path.join(dir, 'notes.json'), 'utf8'), '{"todo": []}');
  });
});
