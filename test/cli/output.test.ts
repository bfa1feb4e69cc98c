/**
 * `normlint check` exit codes and output formats (text, json, sarif, github, statistics).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { CLEAN_PY, EVALUATE_PY, MODELS_PY, MOMENTUM_PY, REPO, ensureBuilt, makeProject, runCli } from './helpers';
import { assertGithubCodeScanning, assertValidSarif } from '../helpers/sarif';

describe('cli: exit codes', function () {
  before(ensureBuilt);

  it('exits 0 with "All checks passed!" on a clean project', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'clean.py': CLEAN_PY });
    const r = runCli(['check'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'All checks passed!\n');
  });

  it('exits 1 when there are findings', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'm.py': MOMENTUM_PY });
    assert.equal(runCli(['check', '.'], dir).code, 1);
  });

  it('exits 2 on usage errors', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'm.py': MOMENTUM_PY });
    const unknownFlag = runCli(['check', '--frobnicate'], dir);
    assert.equal(unknownFlag.code, 2);
    assert.match(unknownFlag.stderr, /unknown option '--frobnicate'/);
    const badSelector = runCli(['check', '--select', 'NL001,NL999'], dir);
    assert.equal(badSelector.code, 2);
    assert.match(badSelector.stderr, /invalid value 'NL999' for '--select'/);
    const badThreads = runCli(['check', '--threads', '0'], dir);
    assert.equal(badThreads.code, 2);
    const badFormat = runCli(['check', '--output-format', 'xml'], dir);
    assert.equal(badFormat.code, 2);
    const missing = runCli(['check', 'nope.py'], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.py: No such file or directory/);
    assert.equal(runCli([], dir).code, 2, 'no command');
  });

  it('prints the version', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    const r = runCli(['--version'], REPO);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), `normlint ${pkg.version}`);
  });
});

describe('cli: text output', function () {
  before(ensureBuilt);

  it('prints path:row:col: CODE [*] message, an excerpt with carets, and the summary', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'pkg/m.py': MOMENTUM_PY });
    const r = runCli(['check'], dir);
    assert.equal(r.code, 1);
    const col = MOMENTUM_PY.split('\n')[2].indexOf('0.9') + 1;
    const lines = r.stdout.split('\n');
    assert.match(lines[0], new RegExp(`^pkg/m\\.py:3:${col}: NL007 \\[\\*\\] .*momentum=0\\.9`));
    assert.equal(lines[1], '  |');
    assert.equal(lines[2], '3 | bn = nn.BatchNorm2d(16, momentum=0.9)');
    assert.equal(lines[3], `  | ${' '.repeat(col - 1)}^^^ NL007`);
    assert.match(r.stdout, /= help: Replace `momentum=0\.9` with `momentum=0\.1`/);
    assert.match(r.stdout, /\nFound 1 error\.\n\[\*\] 1 fixable with the `--fix` option\.\n$/);
    assert.doesNotMatch(r.stdout, /\x1b\[/, 'no colours when not a TTY');
  });

  it('mentions hidden unsafe fixes and marks them fixable only with --unsafe-fixes', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'models.py': MODELS_PY, 'evaluate.py': EVALUATE_PY });
    const r = runCli(['check', '--select', 'NL001'], dir);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /evaluate\.py:7:\d+: NL001 (?!\[\*\])/);
    assert.match(r.stdout, /No fixes available \(1 hidden fix can be enabled with the `--unsafe-fixes` option\)\./);
    const u = runCli(['check', '--select', 'NL001', '--unsafe-fixes'], dir);
    assert.match(u.stdout, /evaluate\.py:7:\d+: NL001 \[\*\]/);
    assert.match(u.stdout, /\[\*\] 1 fixable with the `--fix` option\./);
  });

  it('--quiet prints findings but no summary', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'm.py': MOMENTUM_PY, 'clean.py': CLEAN_PY });
    const r = runCli(['check', '--quiet'], dir);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^m\.py:3:/);
    assert.doesNotMatch(r.stdout, /Found|fixable/);
    const clean = runCli(['check', '-q', 'clean.py'], dir);
    assert.equal(clean.stdout, '');
    assert.equal(clean.code, 0);
  });

  it('colours only with FORCE_COLOR, and never with NO_COLOR', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'm.py': MOMENTUM_PY });
    assert.match(runCli(['check'], dir, { FORCE_COLOR: '1' }).stdout, /\x1b\[/);
    assert.doesNotMatch(runCli(['check'], dir, { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout, /\x1b\[/);
    assert.doesNotMatch(runCli(['check'], dir, { NO_COLOR: '1' }).stdout, /\x1b\[/);
  });
});

describe('cli: machine-readable output', function () {
  before(ensureBuilt);
  // A non-BMP character before the finding: columns count code points (Ruff), not UTF-16 units.
  const EMOJI_PY = 'import torch.nn as nn\n\nx = "😀"; bn = nn.BatchNorm2d(16, momentum=0.9)\n';

  it('json: Ruff-like objects with absolute paths, 1-based code-point columns, fix and url', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'm.py': EMOJI_PY });
    const r = runCli(['check', '--output-format', 'json'], dir);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout) as Array<Record<string, any>>;
    assert.equal(out.length, 1);
    const d = out[0];
    const line = EMOJI_PY.split('\n')[2];
    const col = [...line.slice(0, line.indexOf('0.9'))].length + 1;
    assert.equal(col, line.indexOf('0.9'), 'the emoji is one code point but two UTF-16 units');
    assert.equal(d.code, 'NL007');
    assert.equal(d.name, 'momentum-convention');
    assert.equal(d.severity, 'warning');
    assert.equal(d.filename, path.join(dir, 'm.py'));
    assert.deepEqual(d.location, { row: 3, column: col });
    assert.deepEqual(d.end_location, { row: 3, column: col + 3 });
    assert.equal(d.url, 'https://github.com/normlint/normlint/blob/main/docs/rules/NL007.md');
    assert.deepEqual(d.related, []);
    assert.equal(d.fix.applicability, 'safe');
    assert.match(d.fix.message, /momentum=0\.1/);
    assert.deepEqual(d.fix.edits, [{ content: '0.1', location: { row: 3, column: col }, end_location: { row: 3, column: col + 3 } }]);
  });

  it('json: related locations and an empty array when clean', () => {
    const dir = makeProject({
      'pyproject.toml': '',
      'net.py': 'import torch.nn as nn\n\nnet = nn.Sequential(\n    nn.Conv2d(3, 16, 3),\n    nn.BatchNorm2d(16),\n)\n',
      'clean.py': CLEAN_PY,
    });
    const r = runCli(['check', '--output-format', 'json', 'net.py'], dir);
    const [d] = JSON.parse(r.stdout) as Array<Record<string, any>>;
    assert.equal(d.code, 'NL003');
    assert.equal(d.related.length, 1);
    assert.equal(d.related[0].filename, path.join(dir, 'net.py'));
    assert.deepEqual(d.related[0].location, { row: 5, column: 5 });
    const clean = runCli(['check', '--output-format', 'json', 'clean.py'], dir);
    assert.equal(clean.code, 0);
    assert.deepEqual(JSON.parse(clean.stdout), []);
  });

  it('sarif: validates against the SARIF 2.1.0 schema and carries rules, locations, related locations and fixes', () => {
    const dir = makeProject({
      'pyproject.toml': '',
      'models.py': MODELS_PY,
      'evaluate.py': EVALUATE_PY,
      'm.py': MOMENTUM_PY,
      'net.py': 'import torch.nn as nn\n\nnet = nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16))\n',
    });
    const r = runCli(['check', '--output-format', 'sarif'], dir);
    assert.equal(r.code, 1, r.stderr);
    const log = JSON.parse(r.stdout);
    const schema = JSON.parse(
      fs.readFileSync(path.join(REPO, 'node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
    );
    // The official schema declares draft-04, whose only construct it uses that draft-07 spells
    // differently is the top-level `id`: validate it as draft-07.
    schema.$id = schema.id;
    delete schema.id;
    delete schema.$schema;
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false }); // the schema's `language` pattern is not valid with the u flag
    addFormats(ajv);
    const validate = ajv.compile<any>(schema);
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    // The validator does reject a broken log.
    const broken = structuredClone(log);
    broken.runs[0].results[0].level = 'fatal';
    assert.equal(validate(broken), false);

    const run = log.runs[0];
    assert.equal(run.tool.driver.name, 'normlint');
    const ids = run.tool.driver.rules.map((x: { id: string }) => x.id);
    assert.ok(ids.includes('NL001') && ids.includes('NL007') && ids.includes('NL000'));
    const nl007 = run.tool.driver.rules.find((x: { id: string }) => x.id === 'NL007');
    assert.equal(nl007.helpUri, 'https://github.com/normlint/normlint/blob/main/docs/rules/NL007.md');
    const byRule = (id: string): any => run.results.find((x: { ruleId: string }) => x.ruleId === id);
    const m = byRule('NL007');
    assert.equal(m.level, 'warning');
    assert.equal(run.tool.driver.rules[m.ruleIndex].id, 'NL007');
    assert.equal(m.locations[0].physicalLocation.artifactLocation.uri, 'm.py');
    assert.equal(m.locations[0].physicalLocation.region.startLine, 3);
    assert.equal(m.fixes[0].artifactChanges[0].replacements[0].insertedContent.text, '0.1');
    const e = byRule('NL001');
    assert.equal(e.level, 'error');
    assert.ok(e.relatedLocations.length >= 1);
    assert.equal(byRule('NL003').level, 'note');
  });

  it('sarif: meets GitHub code scanning constraints, with fingerprints that survive moved lines', () => {
    const dir = makeProject({
      'pyproject.toml': '',
      'models.py': MODELS_PY,
      'evaluate.py': EVALUATE_PY,
      // Two findings of one rule on identical lines: distinct fingerprints.
      'm.py': 'import torch.nn as nn\n\na = nn.BatchNorm2d(16, momentum=0.9)\nb = [nn.BatchNorm2d(16, momentum=0.9)]\nb = [nn.BatchNorm2d(16, momentum=0.9)]\n',
      'heads.py': 'import torch.nn as nn\n\nhead = nn.Sequential(nn.Conv2d(3, 8, 3, bias=False), nn.BatchNorm1d(8))\n',
    });
    const r = runCli(['check', '--output-format', 'sarif'], dir);
    assert.equal(r.code, 1, r.stderr);
    assertValidSarif(JSON.parse(r.stdout));
    assertGithubCodeScanning(r.stdout);
    const run = JSON.parse(r.stdout).runs[0];

    // Rule metadata: the documentation page as help, its first paragraph as full description.
    const nl007 = run.tool.driver.rules.find((x: { id: string }) => x.id === 'NL007');
    const docs = fs.readFileSync(path.join(REPO, 'docs/rules/NL007.md'), 'utf8');
    assert.equal(nl007.help.markdown, docs);
    assert.equal(nl007.help.text, docs);
    assert.match(nl007.fullDescription.text, /^Flags a BatchNorm `momentum` written in the other framework's convention/);
    assert.equal(nl007.defaultConfiguration.level, 'warning');
    assert.deepEqual(nl007.properties.tags, ['normalization', 'pytorch', 'keras', 'tfjs', 'correctness']);
    assert.equal(nl007.properties.precision, 'high');
    assert.equal(nl007.properties['problem.severity'], 'warning');
    const nl001 = run.tool.driver.rules.find((x: { id: string }) => x.id === 'NL001');
    assert.match(nl001.help.markdown, /\]\(https:\/\/github\.com\/normlint\/normlint\/blob\/main\/docs\/rules\/NL002\.md\)/, 'links between rule pages are absolute');
    assert.doesNotMatch(nl001.help.markdown, /\]\((?!https?:)[^)]*\)/);
    const nl003 = run.tool.driver.rules.find((x: { id: string }) => x.id === 'NL003');
    assert.equal(nl003.properties['problem.severity'], 'recommendation');

    // Related locations are linked from the message; brackets in messages do not read as links.
    const e = run.results.find((x: { ruleId: string }) => x.ruleId === 'NL001');
    assert.match(e.message.text, /\(related: \[[^\]]+\]\(1\)\)$/);
    const shape = run.results.find((x: { ruleId: string }) => x.ruleId === 'NL011');
    assert.match(shape.message.text, /\[N, C\]/, 'plain brackets are left alone');

    const fingerprints = (log: any): Map<string, number> =>
      new Map(log.runs[0].results.map((x: any) => [`${x.locations[0].physicalLocation.artifactLocation.uri} ${x.partialFingerprints['normlint/v1']}`, x.locations[0].physicalLocation.region.startLine]));
    const before = fingerprints(JSON.parse(r.stdout));
    assert.equal(before.size, run.results.length, 'fingerprints are unique per file');
    assert.ok([...before.keys()].some((k) => k.startsWith('m.py ') && k.endsWith(':2')), 'identical lines are numbered');

    // Lines inserted above every finding: same fingerprints, new rows.
    for (const f of ['m.py', 'evaluate.py', 'heads.py']) {
      fs.writeFileSync(path.join(dir, f), '# a header\n\n\n' + fs.readFileSync(path.join(dir, f), 'utf8'));
    }
    const after = fingerprints(JSON.parse(runCli(['check', '--output-format', 'sarif'], dir).stdout));
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
    for (const [k, row] of after) assert.equal(row, before.get(k)! + 3, k);
  });

  it('github: workflow commands with file, range and title', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'm.py': MOMENTUM_PY, 'models.py': MODELS_PY, 'evaluate.py': EVALUATE_PY });
    const r = runCli(['check', '--output-format', 'github'], dir);
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split('\n');
    const col = MOMENTUM_PY.split('\n')[2].indexOf('0.9') + 1;
    assert.ok(
      lines.includes(
        `::warning file=m.py,line=3,col=${col},endLine=3,endColumn=${col + 3},title=NL007 (momentum-convention)::` +
          lines.find((l) => l.includes('NL007'))!.split('::')[2],
      ),
    );
    assert.ok(lines.some((l) => /^::error file=evaluate\.py,line=7,col=\d+,endLine=7,endColumn=\d+,title=NL001 \(missing-eval\)::./.test(l)), r.stdout);
  });

  it('--statistics counts findings per code with names (text and json)', () => {
    const dir = makeProject({
      'pyproject.toml': '',
      'a.py': MOMENTUM_PY,
      'b.py': 'import torch.nn as nn\n\nx = nn.BatchNorm1d(8, momentum=0.99)\ny = nn.BatchNorm3d(8, momentum=0.8)\n',
      'models.py': MODELS_PY,
      'evaluate.py': EVALUATE_PY,
    });
    const r = runCli(['check', '--statistics'], dir);
    assert.equal(r.code, 1);
    assert.equal(r.stdout.split('\n')[0], '3\tNL007\t[*] momentum-convention');
    assert.equal(r.stdout.split('\n')[1], '1\tNL001\t[ ] missing-eval');
    assert.match(r.stdout, /Found 4 errors\./);
    const j = runCli(['check', '--statistics', '--output-format', 'json'], dir);
    assert.deepEqual(JSON.parse(j.stdout), [
      { code: 'NL007', name: 'momentum-convention', count: 3, fixable: true },
      { code: 'NL001', name: 'missing-eval', count: 1, fixable: false },
    ]);
  });
});

describe('cli: rule documentation', function () {
  before(ensureBuilt);

  it('prints docs/rules/NL001.md by code or name, lists all, rejects unknown rules', () => {
    const docs = fs.readFileSync(path.join(REPO, 'docs/rules/NL001.md'), 'utf8');
    const byCode = runCli(['rule', 'NL001'], REPO);
    assert.equal(byCode.code, 0);
    assert.equal(byCode.stdout.trim(), docs.trim());
    assert.equal(runCli(['rule', 'missing-eval'], REPO).stdout, byCode.stdout);
    const all = runCli(['rule', '--all'], REPO);
    assert.equal(all.code, 0);
    assert.match(all.stdout, /^NL000 {2}unused-noqa/m);
    assert.match(all.stdout, /^NL001 {2}missing-eval/m);
    const json = JSON.parse(runCli(['rule', '--all', '--output-format', 'json'], REPO).stdout) as Array<{ code: string; url: string }>;
    assert.ok(json.some((x) => x.code === 'NL007' && x.url.endsWith('/NL007.md')));
    const bad = runCli(['rule', 'NL999'], REPO);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown rule `NL999`/);
  });
});
