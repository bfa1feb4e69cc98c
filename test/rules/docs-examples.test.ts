/**
 * Every code block of a rule page's "Example" section triggers the rule, and no block of its
 * "Use instead" section does (the meta-tests check the first Python block of each; the pages also
 * show the same bug in Keras and TensorFlow.js). ```python blocks are linted as `example.py`,
 * ```ts blocks as `example.ts`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { RULES } from '../../linter/src/rules/index';
import { lintFiles } from '../helpers/project';

const DOCS = path.join(__dirname, '..', '..', 'docs', 'rules');

/** The file name a block of each fence language is linted as. */
const FILE_OF: Readonly<Record<string, string>> = { python: 'example.py', ts: 'example.ts' };

interface Block {
  file: string;
  code: string;
}

function blocksIn(md: string, heading: string): Block[] {
  const at = md.indexOf(`\n## ${heading}\n`);
  if (at < 0) return [];
  const rest = md.slice(at + heading.length + 5);
  const next = rest.indexOf('\n## ');
  const section = next < 0 ? rest : rest.slice(0, next);
  return [...section.matchAll(/```(python|ts)\n([\s\S]*?)```/g)].map((m) => ({ file: FILE_OF[m[1]], code: m[2] }));
}

describe('rule pages: every example block', () => {
  for (const rule of RULES) {
    if (rule.code === 'NL000') continue;
    it(`${rule.code}: each "Example" block reports it, no "Use instead" block does`, async () => {
      const md = fs.readFileSync(path.join(DOCS, `${rule.code}.md`), 'utf8');
      for (const [i, { file, code }] of blocksIn(md, 'Example').entries()) {
        const codes = (await lintFiles({ [file]: code })).map((d) => d.code);
        assert.ok(codes.includes(rule.code), `Example block ${i + 1} (${file}) must report ${rule.code}, got [${codes.join(', ')}]`);
      }
      for (const [i, { file, code }] of blocksIn(md, 'Use instead').entries()) {
        const codes = (await lintFiles({ [file]: code })).map((d) => d.code);
        assert.ok(!codes.includes(rule.code), `Use instead block ${i + 1} (${file}) must not report ${rule.code}`);
      }
    });
  }

  it('lints the TypeScript blocks of every page whose rule covers TensorFlow.js', () => {
    for (const rule of RULES) {
      if (rule.code === 'NL000' || !rule.frameworks.includes('tfjs')) continue;
      const md = fs.readFileSync(path.join(DOCS, `${rule.code}.md`), 'utf8');
      for (const heading of ['Example', 'Use instead']) {
        assert.ok(
          blocksIn(md, heading).some((b) => b.file === 'example.ts'),
          `${rule.code}: "${heading}" needs a \`\`\`ts block (the rule covers TensorFlow.js)`,
        );
      }
    }
  });
});
