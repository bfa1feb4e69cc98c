/**
 * An open document: its text and its tree-sitter tree, re-parsed incrementally after edits
 * (`tree.edit` + parse with the old tree), for the language server.
 *
 * Units: every offset is a UTF-16 code-unit offset into the document's text, and tree-sitter
 * points are `{ row: 0-based line, column: UTF-16 code units from the line start }` (what
 * web-tree-sitter uses for trees parsed from JS strings).
 */
import { Edit, type Point, type Tree } from 'web-tree-sitter';
import type { FileFacts } from './engine';
import type { PythonParser } from '../parse/parser';
import { lowerPython } from '../model/python/lower';
import { emptySuppressions, scanSuppressions } from './suppression';

/** Replace `[start, end)` of the current text with `text` (UTF-16 code-unit offsets). */
export interface TextChange {
  start: number;
  end: number;
  text: string;
}

/** The point (0-based row, UTF-16 column) of `offset` in `text`. */
function pointAt(text: string, offset: number): Point {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: offset - lineStart };
}

/** The point reached from `start` by inserting `inserted`. */
function advance(start: Point, inserted: string): Point {
  const lastNl = inserted.lastIndexOf('\n');
  if (lastNl === -1) return { row: start.row, column: start.column + inserted.length };
  let rows = 0;
  for (let i = inserted.indexOf('\n'); i !== -1; i = inserted.indexOf('\n', i + 1)) rows++;
  return { row: start.row + rows, column: inserted.length - lastNl - 1 };
}

/**
 * One document's text and tree. Create with `Engine.openDocument`; call {@link dispose} when the
 * document closes (trees live in WASM memory and are freed explicitly).
 */
export class ParsedDocument {
  private tree: Tree | null;
  private factsMemo: FileFacts | null = null;

  /** @internal (use `Engine.openDocument`). */
  constructor(
    private readonly parser: PythonParser,
    readonly path: string,
    private text_: string,
    private readonly maxChars: number,
  ) {
    this.tree = this.parseable(text_) ? parser.parse(text_) : null;
  }

  private parseable(text: string): boolean {
    return /\.pyi?$/.test(this.path) && text.length <= this.maxChars;
  }

  /** The current text. */
  get text(): string {
    return this.text_;
  }

  /**
   * Applies `changes` in order (each relative to the text the previous ones produced) and
   * re-parses incrementally.
   * @throws RangeError when a change's range is outside the text or reversed.
   */
  update(changes: readonly TextChange[]): void {
    let text = this.text_;
    for (const c of changes) {
      if (!(c.start >= 0 && c.start <= c.end && c.end <= text.length)) {
        throw new RangeError(`change [${c.start}, ${c.end}) outside the document (length ${text.length})`);
      }
      if (this.tree) {
        const startPosition = pointAt(text, c.start);
        this.tree.edit(new Edit({
          startIndex: c.start,
          oldEndIndex: c.end,
          newEndIndex: c.start + c.text.length,
          startPosition,
          oldEndPosition: advance(startPosition, text.slice(c.start, c.end)),
          newEndPosition: advance(startPosition, c.text),
        }));
      }
      text = text.slice(0, c.start) + c.text + text.slice(c.end);
    }
    this.replace(text, true);
  }

  /** Replaces the whole text (a full-document sync), re-parsing from scratch. */
  setText(text: string): void {
    this.replace(text, false);
  }

  private replace(text: string, incremental: boolean): void {
    const old = this.tree;
    this.text_ = text;
    this.factsMemo = null;
    this.tree = this.parseable(text) ? this.parser.parse(text, incremental ? old : null) : null;
    old?.delete();
  }

  /**
   * The file's facts for the current text (memoized until the next change); the same as
   * `Engine.analyze({ path, text })` would compute.
   */
  facts(): FileFacts {
    if (this.factsMemo) return this.factsMemo;
    const path = this.path;
    let facts: FileFacts;
    if (!/\.pyi?$/.test(path)) facts = { path, ir: null, suppressions: emptySuppressions(), skipped: 'not-python' };
    else if (!this.tree) facts = { path, ir: null, suppressions: emptySuppressions(), skipped: 'too-large' };
    else {
      try {
        facts = { path, ir: lowerPython(this.tree, this.text_), suppressions: scanSuppressions(this.text_), skipped: null };
      } catch {
        facts = { path, ir: null, suppressions: emptySuppressions(), skipped: 'parse-failed' };
      }
    }
    return (this.factsMemo = facts);
  }

  /** Frees the tree. The document must not be used afterwards. */
  dispose(): void {
    this.tree?.delete();
    this.tree = null;
  }
}
