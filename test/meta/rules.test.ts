/**
 * Meta-tests of the rule registry and documentation: codes are unique and well formed, every
 * rule has a folder named after it and a docs page with the standard headings, and each page's
 * "Example" block triggers the rule while its "Use instead" block does not.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { RULES } from '../../linter/src/rules/index';
import { lintFiles } from '../helpers/project';

const ROOT = path.join(__dirname, '..', '..');
const HEADINGS = ['What it does', 'Why is this bad?', 'How normlint detects it', 'Example', 'Use instead', 'Fix safety', 'Options', 'When not to use it', 'References'];

function pythonBlockAfter(md: string, heading: string): string | null {
  const at = md.indexOf(`\n## ${heading}\n`);
  if (at < 0) return null;
  const rest = md.slice(at + heading.length + 5);
  const next = rest.indexOf('\n## ');
  const section = next < 0 ? rest : rest.slice(0, next);
  const m = /```python\n([\s\S]*?)```/.exec(section);
  return m ? m[1] : null;
}

describe('rule registry and docs', () => {
  it('has unique, well-formed codes and kebab-case names', () => {
    const codes = RULES.map((r) => r.code);
    assert.equal(new Set(codes).size, codes.length);
    for (const r of RULES) {
      assert.match(r.code, /^NL\d{3}$/);
      assert.match(r.name, /^[a-z]+(-[a-z0-9]+)*$/);
    }
  });

  it('has a rule folder named after every rule (NL000 is the engine)', () => {
    const dirs = fs.readdirSync(path.join(ROOT, 'linter', 'src', 'rules'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    assert.deepEqual(dirs, RULES.filter((r) => r.code !== 'NL000').map((r) => r.name).sort());
  });

  for (const rule of RULES) {
    describe(`${rule.code} ${rule.name}`, () => {
      const file = path.join(ROOT, 'docs', 'rules', `${rule.code}.md`);
      it('has a docs page with the standard headings, in order', () => {
        const md = fs.readFileSync(file, 'utf8');
        assert.ok(md.startsWith(`# ${rule.code} ${rule.name}\n`), 'title');
        let last = -1;
        for (const h of HEADINGS) {
          const at = md.indexOf(`\n## ${h}\n`);
          assert.ok(at > last, `heading "## ${h}" missing or out of order`);
          last = at;
        }
      });
      if (rule.code === 'NL000') return;
      it('"Example" triggers the rule and "Use instead" does not', async () => {
        const md = fs.readFileSync(file, 'utf8');
        const bad = pythonBlockAfter(md, 'Example');
        const good = pythonBlockAfter(md, 'Use instead');
        assert.ok(bad && good, 'both blocks exist');
        const badCodes = (await lintFiles({ 'example.py': bad })).map((d) => d.code);
        assert.ok(badCodes.includes(rule.code), `Example must report ${rule.code}, got [${badCodes.join(', ')}]`);
        const goodCodes = (await lintFiles({ 'example.py': good })).map((d) => d.code);
        assert.ok(!goodCodes.includes(rule.code), `Use instead must not report ${rule.code}`);
      });
    });
  }
});
