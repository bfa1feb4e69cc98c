/**
 * Protocol tests of notebooks: the real server (`normlint server --stdio`) gets Jupyter
 * notebooks through LSP 3.17 notebook sync (`notebookDocument/*`, every cell synced, markdown
 * included, as `vscode-languageclient` does for the server's selector) and publishes findings
 * per cell URI in the cell's own positions.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { CodeAction, CodeLens, Diagnostic, Hover, TextEdit, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { applyTextEdits, LspTestClient, uri, type LspNotebook, type TestCell } from '../helpers/lsp-client';
import { CLI, ensureBuilt, makeProject, REPO } from '../cli/helpers';
import { Notebook } from '../../linter/src/notebook/notebook';

const EXAMPLE = path.join(REPO, 'examples', 'notebooks', 'cifar_quickstart.ipynb');

/** The cells of a notebook file (`source` joined), as an editor would sync them. */
function cellsOf(file: string): TestCell[] {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: Array<{ cell_type: string; source: string | string[] }> };
  return nb.cells.map((c) => ({
    kind: c.cell_type === 'markdown' ? 'markdown' : 'code',
    text: Array.isArray(c.source) ? c.source.join('') : c.source,
    ...(c.cell_type === 'raw' ? { language: 'raw' } : {}),
  }));
}

/** The CLI's findings (JSON) for a folder: cell, 1-based row and column (ASCII here: code points = UTF-16). */
interface CliFinding {
  code: string;
  filename: string;
  cell: number | null;
  location: { row: number; column: number };
  end_location: { row: number; column: number };
  related: Array<{ filename: string; cell: number | null; location: { row: number; column: number }; message: string }>;
}

function cliFindings(root: string): CliFinding[] {
  const r = spawnSync(process.execPath, [CLI, 'check', root, '--output-format', 'json', '--no-cache'], { encoding: 'utf8' });
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  return JSON.parse(r.stdout) as CliFinding[];
}

const codes = (diags: readonly Diagnostic[]): string[] => diags.map((d) => String(d.code)).sort();

function editsOf(a: CodeAction | WorkspaceEdit, u: string): TextEdit[] {
  const edit = 'documentChanges' in a || 'changes' in a ? (a as WorkspaceEdit) : (a as CodeAction).edit;
  for (const dc of edit?.documentChanges ?? []) if ('edits' in dc && dc.textDocument.uri === u) return dc.edits as TextEdit[];
  return edit?.changes?.[u] ?? [];
}

/** Every diagnostic currently published for a URI that is not one of `except`. */
function othersWithFindings(c: LspTestClient, except: readonly string[]): string[] {
  return [...c.diagnostics].filter(([u, p]) => !except.includes(u) && p.diagnostics.length > 0).map(([u]) => u);
}

describe('language server: Jupyter notebooks (LSP notebook sync)', function () {
  this.timeout(120_000);
  const clients: LspTestClient[] = [];
  before(() => ensureBuilt());
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.shutdown();
  });
  const start = async (root: string | null, settings: Record<string, unknown> = {}): Promise<LspTestClient> => {
    const c = new LspTestClient(root ?? REPO);
    clients.push(c);
    await c.initialize(root, settings);
    return c;
  };

  /** A project with the example notebook (and `files`); the client, the notebook (open) and its cells' findings. */
  const openExample = async (files: Record<string, string> = {}, settings: Record<string, unknown> = {}) => {
    const root = makeProject({ 'nb.ipynb': fs.readFileSync(EXAMPLE, 'utf8'), ...files });
    const c = await start(root, settings);
    const nbUri = uri(path.join(root, 'nb.ipynb'));
    // Indexed from disk first: the notebook file's own publication, in its JSON text.
    await c.waitDiags(nbUri, (d) => d.length === 2);
    const nb = c.notebook(nbUri);
    await nb.open(cellsOf(EXAMPLE));
    await c.waitDiags(nb.cellUri(8), (d) => codes(d).includes('NL001'), 1);
    return { root, c, nb, nbUri };
  };

  it('declares notebook sync for every cell of Jupyter notebooks', async () => {
    const c = new LspTestClient(REPO);
    clients.push(c);
    const result = (await c.initialize(null)) as { capabilities: { notebookDocumentSync?: unknown } };
    assert.deepEqual(result.capabilities.notebookDocumentSync, {
      notebookSelector: [{ notebook: { notebookType: 'jupyter-notebook', scheme: 'file' } }],
      save: true,
    });
  });

  it('publishes the example notebook findings in their cells, at the CLI positions, with cross-cell related information', async () => {
    const { root, c, nb, nbUri } = await openExample();
    const expected = cliFindings(root);
    assert.deepEqual(expected.map((f) => `${f.code}@${f.cell}`).sort(), ['NL001@8', 'NL003@5']);
    for (const f of expected) {
      const cell = nb.cellUri(f.cell!);
      const diags = await c.waitDiags(cell, (d) => codes(d).includes(f.code), 1);
      const d = diags.find((x) => x.code === f.code)!;
      assert.deepEqual(d.range, {
        start: { line: f.location.row - 1, character: f.location.column - 1 },
        end: { line: f.end_location.row - 1, character: f.end_location.column - 1 },
      }, `${f.code} in cell ${f.cell}`);
      assert.deepEqual(
        (d.relatedInformation ?? []).map((r) => ({ uri: r.location.uri, line: r.location.range.start.line, character: r.location.range.start.character, message: r.message })),
        f.related.map((r) => ({ uri: nb.cellUri(r.cell!), line: r.location.row - 1, character: r.location.column - 1, message: r.message })),
      );
    }
    // NL001: the model is put in training mode in cell 6 (a cross-cell fact).
    const nl001 = c.diags(nb.cellUri(8)).find((d) => d.code === 'NL001')!;
    assert.equal(nl001.relatedInformation?.[0].location.uri, nb.cellUri(6));
    assert.match(nl001.relatedInformation![0].message, /training mode/);
    // Every code cell got a publication with its version; markdown cells none; the notebook
    // file's own (disk) publication is cleared while it is open.
    await c.waitFor('every code cell published', () => nb.cells.every((cell) => cell.kind === 1 || c.diagnostics.has(cell.uri)));
    for (const [i, cell] of nb.cells.entries()) {
      const p = c.diagnostics.get(cell.uri);
      if (cell.kind === 1) assert.equal(p, undefined, `markdown cell ${i + 1}`);
      else assert.equal(p?.version, 1, `code cell ${i + 1}`);
    }
    assert.deepEqual(c.diags(nbUri), []);
    assert.deepEqual(othersWithFindings(c, [nb.cellUri(5), nb.cellUri(8)]), []);
  });

  it('publishes a notebook that is not open on its file URI, in positions of its JSON text', async () => {
    const root = makeProject({ 'nb.ipynb': fs.readFileSync(EXAMPLE, 'utf8') });
    const c = await start(root);
    const nbUri = uri(path.join(root, 'nb.ipynb'));
    const diags = await c.waitDiags(nbUri, (d) => d.length === 2);
    const raw = fs.readFileSync(path.join(root, 'nb.ipynb'), 'utf8');
    const lines = raw.split('\n');
    const nl003 = diags.find((d) => d.code === 'NL003')!;
    assert.equal(lines[nl003.range.start.line].slice(nl003.range.start.character, nl003.range.end.character), 'nn.Conv2d(3, 32, 3, padding=1)');
    const nl001 = diags.find((d) => d.code === 'NL001')!;
    assert.equal(lines[nl001.range.start.line].slice(nl001.range.start.character, nl001.range.end.character), 'model(images)');
    assert.equal(nl001.relatedInformation?.[0].location.uri, nbUri);
    const rel = nl001.relatedInformation![0].location.range.start;
    assert.ok(lines[rel.line].slice(rel.character).startsWith('model.train()'), lines[rel.line]);
    // No fix offered in the JSON text (the edits are cell edits).
    for (const d of diags) assert.deepEqual((d.data as { fixes: unknown[] }).fixes, []);
    // The same places as the CLI's own notebook mapping (Notebook.rawOffset).
    const nb = Notebook.parse(raw);
    const cell5 = nb.cell(5)!;
    const off = cell5.start + cell5.source.indexOf('nn.Conv2d(3, 32');
    const at = raw.slice(0, nb.rawOffset(off)!).split('\n');
    assert.deepEqual(nl003.range.start, { line: at.length - 1, character: at[at.length - 1].length });
  });

  it('applies the NL003 quick fix and the NL001 fix as cell edits, and the findings go', async () => {
    const { c, nb } = await openExample();
    const cell5 = nb.cellUri(5);
    const nl003 = c.diags(cell5).find((d) => d.code === 'NL003')!;
    const actions = (await c.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: cell5 },
      range: nl003.range,
      context: { diagnostics: [nl003], only: ['quickfix'] },
    })) as CodeAction[];
    const fix = actions.find((a) => a.isPreferred)!;
    assert.ok(fix, `a preferred fix among ${actions.map((a) => a.title).join(', ')}`);
    assert.deepEqual(fix.edit?.documentChanges?.map((d) => ('textDocument' in d ? d.textDocument : null)), [{ uri: cell5, version: 1 }]);
    const fixed = applyTextEdits(nb.cells[4].text, editsOf(fix, cell5));
    assert.match(fixed, /nn\.Conv2d\(3, 32, 3, padding=1, bias=False\)/);
    const v = await nb.setText(5, fixed);
    await c.waitDiags(cell5, (d) => !codes(d).includes('NL003'), v);
    // The other cell's finding stays.
    assert.deepEqual(codes(c.diags(nb.cellUri(8))), ['NL001']);

    // NL001's (unsafe) fix inserts `model.eval()` before the `with` block, in cell 8 itself:
    // applied as the editor does, an incremental change of the cell.
    const cell8 = nb.cellUri(8);
    const nl001 = c.diags(cell8).find((d) => d.code === 'NL001')!;
    const fixes8 = (await c.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: cell8 },
      range: nl001.range,
      context: { diagnostics: [nl001], only: ['quickfix'] },
    })) as CodeAction[];
    const insert = fixes8.find((a) => /model\.eval\(\)/.test(a.title))!;
    assert.ok(insert, fixes8.map((a) => a.title).join(', '));
    const edits = editsOf(insert, cell8);
    assert.deepEqual(edits, [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, newText: 'model.eval()\n' }]);
    const v8 = await nb.edit(8, edits.map((e) => ({ range: e.range, text: e.newText })));
    assert.match(nb.cells[7].text, /^correct = total = 0\nmodel\.eval\(\)\nwith torch\.no_grad\(\):/);
    await c.waitDiags(cell8, (d) => d.length === 0, v8);
    assert.deepEqual(othersWithFindings(c, []), []);
  });

  it('follows cross-cell facts through cells added, moved and removed', async () => {
    const { c, nb } = await openExample();
    const cell8 = nb.cellUri(8);
    // A markdown cell at the top: numbering shifts, the program and its findings do not.
    await nb.splice(0, 0, [{ kind: 'markdown', text: '# Notes' }]);
    assert.equal(nb.cellUri(9), cell8);
    await c.waitDiags(cell8, (d) => codes(d).includes('NL001'), 1);
    // A code cell with `model.eval()` after the evaluation: still evaluated in training mode.
    await nb.splice(9, 0, [{ kind: 'code', text: 'model.eval()\n' }]);
    const evalCell = nb.cells[9];
    await c.waitFor('an analysis of the new cell', () => c.diagnostics.get(evalCell.uri));
    assert.deepEqual(codes(c.diags(cell8)), ['NL001']);
    // Moved before the evaluation (one structure change, the same cell document): NL001 goes.
    await nb.move(9, 8);
    assert.equal(nb.cellUri(9), evalCell.uri);
    assert.equal(nb.cellUri(10), cell8);
    await c.waitDiags(cell8, (d) => d.length === 0);
    // Removed: NL001 is back in the evaluation cell, related to the training cell.
    await nb.splice(8, 1);
    const back = await c.waitDiags(cell8, (d) => codes(d).includes('NL001'));
    assert.equal(back[0].relatedInformation?.[0].location.uri, nb.cellUri(7));
    // The training cell removed: a model never trained is not reported (it may hold loaded
    // weights); put back (the same text in a new cell), the finding follows its new URI.
    const [training] = await nb.splice(6, 1);
    await c.waitDiags(cell8, (d) => d.length === 0);
    await nb.splice(6, 0, [{ kind: 'code', text: training.text }]);
    const related = await c.waitDiags(cell8, (d) => codes(d).includes('NL001'));
    assert.equal(related[0].relatedInformation?.[0].location.uri, nb.cellUri(7));
    assert.notEqual(nb.cellUri(7), training.uri);
    // A code cell turned into markdown leaves the program: its findings go with it.
    const nl003Cell = nb.cellUri(6);
    assert.deepEqual(codes(c.diags(nl003Cell)), ['NL003']);
    const [codeCell] = await nb.splice(5, 1);
    await nb.splice(5, 0, [{ kind: 'markdown', text: codeCell.text }]);
    await c.waitDiags(nl003Cell, (d) => d.length === 0);
    await c.waitDiags(cell8, (d) => d.length === 0);
  });

  it('hovers a layer in a cell, lists its code lenses, and answers normlint/layerAt with cell-relative spans', async () => {
    const { c, nb } = await openExample();
    const cell5 = nb.cellUri(5);
    const text = nb.cells[4].text;
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('self.bn1'));
    const character = lines[line].indexOf('BatchNorm2d') + 2;
    const hover = (await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: cell5 }, position: { line, character } })) as Hover;
    const md = (hover.contents as { value: string }).value;
    assert.match(md, /\*\*nn\.BatchNorm2d\*\*/);
    assert.match(md, /\| num_features \| `32` \|/);
    assert.match(md, /Fed by `nn\.Conv2d` at `nb\.ipynb:cell 5:line 4` with a bias/);
    assert.match(md, /trained at `nb\.ipynb:cell 6:line \d+` in train mode/);
    assert.match(md, /inference at `nb\.ipynb:cell 8:line 5` in train mode ⚠/);
    const start = lines[line].indexOf('nn.BatchNorm2d');
    assert.deepEqual(hover.range, { start: { line, character: start }, end: { line, character: lines[line].indexOf(')', start) + 1 } });
    // Not on a layer, and in a cell without layers: nothing.
    assert.equal(await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: cell5 }, position: { line: 0, character: 0 } }), null);
    assert.equal(await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: nb.cellUri(8) }, position: { line: 4, character: 20 } }), null);
    // Markdown cell: not analyzed.
    assert.equal(await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: nb.cellUri(4) }, position: { line: 0, character: 0 } }), null);

    const lenses = (await c.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: cell5 } })) as CodeLens[];
    assert.deepEqual(lenses.map((l) => l.range.start.line), [line, lines.findIndex((l) => l.includes('self.bn2'))]);
    assert.deepEqual(await c.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: nb.cellUri(8) } }), []);
    const args = lenses[0].command?.arguments?.[0] as { uri: string; layer: { q: string; span: { start: number; end: number } } };
    assert.equal(args.uri, cell5);
    assert.equal(args.layer.q, 'torch.nn.BatchNorm2d');
    assert.equal(text.slice(args.layer.span.start, args.layer.span.end), 'nn.BatchNorm2d(32)');
    const at = await c.conn.sendRequest('normlint/layerAt', { textDocument: { uri: cell5 }, position: { line, character } });
    assert.deepEqual(at, args);
  });

  it('"Disable NLxxx for this line" adds # noqa inside the cell; fix-all stays in its cell or covers the notebook', async () => {
    const { c, nb } = await openExample();
    const cell5 = nb.cellUri(5);
    const d = c.diags(cell5).find((x) => x.code === 'NL003')!;
    const actions = (await c.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: cell5 }, range: d.range, context: { diagnostics: [d] } })) as CodeAction[];
    assert.ok(actions.some((a) => a.title === 'Show documentation for NL003' && a.command));
    // fix-all in cell 8: only its own fix.
    const all8 = (await c.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: nb.cellUri(8) },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll.normlint'] },
    })) as CodeAction[];
    assert.equal(all8.length, 0, 'NL001 has no safe fix, so nothing to fix in cell 8');
    const all5 = (await c.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: cell5 },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll.normlint'] },
    })) as CodeAction[];
    assert.equal(all5.length, 1);
    assert.deepEqual(all5[0].edit?.documentChanges?.map((x) => ('textDocument' in x ? x.textDocument.uri : null)), [cell5]);
    // normlint.applyAutofix on a cell: every cell of the notebook.
    await c.conn.sendRequest('workspace/executeCommand', { command: 'normlint.applyAutofix', arguments: [nb.cellUri(8)] });
    await c.waitFor('an applyEdit', () => c.applied.length === 1);
    assert.deepEqual(c.applied[0].documentChanges?.map((x) => ('textDocument' in x ? x.textDocument : null)), [{ uri: cell5, version: 1 }]);

    const disable = actions.find((a) => a.title === 'Disable NL003 for this line')!;
    assert.ok(disable, actions.map((a) => a.title).join(', '));
    const after = applyTextEdits(nb.cells[4].text, editsOf(disable, cell5));
    assert.match(after, /padding=1\)  # noqa: NL003 # expect: NL003\n/);
    const v = await nb.setText(5, after);
    await c.waitDiags(cell5, (x) => x.length === 0, v);
    assert.deepEqual(codes(c.diags(nb.cellUri(8))), ['NL001']);
  });

  it('closing the notebook clears its cells and brings back the on-disk findings on the file', async () => {
    const { c, nb, nbUri } = await openExample();
    // An unsaved edit that fixes NL003 in the editor only.
    await nb.setText(5, nb.cells[4].text.replace('padding=1)', 'padding=1, bias=False)'));
    await c.waitDiags(nb.cellUri(5), (d) => d.length === 0, 2);
    await nb.close();
    for (const cell of nb.cells) await c.waitDiags(cell.uri, (d) => d.length === 0);
    const disk = await c.waitDiags(nbUri, (d) => d.length === 2);
    assert.deepEqual(codes(disk), ['NL001', 'NL003']);
    assert.equal(c.diagnostics.get(nbUri)?.version, undefined);
    // Requests on a closed notebook's cells: nothing.
    assert.equal(await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: nb.cellUri(5) }, position: { line: 4, character: 20 } }), null);
  });

  it('reports UTF-16 columns in a cell after CJK and emoji, with masked magics and a markdown cell before it', async () => {
    const prefix = 'name = "中文😀e\u0301"; bn = nn.BatchNorm2d(8, momentum=0.9)';
    const cells: TestCell[] = [
      { kind: 'markdown', text: '# 表 😀' },
      { kind: 'code', text: '%matplotlib inline\nimport torch.nn as nn  # 😀😀\n' },
      { kind: 'code', text: `# 中文 😀\n${prefix}` },
    ];
    const root = makeProject({});
    const c = await start(root);
    const nb = c.notebook(uri(path.join(root, 'u.ipynb')));
    await nb.open(cells);
    const [d] = await c.waitDiags(nb.cellUri(3), (x) => x.length === 1, 1);
    assert.equal(d.code, 'NL007');
    const col = prefix.indexOf('0.9)');
    assert.deepEqual(d.range, { start: { line: 1, character: col }, end: { line: 1, character: col + 3 } });
    const [action] = ((await c.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: nb.cellUri(3) }, range: d.range, context: { diagnostics: [d], only: ['quickfix'] } })) as CodeAction[]).filter((a) => a.isPreferred);
    assert.equal(applyTextEdits(cells[2].text, editsOf(action, nb.cellUri(3))), cells[2].text.replace('momentum=0.9)', 'momentum=0.1)'));
    // A loose notebook (no workspace folder holds it): closing clears it.
    await nb.close();
    await c.waitDiags(nb.cellUri(3), (x) => x.length === 0);
  });

  it('re-lints an open notebook when a project module it imports changes', async () => {
    const model = [
      'import torch.nn as nn',
      '',
      '',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.bn = nn.BatchNorm1d(4)',
      '',
      '    def forward(self, x):',
      '        return self.bn(x)',
      '',
    ].join('\n');
    const root = makeProject({ 'model.py': model });
    const c = await start(root, { debounceMs: 0 });
    const nb = c.notebook(uri(path.join(root, 'nb.ipynb')));
    await nb.open([
      {
        kind: 'code',
        text: 'import torch\nfrom model import Net\n\nnet = Net()\nopt = torch.optim.SGD(net.parameters(), lr=0.1)\nfor x in [torch.randn(32, 4)]:\n    net(x).sum().backward()\n    opt.step()',
      },
      { kind: 'markdown', text: 'Evaluate' },
      { kind: 'code', text: 'with torch.no_grad():\n    out = net(torch.randn(8, 4))' },
    ]);
    const [d] = await c.waitDiags(nb.cellUri(3), (x) => codes(x).includes('NL001'), 1);
    assert.deepEqual(d.range, { start: { line: 1, character: 10 }, end: { line: 1, character: 32 } });
    assert.deepEqual(d.relatedInformation?.map((r) => [r.location.uri, r.location.range.start.line]), [[nb.cellUri(1), 3]]);
    // The layer's hover in model.py names the places in the notebook by cell and line.
    const mu = uri(path.join(root, 'model.py'));
    await c.open(mu, model, 1);
    await c.waitDiags(mu, () => true, 1);
    const hover = (await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: mu }, position: { line: 6, character: 22 } })) as Hover;
    const md = (hover.contents as { value: string }).value;
    assert.match(md, /trained at `nb\.ipynb:cell 1:line 7` in train mode/);
    assert.match(md, /inference at `nb\.ipynb:cell 3:line 2` in train mode ⚠/);
    // model.py loses its BatchNorm in the editor: nothing left to evaluate in training mode.
    await c.change(mu, 2, [{ text: model.replace('nn.BatchNorm1d(4)', 'nn.Identity()') }]);
    await c.waitDiags(nb.cellUri(3), (x) => x.length === 0);
    // And back on disk after closing model.py.
    await c.close(mu);
    await c.waitDiags(nb.cellUri(3), (x) => codes(x).includes('NL001'));
  });

  it('with normlint.run = onSave, analyzes a notebook on save only', async () => {
    const { c, nb } = await openExample({}, { run: 'onSave' });
    const v = await nb.setText(5, nb.cells[4].text.replace('padding=1)', 'padding=1, bias=False)'));
    const before = c.statuses.length;
    await c.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: nb.cellUri(5) } }); // a round trip
    assert.equal(c.statuses.length, before, 'no analysis on a change');
    assert.deepEqual(codes(c.diags(nb.cellUri(5))), ['NL003']);
    await nb.save();
    await c.waitDiags(nb.cellUri(5), (d) => d.length === 0, v);
  });

  it('survives rapid cell edits and structure changes and ends with the final findings', async () => {
    const { c, nb } = await openExample({}, { debounceMs: 0 });
    const cell8 = nb.cellUri(8);
    for (let i = 0; i < 100; i++) {
      if (i % 10 === 5) {
        await nb.splice(8, 0, [{ kind: 'code', text: i % 20 === 5 ? 'model.eval()' : 'x = 1' }]);
        await nb.splice(8, 1);
      } else await nb.edit(8, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: i % 2 ? 1 : 0 } }, text: i % 2 ? '' : '(' }]);
    }
    const v = await nb.edit(8, [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: 'model.eval()\n' }]);
    await c.waitDiags(cell8, (d) => d.length === 0, v, 30_000);
    assert.deepEqual(codes(c.diags(nb.cellUri(5))), ['NL003']);
    assert.ok(c.alive);
  });

  it('keeps the notebook apart from a .py file next to it and from its own JSON opened as text', async () => {
    const root = makeProject({ 'nb.ipynb': fs.readFileSync(EXAMPLE, 'utf8'), 'm.py': 'import torch.nn as nn\nbn = nn.BatchNorm2d(8, momentum=0.9)\n' });
    const c = await start(root);
    const mu = uri(path.join(root, 'm.py'));
    await c.waitDiags(mu, (d) => codes(d).includes('NL007'));
    const nb: LspNotebook = c.notebook(uri(path.join(root, 'nb.ipynb')));
    await nb.open(cellsOf(EXAMPLE));
    await c.waitDiags(nb.cellUri(5), (d) => codes(d).includes('NL003'), 1);
    assert.deepEqual(codes(c.diags(mu)), ['NL007']);
    // The same notebook also opened as JSON text (another editor), edited and closed: the
    // notebook document is untouched.
    const raw = fs.readFileSync(path.join(root, 'nb.ipynb'), 'utf8');
    await c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: nb.uri, languageId: 'json', version: 1, text: raw } });
    await c.change(nb.uri, 2, [{ text: '{}' }]);
    await c.close(nb.uri);
    const v = await nb.setText(8, nb.cells[7].text.replace('with torch', 'model.eval()\nwith torch'));
    await c.waitDiags(nb.cellUri(8), (d) => d.length === 0, v);
    assert.deepEqual(codes(c.diags(nb.cellUri(5))), ['NL003']);
    assert.deepEqual(c.diags(nb.uri), []);
  });
});
