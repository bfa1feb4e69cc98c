/**
 * The bundled `examples/` project: every `# expect: NLxxx` marker is found, nothing else is.
 * (The CLI tests run `normlint check examples` as a process too.)
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { expectations, findings, lintFiles, readFixture } from '../helpers/project';

describe('examples/', () => {
  it('reports exactly the marked findings', async () => {
    const files = readFixture(path.join(__dirname, '..', '..', 'examples'));
    const diags = await lintFiles(files);
    assert.deepEqual(findings(files, diags), expectations(files));
  });
});
