/**
 * Protocol tests of the server while an analysis is under way (`server.ts` scheduling,
 * `WorkspaceFolder.lint`):
 *
 * - findings computed from a document's previous text are never published (nor answered from)
 *   as its current version: the whole-folder analysis is not abandoned for an edit, and it
 *   yields between files;
 * - a request that answers from the current analysis of an open document (here
 *   `source.fixAll.normlint`; hover, code lens and `normlint.applyAutofix` share the code)
 *   waits for it while it is still queued, instead of answering nothing.
 *
 * No sleeps: a document opened before the folder is indexed is analyzed first and published;
 * the whole-folder analysis starts right after that publication, over hundreds of files, and
 * yields to the event loop every 8 files. What the client sends as soon as it receives the
 * publication therefore reaches the server in the middle of that analysis.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { CodeAction, Diagnostic, PublishDiagnosticsParams, TextEdit } from 'vscode-languageserver-protocol';
import { applyTextEdits, LspTestClient, uri } from '../helpers/lsp-client';
import { ensureBuilt, makeProject } from '../cli/helpers';

/** NL007 on the BatchNorm line (line 7, 0-based), NL003 on the conv line: two safe fixes. */
const MODEL = `import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3)
        self.bn = nn.BatchNorm2d(16, momentum=0.9)

    def forward(self, x):
        return self.bn(self.conv(x))
`;
const NL007_LINE = 7;

/**
 * `a_model.py` (first in path order, so the whole-folder analysis takes its facts first) and
 * `n` unrelated BatchNorm files (seeds: every one is parsed by the first analysis, which yields
 * to the event loop every 8 files).
 */
function bigProject(n: number): string {
  const files: Record<string, string> = { 'a_model.py': MODEL };
  for (let i = 0; i < n; i++) {
    files[`pkg/m${String(i).padStart(3, '0')}.py`] = `import torch.nn as nn\n\n\ndef block_${i}(c):\n    return nn.Sequential(nn.Conv2d(c, c, 3, bias=False), nn.BatchNorm2d(c), nn.ReLU())\n`;
  }
  return makeProject(files);
}

function editsOf(a: CodeAction): TextEdit[] {
  const dc = a.edit?.documentChanges?.[0];
  return dc && 'edits' in dc ? (dc.edits as TextEdit[]) : [];
}

describe('language server: results while an analysis is under way', function () {
  this.timeout(120_000);
  const clients: LspTestClient[] = [];
  before(() => ensureBuilt());
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.shutdown();
  });

  /** A client on `root` that records every publication (the helper keeps only the latest). */
  const start = async (root: string): Promise<{ c: LspTestClient; published: PublishDiagnosticsParams[] }> => {
    const c = new LspTestClient(root);
    clients.push(c);
    const published: PublishDiagnosticsParams[] = [];
    c.conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      published.push(p);
      c.diagnostics.set(p.uri, p);
    });
    await c.initialize(root);
    return { c, published };
  };

  it('an edit during the first whole-folder analysis never gets findings of the previous text', async () => {
    const root = bigProject(200);
    const { c, published } = await start(root);
    const u = uri(path.join(root, 'a_model.py'));
    // Opened before the folder is indexed: analyzed first, alone (it imports nothing).
    await c.open(u, MODEL, 1);
    const v1 = await c.waitDiags(u, (d) => d.some((x) => x.code === 'NL007'), 1);
    const at = (d: readonly Diagnostic[]) => d.filter((x) => x.code === 'NL007').map((x) => x.range.start);
    assert.deepEqual(at(v1).map((p) => p.line), [NL007_LINE]);
    // The whole-folder analysis starts right after that publication and takes the open
    // document's facts first; a comment line inserted now reaches the server while it runs.
    const comment = '# a comment line that moves every later offset\n';
    const edited = comment + MODEL;
    const want = at(v1).map((p) => ({ line: p.line + 1, character: p.character }));
    await c.change(u, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: comment }]);
    await c.waitDiags(u, (d) => JSON.stringify(at(d)) === JSON.stringify(want), 2);
    await c.idle(0, 60_000);
    assert.equal(c.statuses.at(-1)?.files, 201, 'the whole folder was analyzed');
    // Every publication for version 2 has the findings of version 2's text.
    const v2 = published.filter((p) => p.uri === u && p.version === 2);
    assert.ok(v2.length > 0);
    for (const p of v2) assert.deepEqual(at(p.diagnostics), want, 'a publication for version 2 puts NL007 where it is in that version');
    // And "fix all" edits version 2's text where its findings are.
    const actions = (await c.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: u },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll.normlint'] },
    })) as CodeAction[];
    assert.equal(actions.length, 1);
    const fixed = applyTextEdits(edited, editsOf(actions[0]));
    assert.equal(fixed, edited.replace('nn.Conv2d(3, 16, 3)', 'nn.Conv2d(3, 16, 3, bias=False)').replace('momentum=0.9', 'momentum=0.1'));
  });

  it('"fix all" waits for the analysis of the current text while other documents keep interrupting the first whole-folder analysis', async () => {
    const root = bigProject(400);
    const { c } = await start(root);
    const u = uri(path.join(root, 'a_model.py'));
    await c.open(u, MODEL, 1);
    await c.waitDiags(u, (d) => d.some((x) => x.code === 'NL007'), 1);
    // Version 2 is left to the whole-folder analysis that starts now (the document was
    // analyzed ahead of it)...
    const comment = '# a comment line that moves every later offset\n';
    const edited = comment + MODEL;
    await c.change(u, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: comment }]);
    const request = c.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: u },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll.normlint'] },
    }) as Promise<CodeAction[]>;
    // ...which each document opened meanwhile interrupts, to be analyzed first: more analyses
    // than one `flush` runs (the request used to answer nothing then).
    for (const n of [100, 200, 300, 390]) {
      const rel = `pkg/m${n}.py`;
      const other = uri(path.join(root, rel));
      await c.open(other, fs.readFileSync(path.join(root, rel), 'utf8'), 1);
      await c.waitDiags(other, () => true, 1);
    }
    const actions = await request;
    assert.equal(actions.length, 1, 'one "fix all" action');
    const fixed = applyTextEdits(edited, editsOf(actions[0]));
    assert.equal(fixed, edited.replace('nn.Conv2d(3, 16, 3)', 'nn.Conv2d(3, 16, 3, bias=False)').replace('momentum=0.9', 'momentum=0.1'));
  });
});
