/**
 * The cursor-walk machinery that the two lowerings to the Python IR share: Python
 * (`python/lower.ts`) and TypeScript/JavaScript (`ts/lower.ts`). Each of them keeps only its
 * language's mapping; what is the same is here.
 *
 * How a lowering walks: one web-tree-sitter `TreeCursor`, moved by recursive descent. Every
 * cursor call crosses the WASM boundary and costs far more than the JavaScript around it, so
 * the walk asks only for what it uses:
 * - node types are numeric ids mapped to a *kind* through a per-language table
 *   ({@link grammarTables}); field names are never read;
 * - in an error-free tree ({@link CursorLowering.guided}) offsets are read from the text where
 *   it is unambiguous instead of being asked of the tree; in a tree with errors (MISSING nodes
 *   can be zero-width) every offset comes from tree-sitter.
 *
 * Kinds: a lowering numbers its kinds around the shared landmarks below. Kinds under
 * {@link MEANINGFUL} are ignored as children ({@link ANON} tokens, comments, string pieces,
 * types, {@link ERROR} nodes); {@link FIRST_EXPR}..{@link LAST_EXPR} are expressions; any
 * other kind from {@link MEANINGFUL} on is a node whose expressions are looked through.
 *
 * Pure: no file system or editor API. Units: every offset and span is in UTF-16 code units
 * into the string that was parsed.
 */
import { Query } from 'web-tree-sitter';
import type { Language, Tree, TreeCursor } from 'web-tree-sitter';
import type { Span } from '../core/diagnostic';
import type { Expr, OtherExpr, Stmt } from './python/ir';

/** Kind of an anonymous token (keyword, operator, punctuation). */
export const ANON = 0;
/** Kind of an ERROR node: reported by the error query, never lowered. */
export const ERROR = 3;
/** The first kind a lowering does something with; smaller kinds are ignored as children. */
export const MEANINGFUL = 8;
/** Kind of a named node the lowering has no entry for: its expressions are looked through. */
export const WRAPPER = MEANINGFUL;
/** The first expression kind. */
export const FIRST_EXPR = 10;
/** The last expression kind (statement and structural kinds come after it). */
export const LAST_EXPR = 40;

/** Nesting levels (statements and expressions together) lowered before giving up on a subtree. */
export const MAX_DEPTH = 400;

/** tree-sitter's type id for ERROR nodes. */
export const ERROR_TYPE_ID = 0xffff;

/** Per-language lookup tables, built once per loaded grammar. */
export interface GrammarTables {
  /** Node type id → kind (indexable by any 16-bit id, ERROR included). */
  readonly kinds: Uint8Array;
  /** Node type id → type name (the text of an anonymous token); undefined for hidden symbols. */
  readonly types: readonly string[];
  /** Captures every ERROR and MISSING node. */
  readonly errorQuery: Query;
}

/**
 * Builds the tables of one grammar: each named node type gets `namedKinds[name]`, or
 * `fallback(name)` when it has no entry; anonymous tokens are {@link ANON}, ERROR is
 * {@link ERROR}.
 */
export function grammarTables(
  language: Language,
  namedKinds: Readonly<Record<string, number>>,
  fallback: (name: string) => number,
): GrammarTables {
  const kinds = new Uint8Array(0x10000);
  for (let id = 0; id < language.nodeTypeCount; id++) {
    const name = language.nodeTypeForId(id);
    if (name === null || !language.nodeTypeIsNamed(id)) continue;
    kinds[id] = namedKinds[name] ?? fallback(name);
  }
  kinds[ERROR_TYPE_ID] = ERROR;
  return { kinds, types: language.types, errorQuery: new Query(language, '(ERROR) @error (MISSING) @missing') };
}

/** `build`, called once per loaded language and remembered for as long as the language lives. */
export function perLanguage<G>(build: (language: Language) => G): (language: Language) => G {
  const cache = new WeakMap<Language, G>();
  return (language) => {
    let g = cache.get(language);
    if (g === undefined) {
      g = build(language);
      cache.set(language, g);
    }
    return g;
  };
}

/**
 * Runs a lowering over `tree`: collects the spans of its ERROR and MISSING nodes (with one
 * query, only over the module-level statements that hold an error: after a keystroke in a large
 * file, one statement instead of the whole tree) and calls `lower` with a cursor on the root,
 * which it deletes afterwards. A root ERROR node (nothing parsed as a module) holds no statement
 * worth lowering: its body is empty.
 *
 * @param lower - Lowers the module's statements; `hasError` says whether the tree has errors,
 *   `errors` are their spans (UTF-16 offsets).
 */
export function lowerTree(
  tree: Tree,
  g: GrammarTables,
  lower: (cursor: TreeCursor, hasError: boolean, errors: Span[]) => Stmt[],
): { body: Stmt[]; errors: Span[] } {
  const root = tree.rootNode;
  const errors: Span[] = [];
  const hasError = root.hasError;
  if (hasError) {
    const parts = root.type === 'ERROR' ? [root] : root.children.filter((n): n is NonNullable<typeof n> => n !== null && n.hasError);
    for (const part of parts) {
      for (const { node } of g.errorQuery.captures(part)) errors.push({ start: node.startIndex, end: node.endIndex });
    }
  }
  const cursor = tree.walk();
  try {
    const body = g.kinds[cursor.nodeTypeId] === ERROR ? [] : lower(cursor, hasError, errors);
    return { body, errors };
  } finally {
    cursor.delete();
  }
}

/** Zero-width `other` placeholder (kind `ERROR`) at `at`, for a child that the (erroneous) tree lacks. */
export function missing(at: number): OtherExpr {
  return { k: 'other', kind: 'ERROR', parts: [], span: { start: at, end: at } };
}

/** Whether `kind` is an expression kind ({@link FIRST_EXPR}..{@link LAST_EXPR}). */
export function isExpr(kind: number): boolean {
  return kind >= FIRST_EXPR && kind <= LAST_EXPR;
}

/** The first offset at or after `i` that is not a space, tab, form feed, CR or LF. */
export function skipBlank(text: string, i: number): number {
  for (;;) {
    const ch = text.charCodeAt(i);
    if (ch === 32 || ch === 10 || ch === 9 || ch === 13 || ch === 12) i++;
    else return i;
  }
}

function isDigitOrUnderscore(ch: number): boolean {
  return (ch >= 48 && ch <= 57) || ch === 95;
}

/**
 * The end offset of the number token at offset `i`: `0x`/`0o`/`0b` and hex digits, or digits
 * with an optional `.` fraction and exponent (`_` separators allowed), then one more character
 * if `suffix(ch, prefixed)` accepts it (`prefixed`: the `0x`/`0o`/`0b` form), such as Python's
 * `j` or JavaScript's `n`. The caller double-checks that no identifier character follows.
 */
export function numberEnd(text: string, i: number, suffix: (ch: number, prefixed: boolean) => boolean): number {
  const base = text.charCodeAt(i + 1) | 0x20;
  if (text.charCodeAt(i) === 48 && (base === 0x78 || base === 0x6f || base === 0x62)) {
    i += 2;
    let ch = text.charCodeAt(i);
    while (isDigitOrUnderscore(ch) || ((ch | 0x20) >= 0x61 && (ch | 0x20) <= 0x66)) ch = text.charCodeAt(++i);
    return suffix(ch, true) ? i + 1 : i;
  }
  while (isDigitOrUnderscore(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) === 46 /* . */) {
    i++;
    while (isDigitOrUnderscore(text.charCodeAt(i))) i++;
  }
  if ((text.charCodeAt(i) | 0x20) === 0x65 /* e */) {
    let j = i + 1;
    if (text.charCodeAt(j) === 43 || text.charCodeAt(j) === 45) j++;
    if (isDigitOrUnderscore(text.charCodeAt(j))) {
      i = j;
      while (isDigitOrUnderscore(text.charCodeAt(i))) i++;
    }
  }
  return suffix(text.charCodeAt(i), false) ? i + 1 : i;
}

/** {@link CursorLowering.wrapped}: in an error-free tree too, ask the tree where the node ends. */
export const END_AT_NODE = 0;
/** {@link CursorLowering.wrapped}: the node ends with its operand (`await x`). */
export const END_AT_OPERAND = 1;
/** {@link CursorLowering.wrapped}: a `)` follows the operand (`(x)`). */
export const END_AT_PAREN = 2;

/**
 * The lowering of one tree: the cursor, the text, and the walk helpers both languages use. A
 * language's lowering extends it with its statements and expressions. Every method that lowers
 * a node expects the cursor on that node and leaves it there.
 */
export abstract class CursorLowering {
  /** Current nesting (statements and expressions); at {@link MAX_DEPTH} subtrees are cut off. */
  protected depth = 0;
  /**
   * Start and end (UTF-16 offsets) of the node that `expr` lowered last: wider than its IR span
   * for wrappers such as `(x)`.
   */
  protected lastStart = 0;
  protected lastEnd = 0;
  /** Node type id → kind. */
  protected readonly kinds: Uint8Array;
  /** Node type id → type name. */
  protected readonly types: readonly string[];
  /** The text may be read instead of the tree (see the module comment): the tree has no errors. */
  protected readonly guided: boolean;
  /** The characters that start a node standing between a list's comma and its next item. */
  private readonly itemNodeA: number;
  private readonly itemNodeB: number;

  /**
   * @param c - A cursor on the node to lower.
   * @param text - The exact string that was parsed.
   * @param g - The grammar's tables.
   * @param guided - Whether the text may be read instead of the tree (an error-free tree).
   * @param itemNodes - One or two characters that start a token that is a node of its own
   *   (a comment, Python's line continuation): after a list's comma, {@link afterItem} leaves
   *   such a node to the walk.
   */
  constructor(
    protected readonly c: TreeCursor,
    protected readonly text: string,
    g: GrammarTables,
    guided: boolean,
    itemNodes: string,
  ) {
    this.kinds = g.kinds;
    this.types = g.types;
    this.guided = guided;
    this.itemNodeA = itemNodes.charCodeAt(0);
    this.itemNodeB = itemNodes.charCodeAt(itemNodes.length - 1);
  }

  /**
   * Lowers the expression under the cursor (type id `t`) and records the node's start and end
   * in `lastStart`/`lastEnd`.
   */
  protected abstract expr(t: number): Expr;

  /** The statements of the block node under the cursor. */
  protected abstract blockBody(): Stmt[];

  /** The current node's span (UTF-16 offsets), from the tree. */
  protected span(): Span {
    return { start: this.c.startIndex, end: this.c.endIndex };
  }

  /** The span of the keyword leaf under the cursor (`True`, `this`, ...) of `length` characters. */
  protected keywordSpan(length: number): Span {
    const start = this.c.startIndex;
    return { start, end: this.guided ? start + length : this.c.endIndex };
  }

  /** The type name of type id `t` (`ERROR` for ERROR nodes). */
  protected typeName(t: number): string {
    return t === ERROR_TYPE_ID ? 'ERROR' : (this.types[t] ?? 'ERROR');
  }

  /** Nothing lowered below {@link MAX_DEPTH}: the node as an `other` without parts. */
  protected tooDeep(t: number): OtherExpr {
    return { k: 'other', kind: this.typeName(t), parts: [], span: this.span() };
  }

  /** The first meaningful child, lowered (`null` if there is none). */
  protected firstExpr(): Expr | null {
    const c = this.c;
    let e: Expr | null = null;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        if (this.kinds[t] >= MEANINGFUL) {
          e = this.expr(t);
          break;
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return e;
  }

  /** An `other` expression: its type and every nested expression. */
  protected other(t: number): OtherExpr {
    const span = this.span();
    const parts: Expr[] = [];
    this.parts(parts);
    return { k: 'other', kind: this.typeName(t), parts, span };
  }

  /**
   * Appends the expressions nested in the current node to `out`, in source order: expression
   * children are lowered, other named children are looked through.
   */
  protected parts(out: Expr[]): void {
    const c = this.c;
    if (!c.gotoFirstChild()) return;
    do {
      const t = c.nodeTypeId;
      const kind = this.kinds[t];
      if (kind < MEANINGFUL) continue;
      if (isExpr(kind)) out.push(this.expr(t));
      else if (this.depth < MAX_DEPTH) {
        this.depth++;
        this.parts(out);
        this.depth--;
      }
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  /**
   * A statement (type id `t`, kind `kind`) the lowering has no mapping for: an expression kind
   * is an `expr` statement; otherwise its children of kind `block` are its bodies, its
   * expressions (nested ones too) its `exprs`: a `block` statement if it has bodies, else a
   * `simple` one of kind `other` (null instead if it has no expressions and not `keepEmpty`).
   */
  protected otherStmt(t: number, kind: number, block: number, keepEmpty: boolean): Stmt | null {
    const span = this.span();
    if (isExpr(kind)) return { k: 'expr', value: this.expr(t), span };
    const c = this.c;
    const exprs: Expr[] = [];
    const bodies: Stmt[][] = [];
    if (c.gotoFirstChild()) {
      do {
        const ct = c.nodeTypeId;
        const k = this.kinds[ct];
        if (k === block) bodies.push(this.blockBody());
        else if (isExpr(k)) exprs.push(this.expr(ct));
        else if (k >= MEANINGFUL) this.parts(exprs);
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    if (bodies.length > 0) return { k: 'block', kind: this.typeName(t), exprs, bodies, span };
    return exprs.length > 0 || keepEmpty ? { k: 'simple', kind: 'other', exprs, span } : null;
  }

  /**
   * A node around one expression (`(x)`, `await x`, `x as T`) lowers to that expression;
   * `lastStart`/`lastEnd` cover the whole node, whose end `end` ({@link END_AT_NODE},
   * {@link END_AT_OPERAND}, {@link END_AT_PAREN}) says how to find. Without an
   * expression inside, the node is an `other`.
   */
  protected wrapped(t: number, end: number): Expr {
    const c = this.c;
    const start = c.startIndex;
    const inner = this.firstExpr();
    if (inner === null) {
      const e = this.other(t);
      this.lastStart = e.span.start;
      this.lastEnd = e.span.end;
      return e;
    }
    let to = -1;
    if (this.guided) {
      if (end === END_AT_OPERAND) to = this.lastEnd;
      else if (end === END_AT_PAREN) {
        const i = skipBlank(this.text, this.lastEnd);
        if (this.text.charCodeAt(i) === 41 /* ) */) to = i + 1;
      }
    }
    this.lastStart = start;
    this.lastEnd = to >= 0 ? to : c.endIndex;
    return inner;
  }

  /**
   * In an error-free tree, after a list item whose node ends at `lastEnd`: the end of the list
   * if its closing bracket `closer` (a character code) follows, a trailing comma allowed; else
   * -1, having stepped the cursor over the comma that follows (unless a comment or the like
   * comes next: see the constructor's `itemNodes`).
   */
  protected afterItem(closer: number): number {
    const text = this.text;
    const i = skipBlank(text, this.lastEnd);
    const ch = text.charCodeAt(i);
    if (ch === 44 /* , */) {
      const j = skipBlank(text, i + 1);
      const next = text.charCodeAt(j);
      if (next === closer) return j + 1;
      if (next !== this.itemNodeA && next !== this.itemNodeB) this.c.gotoNextSibling(); // step over the comma
    } else if (ch === closer) return i + 1;
    return -1;
  }

  /** In an error-free tree, whether `=` (not `==`) follows offset `end`, blanks allowed. */
  protected assignFollows(end: number): boolean {
    const i = skipBlank(this.text, end);
    return this.guided && this.text.charCodeAt(i) === 61 /* = */ && this.text.charCodeAt(i + 1) !== 61;
  }
}
