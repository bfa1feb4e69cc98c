/**
 * `linter/src/notebook/notebook.ts`: notebooks as programs (masking, offsets) and edits written
 * back into the JSON text without disturbing anything else.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { maskCell, Notebook, NotebookError, programEdits, splitLinesKeepEnds } from '../../linter/src/notebook/notebook';
import { applyEdits } from '../../linter/src/core/apply-fixes';

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'notebooks', 'cifar_quickstart.ipynb');

/** A notebook's JSON as Jupyter writes it (indent 1, sources as arrays of lines). */
function nbJson(cells: Array<{ type?: 'code' | 'markdown' | 'raw'; source: string | string[] }>, metadata: object = {}): string {
  return (
    JSON.stringify(
      {
        cells: cells.map((c) => ({
          cell_type: c.type ?? 'code',
          metadata: {},
          source: typeof c.source === 'string' ? splitLinesKeepEnds(c.source) : c.source,
          ...((c.type ?? 'code') === 'code' ? { execution_count: null, outputs: [] } : {}),
        })),
        metadata,
        nbformat: 4,
        nbformat_minor: 5,
      },
      null,
      1,
    ) + '\n'
  );
}

describe('notebook: masking IPython syntax', () => {
  const cases: Array<[string, string]> = [
    ['%matplotlib inline\n', '...               \n'],
    ['!pip install torch\n', '...               \n'],
    ['    !ls\n', '    ...\n'],
    ['files = !ls -la\n', '...            \n'],
    ['t = %timeit f()\n', '...            \n'],
    ['model?\n', '...   \n'],
    ['??model.forward\n', '...            \n'],
    ['torch.*Tensor?\n', '...           \n'],
    ['!l\n', '  \n'],
  ];
  for (const [src, want] of cases) {
    it(`masks ${JSON.stringify(src)}`, () => {
      assert.equal(maskCell(src), want);
      assert.equal(maskCell(src).length, src.length);
    });
  }

  it('leaves Python alone (comparisons, modulo, strings, comments)', () => {
    for (const src of ['x != 1\n', 'a = 5 % 3\n', 'b = x if y else z\n', "s = '%d' % n\n", '# %matplotlib inline\n', 'print("!")\n', 'a[i] = b\n']) {
      assert.equal(maskCell(src), src);
    }
  });

  it('masks only lines that start a logical line, as IPython does', () => {
    // keras-io's 3D image classification notebook: a `%` operand continued inside parentheses.
    const formatted = 'print(\n    "Number of samples: %d"\n    % (len(x_train),)\n)\n';
    assert.equal(maskCell(formatted), formatted);
    // Inside a triple-quoted string and after a backslash continuation: Python too.
    for (const src of ['s = """\n%d items\n!done\n"""\n', 'y = a \\\n    % b\n']) assert.equal(maskCell(src), src);
    // After the brackets close (even with a bracket in a string or a comment), magics again.
    assert.equal(maskCell('x = [\n    1,\n]\n!ls\n'), 'x = [\n    1,\n]\n...\n');
    assert.equal(maskCell('s = ("a(",\n     "b")\n%time f()\n'), 's = ("a(",\n     "b")\n...      \n');
    assert.equal(maskCell("t = 'it''s'  # (\n%matplotlib inline\n"), "t = 'it''s'  # (\n...               \n");
  });

  it('masks automagics (a magic without %) only where the line cannot be Python', () => {
    assert.equal(maskCell('pip install timm\n'), '...             \n');
    assert.equal(maskCell('cd data/\n'), '...     \n');
    assert.equal(maskCell('    matplotlib inline\n'), '    ...              \n');
    assert.equal(maskCell('time model.fit(x)\n'), '...              \n');
    for (const src of ['time.sleep(1)\n', 'pip = 3\n', 'ls -la\n', 'run\n', 'x = time if fast else 0\n', 'time if fast else slow\n', 'cd(x)\n', 'config["lr"] = 0.1\n']) {
      assert.equal(maskCell(src), src, src);
    }
  });

  it('masks the lines a magic or shell escape continues with a backslash', () => {
    assert.equal(maskCell('!pip install \\\n    torch \\\n    timm\nx = 1\n'), '...' + ' '.repeat(11) + '\n' + ' '.repeat(11) + '\n' + ' '.repeat(8) + '\nx = 1\n');
    // Python continued with a backslash is still Python.
    assert.equal(maskCell('y = a \\\n    + b\n'), 'y = a \\\n    + b\n');
  });

  it('masks only the first line of a cell magic with a Python body, the whole cell otherwise', () => {
    assert.equal(maskCell('%%time\nmodel.train()\n'), '      \nmodel.train()\n');
    assert.equal(maskCell('%%bash\nmodel.eval()\nls\n'), '      \n            \n  \n');
    assert.equal(maskCell('%%writefile model.py\nimport torch'), ' '.repeat(20) + '\n' + ' '.repeat(12));
  });
});

describe('notebook: parse', () => {
  it('forms the program from code cells in order and maps offsets back to cells', () => {
    const nb = Notebook.parse(
      nbJson([{ type: 'markdown', source: '# Title' }, { source: 'import torch\nx = 1' }, { source: '%matplotlib inline\ny = 2\n' }, { type: 'raw', source: 'raw' }, { source: '' }]),
    );
    assert.deepEqual(
      nb.cells.map((c) => [c.cell, c.start, c.startLine]),
      [
        [2, 0, 0],
        [3, 19, 2],
        [5, 44, 4],
      ],
    );
    assert.equal(nb.program, 'import torch\nx = 1\n' + '...' + ' '.repeat(15) + '\ny = 2\n' + '\n');
    assert.deepEqual(nb.cellAt(nb.program.indexOf('y = 2')), { cell: 3, offset: 19 });
    assert.deepEqual(nb.cellAt(18), { cell: 2, offset: 18 }); // the end of cell 2 (insertion point)
    assert.equal(nb.cellAt(19)?.cell, 3);
  });

  it('accepts a source given as one string', () => {
    const raw = JSON.stringify({ cells: [{ cell_type: 'code', source: 'a = 1\nb = 2', metadata: {}, outputs: [] }], metadata: {}, nbformat: 4, nbformat_minor: 4 });
    assert.equal(Notebook.parse(raw).program, 'a = 1\nb = 2\n');
  });

  it('refuses what is not an nbformat-4 Python notebook, with the reason', () => {
    const bad: Array<[string, RegExp]> = [
      ['{"cells": [', /invalid notebook JSON \(.* at line 1, column 12\)/],
      ['[]', /not an object/],
      ['{"nbformat": 3, "worksheets": []}', /nbformat 3 notebooks are not supported/],
      ['{"nbformat": 4, "metadata": {}}', /no "cells" array/],
      [nbJson([{ source: 'x <- 1' }], { kernelspec: { language: 'R', name: 'ir' } }), /not a Python notebook \(kernel language: R\)/],
      ['{"nbformat": 4, "cells": [{"cell_type": "code", "source": 3}]}', /"source" of cell 1 is not a string/],
      ['{"nbformat": 4, "cells": [{"cell_type": "code"}]}', /cell 1 has no "source"/],
    ];
    for (const [raw, re] of bad) assert.throws(() => Notebook.parse(raw), (e: unknown) => e instanceof NotebookError && re.test(e.message), raw);
  });

  it('reads a Python kernel from language_info when kernelspec has no language', () => {
    assert.doesNotThrow(() => Notebook.parse(nbJson([{ source: 'x = 1' }], { language_info: { name: 'python' } })));
  });
});

describe('notebook: edits', () => {
  it('writes a changed line back in place and keeps every other byte (outputs, metadata, escapes)', () => {
    const raw = fs.readFileSync(EXAMPLE, 'utf8');
    const nb = Notebook.parse(raw);
    const at = nb.program.indexOf('padding=1)') + 'padding=1'.length;
    const next = nb.applyProgramEdits([{ start: at, end: at, content: ', bias=False' }]);
    const before = raw.split('\n');
    const after = next.raw.split('\n');
    assert.equal(after.length, before.length);
    const changed = before.flatMap((l, i) => (l === after[i] ? [] : [i]));
    assert.equal(changed.length, 1);
    assert.match(after[changed[0]], /^ {4}" {8}self\.conv1 = nn\.Conv2d\(3, 32, 3, padding=1, bias=False\)/);
    assert.deepEqual({ ...JSON.parse(next.raw), cells: null }, { ...JSON.parse(raw), cells: null });
    assert.deepEqual(
      (JSON.parse(next.raw).cells as Array<{ outputs?: unknown }>).map((c) => c.outputs),
      (JSON.parse(raw).cells as Array<{ outputs?: unknown }>).map((c) => c.outputs),
    );
  });

  it('re-renders an array whose line count changed with its own indentation', () => {
    const raw = nbJson([{ source: 'a = 1\nb = 2' }]);
    const nb = Notebook.parse(raw);
    const next = nb.applyProgramEdits([{ start: 6, end: 6, content: 'model.eval()\n' }]);
    assert.equal(next.cells[0].source, 'a = 1\nmodel.eval()\nb = 2');
    assert.equal(next.raw, raw.replace('"a = 1\\n",\n', '"a = 1\\n",\n    "model.eval()\\n",\n'));
  });

  it('fills an empty cell and keeps single-string sources strings', () => {
    const nb = Notebook.parse(nbJson([{ source: [] }]));
    const next = nb.withCellSources(new Map([[1, 'x = 1\ny = 2']]));
    assert.equal(next.cells[0].source, 'x = 1\ny = 2');
    assert.deepEqual(JSON.parse(next.raw).cells[0].source, ['x = 1\n', 'y = 2']);
    const str = Notebook.parse('{"nbformat": 4, "cells": [{"cell_type": "code", "source": "a = \\"é\\"\\n"}]}');
    const s2 = str.withCellSources(new Map([[1, 'a = "é"\nb = 1\n']]));
    assert.equal(s2.raw, '{"nbformat": 4, "cells": [{"cell_type": "code", "source": "a = \\"é\\"\\nb = 1\\n"}]}');
  });

  it('refuses edits that cross cells or change masked IPython syntax', () => {
    const nb = Notebook.parse(nbJson([{ source: 'a = 1' }, { source: '!ls\nb = 2\n' }]));
    assert.throws(() => nb.applyProgramEdits([{ start: 3, end: 8, content: '' }]), /crosses the end of cell 1/);
    assert.throws(() => nb.applyProgramEdits([{ start: 6, end: 7, content: '?' }]), /changes IPython syntax in cell 2/);
    assert.throws(() => Notebook.fromCells([{ cell: 1, source: 'a' }]).withCellSources(new Map([[1, 'b']])), NotebookError);
  });

  it('maps program offsets into the JSON text through escapes', () => {
    const raw = '{"nbformat": 4, "cells": [{"cell_type": "code", "source": ["s = \\"\\\\t\\u00e9\\"\\n", "model(x)"]}]}';
    const nb = Notebook.parse(raw);
    assert.equal(nb.program, 's = "\\té"\nmodel(x)\n');
    const off = nb.rawOffset(nb.program.indexOf('model'))!;
    assert.equal(raw.slice(off, off + 5), 'model');
    const e = nb.rawOffset(nb.program.indexOf('é'))!;
    assert.equal(raw.slice(e, e + 6), '\\u00e9');
  });

  it('turns random edits of the program into the same cell texts (property)', () => {
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const base = Notebook.parse(fs.readFileSync(EXAMPLE, 'utf8'));
    const words = ['x', ' = 1', '\n', 'model.eval()\n', '  # noqa: NL001', '', 'é', '😀'];
    let applied = 0;
    let refused = 0;
    for (let round = 0; round < 200; round++) {
      // Edits inside one cell's unmasked text (what fixes produce).
      const cell = base.cells[rnd(base.cells.length)];
      const plain = [...cell.source].map((_, i) => i).filter((i) => cell.masked[i] === cell.source[i]);
      if (!plain.length) continue;
      const a = plain[rnd(plain.length)];
      let b = a + rnd(4);
      while (b > a && !plain.includes(b - 1)) b--;
      const edit = { start: cell.start + a, end: cell.start + b, content: words[rnd(words.length)] };
      const expected = applyEdits(base.program, [edit]);
      let direct: Notebook;
      try {
        direct = base.applyProgramEdits([edit]);
      } catch (e) {
        // Only refused when the edited cell would not read as the edited program.
        assert.ok(e instanceof NotebookError && /IPython syntax/.test(e.message), String(e));
        const src = cell.source.slice(0, a) + edit.content + cell.source.slice(b);
        assert.notEqual(maskCell(src), cell.masked.slice(0, a) + edit.content + cell.masked.slice(b));
        refused++;
        continue;
      }
      const viaDiff = base.applyProgramEdits(programEdits(base.program, expected));
      assert.equal(viaDiff.program, expected, `round ${round}`);
      assert.equal(Notebook.parse(viaDiff.raw).program, expected);
      applied++;
      assert.equal(direct.cell(cell.cell)!.source, cell.source.slice(0, a) + edit.content + cell.source.slice(b));
    }
    assert.ok(applied > 150 && refused > 0, `applied ${applied}, refused ${refused}`);
  });
});
