/**
 * Rule fixtures: every `linter/src/rules/<rule>/fixtures/<case>.py` (or TensorFlow.js
 * `<case>.ts`/`.tsx`/`.js`/`.jsx`/`.mjs`/`.cjs`, or a `<case>/` project directory) is linted with
 * all rules, and the findings must be exactly the `# expect: NLxxx` markers (`// expect: NLxxx` in
 * TypeScript and JavaScript), so a fixture also proves the other rules stay silent. A
 * `<case>.fixed.<ext>` beside a single-file fixture is the expected result of applying every fix
 * (safe and unsafe), markers aside; its own markers say which findings remain after the fixes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { applyEdits } from '../../linter/src/core/apply-fixes';
import { expectations, findings, lintFiles, readFixture } from '../helpers/project';

/** Removes `# expect: ...` and `// expect: ...` markers (they describe findings, not code). */
function stripMarkers(text: string): string {
  return text.replace(/[ \t]*(?:#|\/\/) expect: [A-Z0-9, ]+$/gm, '');
}

/** A single-file fixture: Python, or TypeScript/JavaScript (TensorFlow.js). */
const SOURCE = /\.(py|ts|tsx|js|jsx|mjs|cjs)$/;
/** A golden: `<case>.fixed.<ext>`. */
const FIXED = /\.fixed\.(py|ts|tsx|js|jsx|mjs|cjs)$/;

const RULES_DIR = path.join(__dirname, '..', '..', 'linter', 'src', 'rules');

describe('rule fixtures', () => {
  for (const rule of fs.readdirSync(RULES_DIR).sort()) {
    const dir = path.join(RULES_DIR, rule, 'fixtures');
    if (!fs.existsSync(dir)) continue;
    describe(rule, () => {
      for (const entry of fs.readdirSync(dir).sort()) {
        if (FIXED.test(entry)) continue;
        const abs = path.join(dir, entry);
        it(entry, async () => {
          const files = readFixture(abs);
          const diags = await lintFiles(files);
          assert.deepEqual(findings(files, diags), expectations(files), diags.map((d) => `${d.file}: ${d.code} ${d.message}`).join('\n'));
          const fixedPath = abs.replace(SOURCE, '.fixed.$1');
          if (SOURCE.test(entry) && fs.existsSync(fixedPath)) {
            const [name] = Object.keys(files);
            const edits = diags.filter((d) => d.fix).flatMap((d) => d.fix!.edits);
            const expected = fs.readFileSync(fixedPath, 'utf8');
            assert.equal(stripMarkers(applyEdits(files[name], edits)), stripMarkers(expected));
            const fixedFiles = { [name]: expected };
            const again = await lintFiles(fixedFiles);
            assert.deepEqual(findings(fixedFiles, again), expectations(fixedFiles), 'the fixed file must lint clean');
          }
        });
      }
    });
  }
});
