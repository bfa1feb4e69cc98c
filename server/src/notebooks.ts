/**
 * Jupyter notebooks in the language server: how an open notebook document (LSP 3.17 notebook
 * sync: the notebook's cells and each cell's text document) becomes the one Python program the
 * engine analyzes, and how places in that program map back to the cells, or to the notebook's
 * JSON text when it is not open.
 *
 * The program is `Notebook.fromCells` (`linter/src/notebook/notebook.ts`) over the code cells
 * whose language is Python, in notebook order; a cell's number is its 1-based position among
 * **all** cells of the notebook (markdown and raw cells counted), as in the CLI. IPython syntax is
 * masked with same-length text, so a program offset inside a cell is `cell.start` plus the
 * offset in the cell's own text, and a cell's lines are program lines `cell.startLine …`.
 *
 * Units: program and cell offsets are UTF-16 code units; ranges and positions are LSP positions
 * (0-based lines, UTF-16 characters, see `positions.ts`) in the text of the document they name:
 * a cell's text for an open notebook, the notebook's JSON text for a notebook on disk.
 *
 * Pure: no Node API, no connection (the server wires it to `vscode-languageserver`'s
 * `NotebookDocuments`).
 */
import type { Position, Range } from 'vscode-languageserver';
import type { Edit, Span } from '../../linter/src/core/diagnostic';
import type { TextChange } from '../../linter/src/core/engine';
import { Notebook, type CodeCell } from '../../linter/src/notebook/notebook';
import { PositionMap, positionMapOf } from './positions';

/** LSP `NotebookCellKind.Code` (markup cells are 1). */
export const CODE_CELL_KIND = 2;

/** One cell of a notebook document as the client synced it. */
export interface SyncedCell {
  /** The cell's text document URI (`vscode-notebook-cell:…#…` in VS Code). */
  uri: string;
  /** LSP `NotebookCellKind`: 1 markup, 2 code. */
  kind: number;
  /** Language of the cell's text document (`python`, `markdown`, `raw`…); '' when unknown. */
  languageId: string;
  /** Version of the cell's text document. */
  version: number;
  /** The cell's text. */
  text: string;
}

/** Whether a synced cell is part of the analyzed program: a code cell in Python. */
export function isProgramCell(c: Pick<SyncedCell, 'kind' | 'languageId'>): boolean {
  return c.kind === CODE_CELL_KIND && c.languageId === 'python';
}

/** A code cell of a {@link NotebookProgram}: where it is in the program and which document it is. */
export interface ProgramCell {
  /** The cell's text document URI. */
  readonly uri: string;
  /** The cell text document's version the program was built from. */
  readonly version: number;
  /** The cell in the program (number, source, masked source, start offset and line). */
  readonly code: CodeCell;
}

/** A place in a cell: the cell and an LSP range in its text. */
export interface CellRange {
  cell: ProgramCell;
  range: Range;
}

/**
 * An open notebook document as one program: the code cells' texts joined by
 * `Notebook.fromCells`, with the maps between program offsets and cell positions.
 * Immutable: build a new one after each change of the notebook.
 */
export class NotebookProgram {
  /** The notebook built from the cells (its `program` is the analyzed text). */
  readonly notebook: Notebook;
  /** Code cells of the program, in notebook (= program) order. */
  readonly cells: readonly ProgramCell[];
  private readonly byUri = new Map<string, ProgramCell>();
  private readonly maps = new Map<ProgramCell, PositionMap>();

  /**
   * @param uri the notebook document's URI (`file:///…/nb.ipynb`).
   * @param cells every cell of the notebook in order (markup included: they count in cell numbers).
   */
  constructor(
    readonly uri: string,
    cells: readonly SyncedCell[],
  ) {
    const code: Array<{ cell: number; source: string; synced: SyncedCell }> = [];
    cells.forEach((c, i) => {
      if (isProgramCell(c)) code.push({ cell: i + 1, source: c.text, synced: c });
    });
    this.notebook = Notebook.fromCells(code);
    this.cells = this.notebook.cells.map((cc, i) => ({ uri: code[i].synced.uri, version: code[i].synced.version, code: cc }));
    for (const c of this.cells) this.byUri.set(c.uri, c);
  }

  /** The program text (what the engine analyzes under the notebook's path). */
  get text(): string {
    return this.notebook.program;
  }

  /** The code cell with text document `uri`, if it is part of the program. */
  cell(uri: string): ProgramCell | undefined {
    return this.byUri.get(uri);
  }

  /** The code cell holding a program offset (an offset in the `\n` added after a cell: that cell). */
  cellAt(offset: number): ProgramCell | null {
    const cc = this.notebook.codeCellAt(offset);
    return cc ? (this.cells.find((c) => c.code === cc) ?? null) : null;
  }

  private mapOf(c: ProgramCell): PositionMap {
    let m = this.maps.get(c);
    if (!m) this.maps.set(c, (m = new PositionMap(c.code.source)));
    return m;
  }

  /**
   * Where a program span shows: the cell holding its start, and the range in that cell's text
   * (offsets clamped to the cell: a span running into a later cell ends at the cell's end).
   */
  locate(span: Span): CellRange | null {
    const cell = this.cellAt(span.start);
    if (!cell) return null;
    const len = cell.code.source.length;
    const start = Math.min(Math.max(0, span.start - cell.code.start), len);
    const end = Math.min(Math.max(start, span.end - cell.code.start), len);
    const map = this.mapOf(cell);
    return { cell, range: { start: map.position(start), end: map.position(end) } };
  }

  /**
   * A program edit as an edit of one cell's text, or null when it cannot be one: it reaches
   * past the cell's text (into the `\n` the program adds after it, or another cell) or changes
   * masked IPython syntax.
   */
  edit(e: Edit): CellRange | null {
    const local = this.notebook.cellEdit(e);
    if (typeof local === 'string') return null;
    const { start, end } = local;
    const cell = this.cells.find((c) => c.code === local.cell);
    if (!cell) return null;
    const map = this.mapOf(cell);
    return { cell, range: { start: map.position(start), end: map.position(end) } };
  }

  /** The program offset of a position in a code cell's text, or null when `uri` is not one of the program's cells. */
  offsetAt(uri: string, pos: Position): number | null {
    const cell = this.byUri.get(uri);
    return cell ? cell.code.start + this.mapOf(cell).offset(pos) : null;
  }
}

/**
 * Maps program spans of a notebook that is not open to ranges in its JSON text (inside the
 * string literals of the cells' `source`, escapes accounted for), the way the CLI's SARIF and
 * GitHub reports locate them. Offsets in the `\n` added after a cell count as its end.
 */
export class NotebookFileMap {
  private readonly json: PositionMap;

  constructor(readonly notebook: Notebook) {
    this.json = positionMapOf(notebook.raw);
  }

  private rawOffset(offset: number): number {
    const cell = this.notebook.codeCellAt(offset);
    const o = cell ? Math.min(Math.max(offset, cell.start), cell.start + cell.source.length) : offset;
    return this.notebook.rawOffset(o) ?? 0;
  }

  /** The range in the JSON text of a program span. */
  range(span: Span): Range {
    const start = this.rawOffset(span.start);
    const end = Math.max(start, this.rawOffset(Math.max(span.start, span.end)));
    return { start: this.json.position(start), end: this.json.position(end) };
  }
}

/**
 * `cell N:line L` of a program offset (N the cell's 1-based position in the notebook, L the
 * 1-based line in the cell), or null when the offset is in no cell.
 */
export function cellLine(notebook: Notebook, offset: number): string | null {
  const cell = notebook.codeCellAt(offset);
  if (!cell) return null;
  const line = positionMapOf(notebook.program).lineOf(Math.min(offset, notebook.program.length)) - cell.startLine + 1;
  return `cell ${cell.cell}:line ${line}`;
}

/**
 * The one change that turns `before` into `after` (their common prefix and suffix kept), in
 * UTF-16 offsets of `before`, or null when they are equal. A notebook edit is re-parsed
 * incrementally from it, whatever the cells did.
 */
export function diffChange(before: string, after: string): TextChange | null {
  if (before === after) return null;
  let p = 0;
  const max = Math.min(before.length, after.length);
  while (p < max && before.charCodeAt(p) === after.charCodeAt(p)) p++;
  let s = 0;
  while (s < max - p && before.charCodeAt(before.length - 1 - s) === after.charCodeAt(after.length - 1 - s)) s++;
  // Never split a surrogate pair.
  if (p > 0 && isHighSurrogate(before.charCodeAt(p - 1))) p--;
  if (s > 0 && isLowSurrogate(before.charCodeAt(before.length - s))) s--;
  return { start: p, end: before.length - s, text: after.slice(p, after.length - s) };
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
