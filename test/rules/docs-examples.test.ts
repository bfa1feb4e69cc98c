/**
 * Every Python block of a rule page's "Example" section triggers the rule, and no block of its
 * "Use instead" section does (the meta-tests check the first block of each; the pages also
 * show the same bug in Keras).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { RULES } from '../../linter/src/rules/index';
import { lintFiles } from '../helpers/project';

const DOCS = path.join(__dirname, '..', '..', 'docs', 'rules');

function blocksIn(md: string, heading: string): string[] {
  const at = md.indexOf(`\n## ${heading}\n`);
  if (at < 0) return [];
  const rest = md.slice(at + heading.length + 5);
  const next = rest.indexOf('\n## ');
  const section = next < 0 ? rest : rest.slice(0, next);
  return [...section.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]);
}

describe('rule pages: every example block', () => {
  for (const rule of RULES) {
    if (rule.code === 'NL000') continue;
    it(`${rule.code}: each "Example" block reports it, no "Use instead" block does`, async () => {
      const md = fs.readFileSync(path.join(DOCS, `${rule.code}.md`), 'utf8');
      for (const [i, block] of blocksIn(md, 'Example').entries()) {
        const codes = (await lintFiles({ 'example.py': block })).map((d) => d.code);
        assert.ok(codes.includes(rule.code), `Example block ${i + 1} must report ${rule.code}, got [${codes.join(', ')}]`);
      }
      for (const [i, block] of blocksIn(md, 'Use instead').entries()) {
        const codes = (await lintFiles({ 'example.py': block })).map((d) => d.code);
        assert.ok(!codes.includes(rule.code), `Use instead block ${i + 1} must not report ${rule.code}`);
      }
    });
  }
});
