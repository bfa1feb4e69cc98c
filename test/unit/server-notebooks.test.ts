/**
 * The language server's notebook mapping (`server/src/notebooks.ts`), without a server: cells
 * to program and back, in LSP positions of each cell's own text.
 */
import assert from 'node:assert/strict';
import { cellLine, diffChange, NotebookFileMap, NotebookProgram, type SyncedCell } from '../../server/src/notebooks';
import { Notebook } from '../../linter/src/notebook/notebook';

const cell = (uri: string, text: string, kind = 2, languageId = kind === 2 ? 'python' : 'markdown'): SyncedCell => ({ uri, kind, languageId, version: 1, text });

describe('server notebooks: NotebookProgram', () => {
  const cells = [
    cell('md', '# Title 😀', 1),
    cell('a', '%matplotlib inline\nimport torch.nn as nn'),
    cell('raw', 'not python', 2, 'raw'),
    cell('b', 's = "中文😀"; bn = nn.BatchNorm2d(8)\n'),
  ];
  const p = new NotebookProgram('file:///w/nb.ipynb', cells);

  it('forms the program from the Python code cells, numbered among all cells', () => {
    assert.equal(p.text, '...               \nimport torch.nn as nn\ns = "中文😀"; bn = nn.BatchNorm2d(8)\n');
    assert.deepEqual(p.cells.map((c) => [c.uri, c.code.cell]), [['a', 2], ['b', 4]]);
    assert.equal(p.cell('md'), undefined);
    assert.equal(p.cell('raw'), undefined);
  });

  it('maps program spans to cell ranges (UTF-16), clamped to the start cell', () => {
    const off = p.text.indexOf('nn.BatchNorm2d');
    const col = cells[3].text.indexOf('nn.BatchNorm2d');
    assert.deepEqual(p.locate({ start: off, end: off + 14 }), { cell: p.cells[1], range: { start: { line: 0, character: col }, end: { line: 0, character: col + 14 } } });
    // A span from cell a into cell b ends at the end of cell a (in the `\n` added after it).
    const a = p.locate({ start: p.text.indexOf('import'), end: off })!;
    assert.equal(a.cell.uri, 'a');
    assert.deepEqual(a.range.end, { line: 1, character: 'import torch.nn as nn'.length });
  });

  it('maps cell positions to program offsets', () => {
    const col = cells[3].text.indexOf('BatchNorm2d');
    assert.equal(p.offsetAt('b', { line: 0, character: col }), p.text.indexOf('BatchNorm2d'));
    assert.equal(p.offsetAt('md', { line: 0, character: 0 }), null);
  });

  it('keeps edits inside one cell and out of masked IPython syntax', () => {
    const at = p.text.indexOf('(8)') + 2;
    assert.deepEqual(p.edit({ start: at, end: at, content: ', momentum=0.1' })?.cell.uri, 'b');
    // Into the `\n` the program adds after cell a (its text has none): refused.
    const endA = p.text.indexOf('\ns = ');
    assert.equal(p.edit({ start: endA, end: endA + 1, content: '' }), null);
    assert.ok(p.edit({ start: endA, end: endA, content: '  # noqa' }), 'an insertion at the cell end is fine');
    // Across cells, or over a masked magic: refused.
    assert.equal(p.edit({ start: endA - 2, end: endA + 3, content: '' }), null);
    assert.equal(p.edit({ start: 0, end: 3, content: 'x' }), null);
  });

  it('names places by cell and line', () => {
    assert.equal(cellLine(p.notebook, p.text.indexOf('import')), 'cell 2:line 2');
    assert.equal(cellLine(p.notebook, p.text.indexOf('bn =')), 'cell 4:line 1');
  });
});

describe('server notebooks: NotebookFileMap', () => {
  it('maps program spans into the JSON string literals of the cells', () => {
    const raw = JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [
      { cell_type: 'markdown', metadata: {}, source: ['# t'] },
      { cell_type: 'code', metadata: {}, outputs: [], execution_count: null, source: ['x = "\t😀"\n', 'bn = nn.BatchNorm2d(8)'] },
    ] }, null, 1);
    const nb = Notebook.parse(raw);
    const m = new NotebookFileMap(nb);
    const off = nb.program.indexOf('nn.BatchNorm2d');
    const r = m.range({ start: off, end: off + 14 });
    const lines = raw.split('\n');
    assert.equal(lines[r.start.line].slice(r.start.character, r.end.character), 'nn.BatchNorm2d');
    const tab = nb.program.indexOf('\t');
    const t = m.range({ start: tab, end: tab + 1 });
    assert.equal(lines[t.start.line].slice(t.start.character, t.end.character), '\\t', 'escapes count in the JSON text');
  });
});

describe('server notebooks: diffChange', () => {
  it('is the one change between two texts, never splitting a surrogate pair', () => {
    assert.equal(diffChange('abc', 'abc'), null);
    assert.deepEqual(diffChange('a\nb\nc', 'a\nX\nb\nc'), { start: 2, end: 2, text: 'X\n' });
    assert.deepEqual(diffChange('x😀y', 'x😁y'), { start: 1, end: 3, text: '😁' });
    const before = 'k = 1\nmodel.eval()\n';
    const after = 'model.eval()\nk = 1\n';
    const c = diffChange(before, after)!;
    assert.equal(before.slice(0, c.start) + c.text + before.slice(c.end), after);
  });
});
