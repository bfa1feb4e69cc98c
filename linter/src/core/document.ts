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
import { lowerPython, type ReuseStatements } from '../model/python/lower';
import type { Stmt } from '../model/python/ir';
import { emptySuppressions } from './suppression';
import { scanSuppressionsFor } from './suppression-script';
import { sourceLangOf, type SourceLang } from './source-kind';
import { lowerTypeScript } from '../model/ts/lower';

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

/** A module-level statement node of the last lowering and the IR statements it gave. */
interface LoweredChild {
  start: number;
  end: number;
  stmts: Stmt[];
}

/**
 * Moves every offset of IR statements by `delta`, in place (spans and `bodyStart`). Requires
 * statements without shared objects ({@link unshareSpans}): each object is reached once.
 */
function shiftInPlace(value: unknown, delta: number): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) if (v !== null && typeof v === 'object') shiftInPlace(v, delta);
    return;
  }
  const o = value as Record<string, unknown>;
  if (typeof o.start === 'number' && typeof o.end === 'number') {
    o.start += delta;
    o.end += delta;
  }
  if (typeof o.bodyStart === 'number') o.bodyStart += delta;
  for (const k in o) {
    const v = o[k];
    if (v !== null && typeof v === 'object') shiftInPlace(v, delta);
  }
}

/**
 * Gives every place in `value` its own objects: the lowering shares span objects between
 * nodes (a statement and its value, the imports of one statement), which an in-place shift
 * would move twice. A shared object is replaced by a deep copy where it is met again.
 */
function unshareSpans(value: unknown, seen: Set<object>): void {
  if (value === null || typeof value !== 'object') return;
  const o = value as Record<string, unknown>;
  for (const k in o) {
    const v = o[k];
    if (v === null || typeof v !== 'object') continue;
    if (seen.has(v)) o[k] = structuredClone(v);
    else {
      seen.add(v);
      unshareSpans(v, seen);
    }
  }
}

/**
 * One document's text and tree. Create with `Engine.openDocument`; call {@link dispose} when the
 * document closes (trees live in WASM memory and are freed explicitly).
 */
export class ParsedDocument {
  private tree: Tree | null;
  private factsMemo: FileFacts | null = null;
  /** Module-level statements of the last lowering, in the coordinates of the text it lowered. */
  private children: LoweredChild[] | null = null;
  /** Edits since that lowering, in order: `[start, oldEnd)` became `[start, newEnd)`. */
  private editsSince: Array<{ start: number; oldEnd: number; newEnd: number }> = [];
  /** Module-level statement nodes the last lowering reused and lowered (for tests and benchmarks). */
  lastLowering = { reused: 0, lowered: 0 };
  /** The tree of that lowering, edited along (for `getChangedRanges`). */
  private loweredTree: Tree | null = null;

  /** @internal (use `Engine.openDocument`). */
  constructor(
    private readonly parser: PythonParser,
    readonly path: string,
    private text_: string,
    private readonly maxChars: number,
  ) {
    this.lang = sourceLangOf(path);
    this.tree = this.parseable(text_) ? parser.parse(text_, null, this.lang!) : null;
  }

  /** The grammar of the document (by its path), or null when the engine does not analyze it. */
  private readonly lang: SourceLang | null;

  private parseable(text: string): boolean {
    return this.lang !== null && text.length <= this.maxChars;
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
        const edit = new Edit({
          startIndex: c.start,
          oldEndIndex: c.end,
          newEndIndex: c.start + c.text.length,
          startPosition,
          oldEndPosition: advance(startPosition, text.slice(c.start, c.end)),
          newEndPosition: advance(startPosition, c.text),
        });
        this.tree.edit(edit);
        this.loweredTree?.edit(edit);
      }
      text = text.slice(0, c.start) + c.text + text.slice(c.end);
      this.editsSince.push({ start: c.start, oldEnd: c.end, newEnd: c.start + c.text.length });
    }
    this.replace(text, true);
  }

  /** Replaces the whole text (a full-document sync), re-parsing from scratch. */
  setText(text: string): void {
    this.replace(text, false);
  }

  private replace(text: string, incremental: boolean): void {
    if (!incremental) this.forgetLowering();
    const old = this.tree;
    this.text_ = text;
    this.factsMemo = null;
    this.tree = this.parseable(text) ? this.parser.parse(text, incremental ? old : null, this.lang!) : null;
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
    if (this.lang === null) facts = { path, ir: null, suppressions: emptySuppressions(), skipped: 'not-python' };
    else if (!this.tree) facts = { path, ir: null, suppressions: emptySuppressions(), skipped: 'too-large' };
    else {
      try {
        facts = { path, ir: this.lower(this.tree), suppressions: scanSuppressionsFor(path, this.text_), skipped: null };
      } catch {
        facts = { path, ir: null, suppressions: emptySuppressions(), skipped: 'parse-failed' };
      }
    }
    return (this.factsMemo = facts);
  }

  /**
   * Lowers the current tree, reusing the IR of module-level statements that no edit touched
   * since the last lowering (shifted to their new offsets): after a keystroke only the statement
   * being edited is lowered again. The result equals a full lowering (tested).
   */
  private lower(tree: Tree): ReturnType<typeof lowerPython> {
    // TypeScript/JavaScript: lowered whole (no statement reuse yet).
    if (this.lang !== 'python') return lowerTypeScript(tree, this.text_);
    const prev = this.children;
    const edits = this.editsSince;
    // Where the syntax changed, beyond the edited text (tree-sitter's own comparison).
    const changed = this.loweredTree ? this.loweredTree.getChangedRanges(tree) : [];
    const next: LoweredChild[] = [];
    const byRange = new Map<string, LoweredChild>();
    for (const c of prev ?? []) byRange.set(`${c.start}:${c.end}`, c);
    /** The range `[s, e)` of the current text had before the edits, or null if an edit touched it. */
    const before = (s: number, e: number): [number, number] | null => {
      for (let i = edits.length - 1; i >= 0; i--) {
        const ed = edits[i];
        if (e <= ed.start) continue;
        if (s < ed.newEnd) return null;
        const d = ed.newEnd - ed.oldEnd;
        s -= d;
        e -= d;
      }
      return [s, e];
    };
    const reuse: ReuseStatements = (s, e) => {
      if (!prev || changed.some((r) => r.startIndex < e && s < r.endIndex)) return null;
      const was = before(s, e);
      const old = was && byRange.get(`${was[0]}:${was[1]}`);
      if (!old) return null;
      if (s !== old.start) shiftInPlace(old.stmts, s - old.start);
      const stmts = old.stmts;
      next.push({ start: s, end: e, stmts });
      return stmts;
    };
    let lowered = 0;
    reuse.lowered = (s, e, stmts) => {
      lowered++;
      unshareSpans(stmts, new Set());
      next.push({ start: s, end: e, stmts });
    };
    const ir = lowerPython(tree, this.text_, reuse);
    this.lastLowering = { reused: next.length - lowered, lowered };
    this.forgetLowering();
    this.children = next;
    this.loweredTree = tree.copy();
    return ir;
  }

  private forgetLowering(): void {
    this.children = null;
    this.editsSince = [];
    this.loweredTree?.delete();
    this.loweredTree = null;
  }

  /** Frees the tree. The document must not be used afterwards. */
  dispose(): void {
    this.forgetLowering();
    this.tree?.delete();
    this.tree = null;
  }
}
