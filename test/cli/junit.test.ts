/**
 * `--output-format junit`: well-formed XML (checked with a conformant XML 1.0 parser), Ruff's
 * shape, every finding carried, and escaping of what XML cannot carry as is.
 */
import assert from 'node:assert/strict';
import { CLEAN_PY, EVALUATE_PY, MODELS_PY, MOMENTUM_PY, ensureBuilt, makeProject, runCli } from './helpers';
import { findAll, parseXml } from '../helpers/xml';
import { xmlAttr, xmlText } from '../../linter/src/cli/report/junit';

interface JsonFinding {
  code: string;
  message: string;
  filename: string;
  location: { row: number; column: number };
}

describe('cli: --output-format junit', function () {
  before(ensureBuilt);

  it('is well-formed XML with one suite per file and one failing test case per finding', () => {
    const dir = makeProject({
      'pyproject.toml': '',
      'models.py': MODELS_PY,
      'evaluate.py': EVALUATE_PY,
      'pkg/m.py': MOMENTUM_PY,
      // Names that need escaping, and a control character XML 1.0 cannot carry at all.
      'odd & <name> "q".py': MOMENTUM_PY,
      'ctl\u0001.py': MOMENTUM_PY,
      'heads.py': 'import torch.nn as nn\n\nhead = nn.Sequential(nn.Conv2d(3, 8, 3, bias=False), nn.BatchNorm1d(8))\n',
    });
    const r = runCli(['check', '--output-format', 'junit'], dir);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites /);
    const root = parseXml(r.stdout);
    const json = JSON.parse(runCli(['check', '--output-format', 'json'], dir).stdout) as JsonFinding[];
    assert.equal(json.length, 5, r.stdout);

    assert.equal(root.name, 'testsuites');
    assert.deepEqual(root.attributes, { name: 'normlint', tests: String(json.length), failures: String(json.length), errors: '0' });
    const suites = root.children;
    assert.ok(suites.every((s) => s.name === 'testsuite' && s.attributes.package === 'org.normlint'));
    const names = suites.map((s) => s.attributes.name);
    assert.deepEqual(names, [...names].sort(), 'suites in path order');
    assert.ok(names.includes('odd & <name> "q".py'), names.join('|'));
    assert.ok(names.includes('ctl\uFFFD.py'), 'a character XML 1.0 cannot carry becomes U+FFFD');
    for (const s of suites) {
      const cases = s.children;
      assert.equal(s.attributes.tests, String(cases.length));
      assert.equal(s.attributes.failures, String(cases.length));
      assert.equal(s.attributes.errors, '0');
      assert.equal(s.attributes.disabled, '0');
      for (const c of cases) assert.equal(c.attributes.classname, s.attributes.name.replace(/\.py$/, ''), 'classname: the path without its extension');
    }

    // Every finding, in order, with its position and message.
    const cases = findAll(root, 'testcase');
    assert.equal(cases.length, json.length);
    const fromJson = json
      .map((d) => ({ file: d.filename.slice(dir.length + 1).replace(/\u0001/g, '\uFFFD'), ...d }))
      .map((d) => `${d.file} org.normlint.${d.code} ${d.location.row}:${d.location.column} ${d.message}`)
      .sort();
    const fromXml = suites
      .flatMap((s) =>
        s.children.map((c) => {
          const [failure] = c.children;
          assert.equal(failure.name, 'failure');
          assert.equal(failure.text, `line ${c.attributes.line}, col ${c.attributes.column}, ${failure.attributes.message}`);
          return `${s.attributes.name} ${c.attributes.name} ${c.attributes.line}:${c.attributes.column} ${failure.attributes.message}`;
        }),
      )
      .sort();
    assert.deepEqual(fromXml, fromJson);
    assert.ok(fromXml.some((l) => l.includes('[N, C]')), 'messages with brackets survive');
  });

  it('a clean run is a valid document with one passing test case (as in Ruff)', () => {
    const dir = makeProject({ 'pyproject.toml': '', 'clean.py': CLEAN_PY });
    const r = runCli(['check', '--output-format', 'junit'], dir);
    assert.equal(r.code, 0, r.stderr);
    const root = parseXml(r.stdout);
    assert.deepEqual(root.attributes, { name: 'normlint', tests: '1', failures: '0', errors: '0' });
    assert.equal(root.children.length, 1);
    const [suite] = root.children;
    assert.deepEqual(suite.attributes, { name: 'normlint', tests: '1', disabled: '0', errors: '0', failures: '0', package: 'org.normlint' });
    assert.deepEqual(suite.children.map((c) => [c.name, c.attributes, c.children.length]), [
      ['testcase', { name: 'No errors found', classname: 'normlint' }, 0],
    ]);
  });

  it('escapes markup, keeps whitespace in attributes, and replaces characters XML 1.0 forbids', () => {
    const s = 'a & b < c > d "e" \'f\'\ttab\nnew\r\nline \u0001\u0008\u000B\u001F \uD800 lone \uDC00 \uFFFE\uFFFF 😀 é \u0085';
    const expected = s.replace(/[\u0001\u0008\u000B\u001F\uD800\uDC00\uFFFE\uFFFF]/g, '\uFFFD');
    const el = parseXml(`<a x="${xmlAttr(s)}">${xmlText(s)}</a>`);
    assert.equal(el.attributes.x, expected);
    assert.equal(el.text, expected);
    assert.throws(() => parseXml(`<a>${s}</a>`), 'the parser does reject raw invalid text');
  });
});
