/**
 * Test helper: where the CLI's notebook locations (`cell`, 1-based `row` and code-point
 * `column` inside the cell) are in the notebook's JSON text, which is where the language server
 * publishes the findings of a notebook that is not open in the editor.
 */
import { Notebook, splitLinesKeepEnds } from '../../linter/src/notebook/notebook';

/**
 * The position in the JSON text `raw` of a notebook of a place given as the CLI reports it.
 * @returns 1-based line and 1-based UTF-16 column (what VS Code's Problems panel shows).
 */
export function jsonPosition(raw: string, cell: number, row: number, column: number): { line: number; column: number } {
  const nb = Notebook.parse(raw);
  const c = nb.cell(cell);
  if (!c) throw new Error(`cell ${cell} is not a code cell`);
  const lines = splitLinesKeepEnds(c.source);
  let offset = lines.slice(0, row - 1).reduce((n, l) => n + l.length, 0);
  offset += Array.from(lines[row - 1] ?? '').slice(0, column - 1).join('').length;
  const at = nb.rawOffset(c.start + offset);
  if (at === null) throw new Error(`cell ${cell}:${row}:${column} is not in the notebook's JSON`);
  const before = raw.slice(0, at).split(/\r\n|\r|\n/);
  return { line: before.length, column: before[before.length - 1].length + 1 };
}
