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
import { editKeepsSuppressions, emptySuppressions, scanSuppressionsLexed, shiftSuppressions, type Suppressions } from './suppression';
import type { Span } from './diagnostic';
import { scanSuppressionsFor } from './suppression-script';
import { danglingAfterChange, danglingAssignments } from '../parse/logical-lines';
import { isScriptPath, sourceLangOf, type SourceLang } from './source-kind';
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

/**
 * A module-level statement node of the last lowering and the IR statements it gave, or (in
 * `members`) a statement node inside one.
 */
interface LoweredChild {
  start: number;
  end: number;
  stmts: Stmt[];
  /** Every object of `stmts` that holds offsets (see {@link ownOffsets}), members' included. */
  holders: OffsetHolders;
  /**
   * The statement nodes inside this one that were reused or lowered on their own (a class's
   * members, a function's body statements, ...; their `stmts` are inside this one's), or null
   * when it was lowered whole.
   */
  members: LoweredChild[] | null;
}

/** The objects of some IR that hold offsets: spans (`start`/`end`) and function defs (`bodyStart`). */
interface OffsetHolders {
  spans: Array<{ start: number; end: number }>;
  bodies: Array<{ bodyStart: number }>;
}

/**
 * Makes every place in freshly lowered IR its own objects and collects the objects that hold
 * offsets, in one walk, so that moving a statement after an edit is a loop over two arrays
 * rather than a walk of the whole IR (every statement after the edit moves on each keystroke).
 * The lowering shares span objects between nodes (a statement and its value, the imports of one
 * statement), which an in-place shift would move twice: a shared object is replaced by a deep
 * copy where it is met again. Objects in `skip` (reused members, whose holders are known) are
 * left alone.
 */
function ownOffsets(value: object, skip?: ReadonlySet<object>): OffsetHolders {
  const into: OffsetHolders = { spans: [], bodies: [] };
  const seen = new Set<object>();
  const visit = (o: Record<string, unknown>): void => {
    if (!Array.isArray(o)) {
      if (typeof o.start === 'number' && typeof o.end === 'number') into.spans.push(o as { start: number; end: number });
      if (typeof o.bodyStart === 'number') into.bodies.push(o as { bodyStart: number });
    }
    for (const k in o) {
      let v = o[k];
      if (v === null || typeof v !== 'object' || skip?.has(v)) continue;
      if (seen.has(v)) o[k] = v = structuredClone(v);
      seen.add(v as object);
      visit(v as Record<string, unknown>);
    }
  };
  visit(value as Record<string, unknown>);
  return into;
}

/** Moves every offset of a lowered statement's IR by `delta`, in place. */
function shiftInPlace(h: OffsetHolders, delta: number): void {
  for (const s of h.spans) {
    s.start += delta;
    s.end += delta;
  }
  for (const b of h.bodies) b.bodyStart += delta;
}

/** Moves a lowered node's range, and its members' ranges, by `delta` (its IR moves by its holders). */
function shiftRanges(child: LoweredChild, delta: number): void {
  child.start += delta;
  child.end += delta;
  if (child.members) for (const m of child.members) shiftRanges(m, delta);
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
  /** Full scans for suppression directives so far (the others moved the last ones along; for tests). */
  directiveScans = 0;
  /**
   * Module-level statement nodes the last lowering reused and lowered, and the statement nodes
   * it reused inside the module-level statements it lowered (for tests and benchmarks).
   */
  lastLowering = { reused: 0, lowered: 0, reusedMembers: 0 };
  /** The tree of that lowering, edited along (for `getChangedRanges`). */
  private loweredTree: Tree | null = null;
  /**
   * Python: the directives of the current text and the comments they were found in, kept
   * across edits that cannot change them (moved along), so a keystroke does not re-lex the
   * whole file. Null: scan again.
   */
  private directives: { suppressions: Suppressions; comments: Span[] | null } | null = null;

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
    let dirs = this.directives;
    // The operators the parser read as spaces in the old text, moved along the changes (those
    // a change touches are inside its edited range already).
    let masked: readonly Span[] = this.tree && this.lang === 'python' ? danglingAssignments(text) : [];
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
      if (dirs) dirs = dirs.comments && editKeepsSuppressions(text, c.start, c.end, c.text, dirs.comments) ? shiftSuppressions(dirs, c.end, c.text.length - (c.end - c.start)) : null;
      const delta = c.text.length - (c.end - c.start);
      masked = masked.filter((m) => m.end < c.start || m.start > c.end).map((m) => (m.start > c.end ? { start: m.start + delta, end: m.end + delta } : m));
      const prev = text;
      text = text.slice(0, c.start) + c.text + text.slice(c.end);
      if (this.tree && this.lang === 'python') danglingAfterChange(prev, text, c.start, c.start + c.text.length);
      this.editsSince.push({ start: c.start, oldEnd: c.end, newEnd: c.start + c.text.length });
    }
    this.directives = dirs;
    if (this.tree && this.lang === 'python') this.editMasking(text, masked);
    this.replace(text, true);
  }

  /**
   * The parser reads a dangling assignment operator as spaces (see `maskDangling`): where that
   * differs between the old text (its masked operators `before`, moved to the new text's
   * offsets) and `text` outside the edited ranges (typing `1` after `x = ` unmasks the `=`
   * before it; opening a bracket above can unmask a line below), the old tree gets a
   * same-length edit, so the incremental parse sees every character that changed.
   */
  private editMasking(text: string, before: readonly Span[]): void {
    const now = danglingAssignments(text);
    const key = (m: Span): string => `${m.start}:${m.end}`;
    const had = new Set(before.map(key));
    const has = new Set(now.map(key));
    const changed = [...before.filter((m) => !has.has(key(m))), ...now.filter((m) => !had.has(key(m)))];
    for (const m of changed) {
      const startPosition = pointAt(text, m.start);
      const endPosition = { row: startPosition.row, column: startPosition.column + (m.end - m.start) };
      const edit = new Edit({ startIndex: m.start, oldEndIndex: m.end, newEndIndex: m.end, startPosition, oldEndPosition: endPosition, newEndPosition: endPosition });
      this.tree!.edit(edit);
      this.loweredTree?.edit(edit);
      // The statement around it is lowered again, like one the user edited.
      this.editsSince.push({ start: m.start, oldEnd: m.end, newEnd: m.end });
    }
  }

  /** Replaces the whole text (a full-document sync), re-parsing from scratch. */
  setText(text: string): void {
    this.replace(text, false);
  }

  private replace(text: string, incremental: boolean): void {
    if (!incremental) {
      this.forgetLowering();
      this.directives = null;
    }
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
        facts = { path, ir: this.lower(this.tree), suppressions: this.suppressions(), skipped: null };
      } catch {
        facts = { path, ir: null, suppressions: emptySuppressions(), skipped: 'parse-failed' };
      }
    }
    return (this.factsMemo = facts);
  }

  /** The suppression directives of the current text (Python: moved along while edits keep them). */
  private suppressions(): Suppressions {
    if (this.lang !== 'python' || isScriptPath(this.path)) return scanSuppressionsFor(this.path, this.text_);
    if (!this.directives) {
      this.directives = scanSuppressionsLexed(this.text_);
      this.directiveScans++;
    }
    return this.directives.suppressions;
  }

  /**
   * Lowers the current tree, reusing the IR of statements that no edit touched since the last
   * lowering (shifted to their new offsets), at module level and, inside a module-level
   * statement lowered again, at any depth: after a keystroke in a method only the statement
   * being edited and the statements around it are lowered again. The result equals a full
   * lowering (tested).
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
    /** The earlier lowering of an inner statement node at `[s, e)` (earlier coordinates): found by descending from the module-level node around it. */
    const innerAt = (s: number, e: number): LoweredChild | null => {
      const top = prev!;
      let lo = 0;
      let hi = top.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (top[mid].start <= s) lo = mid;
        else hi = mid - 1;
      }
      let c: LoweredChild | undefined = top[lo];
      while (c && c.start <= s && e <= c.end) {
        if (c.start === s && c.end === e && c !== top[lo]) return c;
        c = c.members?.find((m) => m.start <= s && e <= m.end);
      }
      return null;
    };
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
    /** The earlier lowering of node `[s, e)` from `known`, moved to its new offsets, or null. */
    const find = (inner: boolean, s: number, e: number): LoweredChild | null => {
      // From the line break before it: the lowering reads the indentation before a node (a
      // one-line body's `bodyIndent`), which an edit of that line's start changes.
      const ls = Math.max(0, this.text_.lastIndexOf('\n', s - 1));
      if (!prev || changed.some((r) => r.startIndex < e && ls < r.endIndex)) return null;
      if (ls < s && before(ls, s) === null) return null;
      const was = before(s, e);
      const old = was && (inner ? innerAt(was[0], was[1]) : byRange.get(`${was[0]}:${was[1]}`));
      if (!old) return null;
      if (s !== old.start) {
        shiftInPlace(old.holders, s - old.start);
        shiftRanges(old, s - old.start);
      }
      return old;
    };
    // Inner statements reused or lowered and not yet claimed by the statement around them, in
    // order: a statement lowered after those inside it claims the ones in its range.
    const pending: LoweredChild[] = [];
    let reusedMembers = 0;
    const node = (s: number, e: number, stmts: Stmt[]): LoweredChild => {
      let i = pending.length;
      while (i > 0 && pending[i - 1].start >= s && pending[i - 1].end <= e) i--;
      if (i === pending.length) return { start: s, end: e, stmts, holders: ownOffsets(stmts), members: null };
      // Lowered again around reused or lowered statements: walk only its own parts, then add theirs.
      const members = pending.splice(i);
      const skip = new Set<object>(members.flatMap((m) => m.stmts));
      const holders = ownOffsets(stmts, skip);
      for (const m of members) {
        for (const x of m.holders.spans) holders.spans.push(x);
        for (const x of m.holders.bodies) holders.bodies.push(x);
      }
      return { start: s, end: e, stmts, holders, members };
    };
    const reuse: ReuseStatements = (s, e) => {
      const old = find(false, s, e);
      if (old) next.push(old);
      return old ? old.stmts : null;
    };
    let lowered = 0;
    reuse.lowered = (s, e, stmts) => {
      lowered++;
      next.push(node(s, e, stmts));
    };
    const innerReuse: ReuseStatements = (s, e) => {
      const old = find(true, s, e);
      if (!old) return null;
      reusedMembers++;
      pending.push(old);
      return old.stmts;
    };
    innerReuse.lowered = (s, e, stmts) => {
      pending.push(node(s, e, stmts));
    };
    reuse.members = innerReuse;
    const ir = lowerPython(tree, this.text_, reuse);
    this.lastLowering = { reused: next.length - lowered, lowered, reusedMembers };
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
