/**
 * Jupyter notebooks (`.ipynb`, nbformat 4) as Python programs, and back.
 *
 * The code cells, in order, form one program (the way a kernel runs them top to bottom): each
 * cell's source followed by a `\n` when it does not end with one. IPython syntax that is not
 * Python is **masked** with text of the same length, so every offset in the program maps to the
 * same offset in its cell:
 * - line magics and shell escapes (`%matplotlib inline`, `!pip install x`, `files = !ls`,
 *   `t = %timeit f()`) and help lines (`obj?`, `??obj`) become `...` (a no-op expression, so a
 *   magic alone in an indented block still parses) padded with spaces, or spaces when shorter;
 * - a cell magic whose body is Python (`%%time`, `%%timeit`, `%%capture`, `%%prun`) masks its
 *   first line only; any other cell magic (`%%bash`, `%%writefile`, `%%html`, ...) masks the
 *   whole cell with spaces (line breaks kept).
 *
 * Pure and browser-safe: the JSON is read with `jsonc-parser` (offsets of every node), so edits
 * to cells are written back into the original text and everything else (outputs, metadata,
 * key order, indentation, escapes of untouched lines) stays byte for byte.
 *
 * Units: program and cell offsets are UTF-16 code units; cell numbers are 1-based positions
 * among **all** cells of the notebook (markdown included: "cell 3" is the third cell on the
 * page, `cells[2]` in the JSON).
 *
 * Sources: nbformat 4 schema (nbformat 5.x, `nbformat.v4.schema.json`: `cells[].cell_type`,
 * `cells[].source` as a string or an array of strings, `metadata.kernelspec.language`,
 * `metadata.language_info.name`); IPython 8 syntax for magics and escapes
 * (`IPython.core.inputtransformer2`).
 */
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { diffLines } from 'diff';
import type { Edit, Span } from '../core/diagnostic';
import { scanLine, type LogicalState } from '../parse/logical-lines';

/** A notebook that cannot be used as a Python program; the message says why (one line). */
export class NotebookError extends Error {}

/** One code cell of a {@link Notebook}. */
export interface CodeCell {
  /** 1-based position among all cells of the notebook. */
  readonly cell: number;
  /** The cell's source as stored (array elements joined). */
  readonly source: string;
  /** `source` with IPython syntax masked (same length). */
  readonly masked: string;
  /** UTF-16 offset of the cell's first character in the program. */
  readonly start: number;
  /** 0-based line of the cell's first line in the program. */
  readonly startLine: number;
}

/** A position in a cell: the cell (1-based) and a UTF-16 offset into its source. */
export interface CellOffset {
  cell: number;
  offset: number;
}

/** Cell magics whose body is Python (IPython 8 built-ins). */
const PYTHON_BODY_CELL_MAGICS = new Set(['time', 'timeit', 'capture', 'prun']);

/**
 * A line that is IPython syntax, not Python (see the module comment), including automagics:
 * a line magic or shell alias written without `%` (`pip install timm`, `cd data`,
 * `matplotlib inline`), which IPython runs as the magic when the line is not Python (automagic
 * is on by default, IPython 8 `automagic` and `alias` docs). Only a name followed by an
 * argument that cannot continue a Python expression counts (`time.sleep(1)`, `pip = 3` and
 * `ls -la` stay Python). Help lines include wildcard searches (`torch.*Tensor?`, `%psearch`).
 */
const IPYTHON_LINE = new RegExp(
  '^[ \\t]*(?:[%!]|\\?\\??[\\w.*]|[\\w.*]+\\?\\??[ \\t]*\\r?\\n?$|[\\w.,()[\\] \\t*]+=[ \\t]*[%!]' +
    '|(?:pip|conda|mamba|cd|ls|pwd|mkdir|rm|cp|mv|cat|env|load_ext|reload_ext|matplotlib|run|time|timeit|tensorboard|autoreload|who|whos|config)' +
    '[ \\t]+(?!(?:if|else|and|or|not|in|is|for|lambda|async|await)\\b)[\\w~/"\'.])',
);

interface CellNodes {
  cell: number;
  /** The `source` value node (string or array of strings). */
  node: Node;
}

/** Split after each `\n` (the last piece may be empty and is then dropped). */
export function splitLinesKeepEnds(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', start)) {
    out.push(s.slice(start, i + 1));
    start = i + 1;
  }
  if (start < s.length) out.push(s.slice(start));
  return out;
}

/** Mask one cell's source (see the module comment); the result has the same length. */
export function maskCell(source: string): string {
  const lines = splitLinesKeepEnds(source);
  const first = lines[0] ?? '';
  const blank = (l: string): string => l.replace(/[^\r\n]/g, ' ');
  const cellMagic = /^%%(\w+)/.exec(first);
  if (cellMagic) {
    if (!PYTHON_BODY_CELL_MAGICS.has(cellMagic[1])) return blank(source);
    return blank(first) + maskLines(lines.slice(1));
  }
  return maskLines(lines);
}

/**
 * Masks the IPython lines among `lines`. As in IPython, only a line that starts a logical line
 * can be one: a line inside brackets, a string or after a `\` continuation is Python, such as
 * the `% (a, b)` operand of a string formatted over several lines.
 */
function maskLines(lines: string[]): string {
  const st: LogicalState = { depth: 0, quote: null, continued: false };
  let out = '';
  // A magic or shell escape continued with `\` goes on over the next lines (IPython joins them).
  let magicContinued = false;
  for (const line of lines) {
    if (magicContinued) {
      out += line.replace(/[^\r\n]/g, ' ');
      magicContinued = /\\\r?\n$/.test(line);
      continue;
    }
    if (st.depth === 0 && st.quote === null && !st.continued && IPYTHON_LINE.test(line)) {
      out += maskLine(line);
      magicContinued = /\\\r?\n$/.test(line);
      continue;
    }
    scanLine(line, st);
    out += line;
  }
  return out;
}

function maskLine(line: string): string {
  if (!IPYTHON_LINE.test(line)) return line;
  const body = /^([ \t]*)(.*?)(\r?\n?)$/s.exec(line)!;
  const [, indent, content, eol] = body;
  const filler = content.length >= 3 ? '...' + ' '.repeat(content.length - 3) : ' '.repeat(content.length);
  return indent + filler + eol;
}

function propertyValue(obj: Node | undefined, key: string): Node | undefined {
  if (obj?.type !== 'object') return undefined;
  for (const p of obj.children ?? []) {
    if (p.children?.[0]?.value === key) return p.children[1];
  }
  return undefined;
}

function lineColumnOf(text: string, offset: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      col = 1;
    } else col++;
  }
  return `line ${line}, column ${col}`;
}

/** The string value of a JSON string node or of an array of string nodes, else null. */
function sourceText(node: Node): string | null {
  if (node.type === 'string') return node.value as string;
  if (node.type !== 'array') return null;
  let s = '';
  for (const c of node.children ?? []) {
    if (c.type !== 'string') return null;
    s += c.value as string;
  }
  return s;
}

/**
 * Encode a string as a JSON string literal the way Jupyter (Python's `json.dumps` with
 * `ensure_ascii=False`) does: non-ASCII characters stay as they are.
 */
export function jsonString(s: string): string {
  return JSON.stringify(s);
}

/** A parsed notebook: its code cells, the program they form, and the JSON text. */
export class Notebook {
  /** Code cells, in notebook order. */
  readonly cells: readonly CodeCell[];
  /** The Python program: masked code cells in order (see the module comment). */
  readonly program: string;
  private readonly nodes: CellNodes[];

  private constructor(
    /** The notebook's JSON text (as decoded, without a BOM); '' for {@link Notebook.fromCells}. */
    readonly raw: string,
    nodes: CellNodes[],
    sources: ReadonlyArray<{ cell: number; source: string }>,
  ) {
    this.nodes = nodes;
    const cells: CodeCell[] = [];
    let program = '';
    let line = 0;
    sources.forEach(({ cell, source }) => {
      const masked = maskCell(source);
      cells.push({ cell, source, masked, start: program.length, startLine: line });
      program += masked.endsWith('\n') ? masked : masked + '\n';
      line += splitLinesKeepEnds(source).length || 1;
    });
    this.cells = cells;
    this.program = program;
  }

  /**
   * Parse a notebook's JSON text.
   * @throws NotebookError when the text is not JSON, not nbformat 4, or not a Python notebook
   *   (the kernel's language says otherwise); the message names the place.
   */
  static parse(raw: string): Notebook {
    const errors: ParseError[] = [];
    const root = parseTree(raw, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    if (errors.length || !root) {
      const e = errors[0];
      throw new NotebookError(
        e ? `invalid notebook JSON (${printParseErrorCode(e.error)} at ${lineColumnOf(raw, e.offset)})` : 'invalid notebook JSON (empty)',
      );
    }
    if (root.type !== 'object') throw new NotebookError('invalid notebook: the JSON is not an object');
    const major = propertyValue(root, 'nbformat')?.value;
    if (typeof major === 'number' && major < 4) throw new NotebookError(`nbformat ${major} notebooks are not supported (convert with \`jupyter nbconvert --to notebook\`)`);
    const cellsNode = propertyValue(root, 'cells');
    if (cellsNode?.type !== 'array') throw new NotebookError('invalid notebook: no "cells" array (nbformat 4)');
    const metadata = propertyValue(root, 'metadata');
    const language =
      propertyValue(propertyValue(metadata, 'kernelspec'), 'language')?.value ?? propertyValue(propertyValue(metadata, 'language_info'), 'name')?.value;
    if (typeof language === 'string' && language.toLowerCase() !== 'python') {
      throw new NotebookError(`not a Python notebook (kernel language: ${language})`);
    }
    const nodes: CellNodes[] = [];
    const sources: Array<{ cell: number; source: string }> = [];
    (cellsNode.children ?? []).forEach((c, i) => {
      if (propertyValue(c, 'cell_type')?.value !== 'code') return;
      const src = propertyValue(c, 'source');
      if (!src) throw new NotebookError(`invalid notebook: cell ${i + 1} has no "source"`);
      const text = sourceText(src);
      if (text === null) throw new NotebookError(`invalid notebook: the "source" of cell ${i + 1} is not a string or a list of strings`);
      nodes.push({ cell: i + 1, node: src });
      sources.push({ cell: i + 1, source: text });
    });
    return new Notebook(raw, nodes, sources);
  }

  /**
   * A notebook known only by its code cells' texts (an editor's notebook document: the
   * language server gets cells, not JSON). It has a program and cell mapping; the JSON-writing
   * methods ({@link applyProgramEdits}, {@link withCellSources}, {@link rawOffset}) do not apply.
   * @param cells code cells in notebook order, `cell` 1-based positions among all cells (increasing).
   */
  static fromCells(cells: ReadonlyArray<{ cell: number; source: string }>): Notebook {
    return new Notebook('', [], cells);
  }

  /**
   * The cell holding a program offset, or null for an offset in the `\n` added after a cell
   * that did not end with one. An offset at a cell's end (insertion point) belongs to it.
   */
  cellAt(offset: number): CellOffset | null {
    const c = this.codeCellAt(offset);
    if (!c) return null;
    const local = offset - c.start;
    return local <= c.source.length ? { cell: c.cell, offset: local } : null;
  }

  /** The code cell whose program range (with its trailing `\n`) contains `offset`, else the last. */
  codeCellAt(offset: number): CodeCell | null {
    let lo = 0;
    let hi = this.cells.length - 1;
    if (hi < 0) return null;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.cells[mid].start <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.cells[lo];
  }

  /** The code cell with 1-based notebook position `cell`. */
  cell(cell: number): CodeCell | undefined {
    return this.cells.find((c) => c.cell === cell);
  }

  /**
   * A program edit as an edit of one cell's source: the cell and the UTF-16 offsets in its
   * source, or why it cannot be one (it reaches past the cell's text, into the `\n` added after
   * it or another cell, or it changes masked IPython syntax).
   */
  cellEdit(e: Span): { cell: CodeCell; start: number; end: number } | string {
    const c = this.codeCellAt(e.start);
    if (!c) return 'an edit lies outside every code cell';
    const start = e.start - c.start;
    const end = e.end - c.start;
    if (start < 0 || end < start || start > c.source.length || end > c.source.length) return `an edit crosses the end of cell ${c.cell}`;
    for (let i = start; i < end; i++) {
      if (c.masked[i] !== c.source[i]) return `an edit changes IPython syntax in cell ${c.cell}`;
    }
    return { cell: c, start, end };
  }

  /**
   * Apply edits given in program offsets to the cells' sources.
   * @returns the notebook with the edited JSON text (everything outside the edited cells'
   *   `source` values unchanged).
   * @throws NotebookError when an edit spans two cells, touches the `\n` added between cells,
   *   or changes masked IPython syntax.
   */
  applyProgramEdits(edits: readonly Edit[]): Notebook {
    const perCell = new Map<number, Edit[]>();
    for (const e of [...edits].sort((a, b) => a.start - b.start || a.end - b.end)) {
      const local = this.cellEdit(e);
      if (typeof local === 'string') throw new NotebookError(local);
      const { cell: c, start, end } = local;
      let list = perCell.get(c.cell);
      if (!list) perCell.set(c.cell, (list = []));
      list.push({ start, end, content: e.content });
    }
    const next = new Map<number, string>();
    for (const [cell, list] of perCell) {
      const c = this.cell(cell)!;
      let src = c.source;
      let masked = c.masked;
      for (const e of [...list].reverse()) {
        src = src.slice(0, e.start) + e.content + src.slice(e.end);
        masked = masked.slice(0, e.start) + e.content + masked.slice(e.end);
      }
      // The edited cell must read as the edited program does (e.g. text inserted into a `%%bash`
      // cell or a magic line would be masked, not run).
      if (maskCell(src) !== masked) throw new NotebookError(`an edit changes IPython syntax in cell ${cell}`);
      next.set(cell, src);
    }
    return this.withCellSources(next);
  }

  /**
   * The notebook with new sources for some code cells (by 1-based cell number), written into
   * the JSON text in the cell's existing style: a string stays a string; in an array, unchanged
   * lines keep their exact text and a changed line count re-renders the array with the
   * indentation it had.
   * @throws NotebookError when `cell` is not a code cell, or the result does not re-parse to
   *   the expected sources (never happens for a well-formed notebook; guards the write).
   */
  withCellSources(sources: ReadonlyMap<number, string>): Notebook {
    if (this.nodes.length === 0 && this.cells.length > 0) throw new NotebookError('this notebook has no JSON text (built from cells)');
    const edits: Edit[] = [];
    for (const [cell, text] of sources) {
      const n = this.nodes.find((x) => x.cell === cell);
      if (!n) throw new NotebookError(`cell ${cell} is not a code cell`);
      if (sourceText(n.node) === text) continue;
      edits.push(...this.sourceEdits(n.node, text));
    }
    edits.sort((a, b) => b.start - a.start);
    let raw = this.raw;
    for (const e of edits) raw = raw.slice(0, e.start) + e.content + raw.slice(e.end);
    const result = Notebook.parse(raw);
    for (const c of result.cells) {
      const want = sources.get(c.cell) ?? this.cell(c.cell)?.source;
      if (want !== c.source) throw new NotebookError(`internal error: cell ${c.cell} did not round-trip`);
    }
    return result;
  }

  private sourceEdits(node: Node, text: string): Edit[] {
    if (node.type === 'string') return [{ start: node.offset, end: node.offset + node.length, content: jsonString(text) }];
    const elems = node.children ?? [];
    const lines = splitLinesKeepEnds(text);
    if (lines.length === elems.length) {
      const out: Edit[] = [];
      elems.forEach((el, i) => {
        if (el.value !== lines[i]) out.push({ start: el.offset, end: el.offset + el.length, content: jsonString(lines[i]) });
      });
      return out;
    }
    // Re-render the array with its own layout: the whitespace before the first element and
    // before `]` (nbformat writes one element per line, indented one space deeper).
    const open = node.offset + 1;
    const close = node.offset + node.length - 1;
    let sep = ', ';
    let lead = '';
    let trail = '';
    if (elems.length > 0) {
      lead = this.raw.slice(open, elems[0].offset);
      trail = this.raw.slice(elems[elems.length - 1].offset + elems[elems.length - 1].length, close);
      sep = ',' + lead;
    } else {
      const lineStart = this.raw.lastIndexOf('\n', node.offset) + 1;
      const indent = /^[ \t]*/.exec(this.raw.slice(lineStart))![0];
      if (lines.length > 0 && this.raw.includes('\n')) {
        lead = '\n' + indent + ' ';
        trail = '\n' + indent;
        sep = ',' + lead;
      }
    }
    return [{ start: open, end: close, content: lines.length ? lead + lines.map(jsonString).join(sep) + trail : '' }];
  }

  /**
   * Where a program offset lies in the JSON text: the offset inside the string literal that
   * holds it (escapes accounted for), or null when it is not inside a cell's source.
   */
  rawOffset(offset: number): number | null {
    const at = this.cellAt(offset);
    if (!at) return null;
    const n = this.nodes.find((x) => x.cell === at.cell);
    if (!n) return null;
    const pieces = n.node.type === 'string' ? [n.node] : (n.node.children ?? []);
    let rest = at.offset;
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i];
      const value = p.value as string;
      if (rest < value.length || (i === pieces.length - 1 && rest === value.length)) return literalOffset(this.raw, p.offset, rest);
      rest -= value.length;
    }
    return n.node.offset;
  }
}

/**
 * Minimal edits that turn `before` into `after`: a line diff (jsdiff's `diffLines`), each
 * changed hunk trimmed to the characters that differ (common prefix first). Offsets are UTF-16
 * offsets into `before`, sorted, non-overlapping.
 */
export function programEdits(before: string, after: string): Edit[] {
  const parts = diffLines(before, after);
  const edits: Edit[] = [];
  let pos = 0;
  for (let i = 0; i < parts.length; i++) {
    if (!parts[i].added && !parts[i].removed) {
      pos += parts[i].value.length;
      continue;
    }
    let removed = '';
    let added = '';
    for (; i < parts.length && (parts[i].added || parts[i].removed); i++) {
      if (parts[i].removed) removed += parts[i].value;
      else added += parts[i].value;
    }
    i--;
    let p = 0;
    while (p < removed.length && p < added.length && removed[p] === added[p]) p++;
    let q = 0;
    while (q < removed.length - p && q < added.length - p && removed[removed.length - 1 - q] === added[added.length - 1 - q]) q++;
    edits.push({ start: pos + p, end: pos + removed.length - q, content: added.slice(p, added.length - q) });
    pos += removed.length;
  }
  return edits;
}

/** Raw offset of the `index`-th decoded UTF-16 unit of the JSON string literal at `literalStart`. */
function literalOffset(raw: string, literalStart: number, index: number): number {
  let i = literalStart + 1; // after the opening quote
  for (let k = 0; k < index; k++) {
    if (raw[i] === '\\') i += raw[i + 1] === 'u' ? 6 : 2;
    else i++;
  }
  return i;
}
