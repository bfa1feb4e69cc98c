/**
 * Lowers a tree-sitter-python 0.25 syntax tree to the Python IR (`./ir.ts`).
 *
 * How it walks: one `TreeCursor`, moved by recursive descent. Every cursor call crosses the
 * WASM boundary (see `shared/notes/performance.md`), so the walk asks only for what it uses:
 * node types are numeric ids mapped through a per-language table, anonymous tokens are never
 * asked for offsets, leaves (identifiers, literals, non-f strings) are not descended into,
 * identifier and keyword ends are computed from the text, and compound expressions take their
 * end from their last operand. Field names are never read: children are told apart by kind and
 * position.
 *
 * Errors: ERROR and MISSING nodes are collected with one compiled query (only for trees that
 * have errors); the walk skips ERROR subtrees wherever they occur and keeps lowering siblings.
 * Expression and statement nesting beyond `MAX_DEPTH` levels is lowered as an `other` node
 * with no parts (or an empty `simple` statement), so no input can exhaust the JS stack.
 */
import { Query } from 'web-tree-sitter';
import type { Language, Tree, TreeCursor } from 'web-tree-sitter';
import type { Span } from '../../core/diagnostic';
import type {
  ClassStmt,
  ExceptHandler,
  Expr,
  FuncStmt,
  IfStmt,
  ImportFact,
  Keyword,
  OtherExpr,
  Param,
  PyFile,
  SimpleStmt,
  Stmt,
  WithItem,
} from './ir';

/** Nesting levels (statements and expressions together) lowered before giving up on a subtree. */
const MAX_DEPTH = 400;

// Node kinds: what the lowering does with a node type. Below MEANINGFUL: ignored as a child.
const ANON = 0; // anonymous token (keyword, operator, punctuation)
const SKIP = 1; // named node that holds no expression (string pieces, type conversion, ...)
const EXTRA = 2; // comment, line continuation
const ERROR = 3; // ERROR node: reported by the error query, never lowered
const MEANINGFUL = 4;
const WRAPPER = 4; // any other named node: its expressions are flattened into the parent's
// Expressions: FIRST_EXPR..LAST_EXPR.
const NAME = 10;
const ATTR = 11;
const CALL = 12;
const NUMBER = 13;
const STRING = 14;
const CONCAT = 15;
const TRUE = 16;
const FALSE = 17;
const NONE = 18;
const BINARY = 19;
const UNARY = 20; // unary_operator and not_operator
const BOOLOP = 21;
const COMPARE = 22;
const LIST = 23;
const TUPLE = 24;
const SET = 25;
const EXPR_LIST = 26; // expression_list, pattern_list: a bare tuple
const PAREN = 27;
const DICT = 28;
const SUBSCRIPT = 29;
const LAMBDA = 30;
const COND = 31;
const STAR = 32;
const COMPREHENSION = 33;
const TYPE = 34;
const AS_PATTERN = 35;
const DICT_SPLAT = 36;
const OTHER_EXPR = 37;
const FIRST_EXPR = NAME;
const LAST_EXPR = OTHER_EXPR;
// Statements and the structural nodes inside them.
const BLOCK = 40;
const EXPR_STMT = 41;
const ASSIGN = 42;
const AUG_ASSIGN = 43;
const IF = 44;
const ELIF = 45;
const ELSE = 46;
const FOR = 47;
const WHILE = 48;
const TRY = 49;
const EXCEPT = 50;
const WITH = 51;
const WITH_CLAUSE = 52;
const WITH_ITEM = 53;
const AS_TARGET = 54;
const RETURN = 55;
const FUNC = 56;
const CLASS = 57;
const DECORATED = 58;
const DECORATOR = 59;
const PARAMS = 60; // parameters, lambda_parameters
const PARAM = 61; // typed_parameter, default_parameter, typed_default_parameter
const DICT_SPLAT_PATTERN = 62;
const KEYWORD_SEP = 63;
const IMPORT = 64;
const IMPORT_FROM = 65;
const FUTURE_IMPORT = 66;
const DOTTED = 67;
const ALIASED = 68;
const RELATIVE = 69;
const IMPORT_PREFIX = 70;
const WILDCARD = 71;
const PASS = 72;
const BREAK = 73;
const CONTINUE = 74;
const RAISE = 75;
const DEL = 76;
const GLOBAL = 77;
const NONLOCAL = 78;
const ASSERT = 79;
const MATCH = 80;
const CASE = 81;
const IF_CLAUSE = 82;
const FOR_IN = 83;
const ARGS = 84;
const KWARG = 85;
const PAIR = 86;
const FINALLY = 87;

const NAMED_KINDS: Readonly<Record<string, number>> = {
  string_start: SKIP, string_content: SKIP, string_end: SKIP, escape_sequence: SKIP,
  escape_interpolation: SKIP, type_conversion: SKIP, positional_separator: SKIP,
  comment: EXTRA, line_continuation: EXTRA,
  identifier: NAME, attribute: ATTR, call: CALL, integer: NUMBER, float: NUMBER,
  string: STRING, concatenated_string: CONCAT, true: TRUE, false: FALSE, none: NONE,
  binary_operator: BINARY, unary_operator: UNARY, not_operator: UNARY, boolean_operator: BOOLOP,
  comparison_operator: COMPARE, list: LIST, list_pattern: LIST, tuple: TUPLE, tuple_pattern: TUPLE,
  set: SET, expression_list: EXPR_LIST, pattern_list: EXPR_LIST,
  parenthesized_expression: PAREN, dictionary: DICT, subscript: SUBSCRIPT, lambda: LAMBDA,
  conditional_expression: COND, list_splat: STAR, list_splat_pattern: STAR,
  list_comprehension: COMPREHENSION, set_comprehension: COMPREHENSION,
  dictionary_comprehension: COMPREHENSION, generator_expression: COMPREHENSION, type: TYPE,
  as_pattern: AS_PATTERN, dictionary_splat: DICT_SPLAT, await: OTHER_EXPR, yield: OTHER_EXPR,
  named_expression: OTHER_EXPR, slice: OTHER_EXPR, ellipsis: OTHER_EXPR,
  block: BLOCK, expression_statement: EXPR_STMT, assignment: ASSIGN,
  augmented_assignment: AUG_ASSIGN, if_statement: IF, elif_clause: ELIF, else_clause: ELSE,
  finally_clause: FINALLY, for_statement: FOR, while_statement: WHILE, try_statement: TRY,
  except_clause: EXCEPT, with_statement: WITH, with_clause: WITH_CLAUSE, with_item: WITH_ITEM,
  as_pattern_target: AS_TARGET, return_statement: RETURN, function_definition: FUNC,
  class_definition: CLASS, decorated_definition: DECORATED, decorator: DECORATOR,
  parameters: PARAMS, lambda_parameters: PARAMS, typed_parameter: PARAM,
  default_parameter: PARAM, typed_default_parameter: PARAM,
  dictionary_splat_pattern: DICT_SPLAT_PATTERN, keyword_separator: KEYWORD_SEP,
  import_statement: IMPORT, import_from_statement: IMPORT_FROM,
  future_import_statement: FUTURE_IMPORT, dotted_name: DOTTED, aliased_import: ALIASED,
  relative_import: RELATIVE, import_prefix: IMPORT_PREFIX, wildcard_import: WILDCARD,
  pass_statement: PASS, break_statement: BREAK, continue_statement: CONTINUE,
  raise_statement: RAISE, delete_statement: DEL, global_statement: GLOBAL,
  nonlocal_statement: NONLOCAL, assert_statement: ASSERT, match_statement: MATCH,
  case_clause: CASE, if_clause: IF_CLAUSE, for_in_clause: FOR_IN, argument_list: ARGS,
  keyword_argument: KWARG, pair: PAIR,
};

/** tree-sitter's type id for ERROR nodes. */
const ERROR_TYPE_ID = 0xffff;

/** Per-language lookup tables, built once per loaded grammar. */
interface Grammar {
  /** Node type id → kind (indexable by any 16-bit id, ERROR included). */
  kinds: Uint8Array;
  /** Node type id → type name (`types[id]`; ERROR is handled by `typeName`). */
  types: readonly string[];
  /** Type id of the anonymous `:` token (ends a `def` header). */
  colon: number;
  /** Captures every ERROR and MISSING node. */
  errorQuery: Query;
}

const grammars = new WeakMap<Language, Grammar>();

function grammarFor(language: Language): Grammar {
  let g = grammars.get(language);
  if (g === undefined) {
    const kinds = new Uint8Array(0x10000);
    for (let id = 0; id < language.nodeTypeCount; id++) {
      const name = language.nodeTypeForId(id);
      if (name !== null && language.nodeTypeIsNamed(id)) kinds[id] = NAMED_KINDS[name] ?? WRAPPER;
    }
    kinds[ERROR_TYPE_ID] = ERROR;
    g = {
      kinds,
      types: language.types,
      colon: language.idForNodeType(':', false) ?? -1,
      errorQuery: new Query(language, '(ERROR) @error (MISSING) @missing'),
    };
    grammars.set(language, g);
  }
  return g;
}

/**
 * Lowers a parsed Python file to the IR.
 *
 * @param tree - A tree-sitter-python tree of `text`; it is only read (the caller still owns and
 *   deletes it).
 * @param text - The exact string that was parsed: spans are UTF-16 code-unit offsets into it.
 * @returns The module's statements and the spans of ERROR and MISSING nodes. Statements inside
 *   ERROR nodes are not lowered; their valid siblings are.
 *
 * Throws: nothing for any tree and text (deep nesting is cut off at a fixed depth).
 */
export function lowerPython(tree: Tree, text: string): PyFile {
  const g = grammarFor(tree.language);
  const root = tree.rootNode;
  const errors: Span[] = [];
  const hasError = root.hasError;
  if (hasError) {
    for (const { node } of g.errorQuery.captures(root)) {
      errors.push({ start: node.startIndex, end: node.endIndex });
    }
  }
  const cursor = tree.walk();
  try {
    // A root ERROR node (nothing parsed as a module) holds no statement worth lowering.
    const body = g.kinds[cursor.nodeTypeId] === ERROR ? [] : new Lowering(cursor, text, g, hasError).body();
    return { body, errors };
  } finally {
    cursor.delete();
  }
}

/** Zero-width `other` placeholder for a child that the (erroneous) tree lacks. */
function missing(at: number): OtherExpr {
  return { k: 'other', kind: 'ERROR', parts: [], span: { start: at, end: at } };
}

function isExpr(kind: number): boolean {
  return kind >= FIRST_EXPR && kind <= LAST_EXPR;
}

function isIdentChar(ch: number): boolean {
  return (ch >= 97 && ch <= 122) || (ch >= 65 && ch <= 90) || (ch >= 48 && ch <= 57) || ch === 95;
}

/**
 * The lowering of one tree. Every method that lowers a node expects the cursor on that node and
 * leaves it there.
 */
class Lowering {
  private depth = 0;
  private readonly kinds: Uint8Array;

  /**
   * @param exact - The tree has errors: MISSING nodes may be zero-width, so ask tree-sitter for
   *   every end offset instead of computing it from the text.
   */
  constructor(
    private readonly c: TreeCursor,
    private readonly text: string,
    private readonly g: Grammar,
    private readonly exact: boolean,
  ) {
    this.kinds = g.kinds;
  }

  // ---------------------------------------------------------------------------------------------
  // Statements

  /** The statements of the current `module` or `block` node. */
  body(): Stmt[] {
    const c = this.c;
    const out: Stmt[] = [];
    if (c.gotoFirstChild()) {
      do this.stmt(c.nodeTypeId, out);
      while (c.gotoNextSibling());
      c.gotoParent();
    }
    return out;
  }

  /** Lowers the statement under the cursor (type id `t`) into `out` (imports may add several). */
  private stmt(t: number, out: Stmt[]): void {
    const kind = this.kinds[t];
    if (kind < MEANINGFUL) return;
    if (this.depth >= MAX_DEPTH) {
      out.push({ k: 'simple', kind: 'other', exprs: [], span: this.span() });
      return;
    }
    this.depth++;
    switch (kind) {
      case EXPR_STMT: {
        const s = this.exprStmt();
        if (s !== null) out.push(s);
        break;
      }
      case IF: out.push(this.ifStmt()); break;
      case FOR: out.push(this.forStmt()); break;
      case WHILE: out.push(this.whileStmt()); break;
      case TRY: out.push(this.tryStmt()); break;
      case WITH: out.push(this.withStmt()); break;
      case RETURN: out.push(this.returnStmt()); break;
      case FUNC: out.push(this.funcDef([], -1)); break;
      case CLASS: out.push(this.classDef([], -1)); break;
      case DECORATED: out.push(this.decorated()); break;
      case IMPORT: this.importStmt(out); break;
      case IMPORT_FROM: this.importFrom(out, false); break;
      case FUTURE_IMPORT: this.importFrom(out, true); break;
      case PASS: out.push(this.keywordStmt('pass')); break;
      case BREAK: out.push(this.keywordStmt('break')); break;
      case CONTINUE: out.push(this.keywordStmt('continue')); break;
      case RAISE: out.push(this.simpleStmt('raise')); break;
      case DEL: out.push(this.simpleStmt('del')); break;
      case GLOBAL: out.push(this.simpleStmt('global')); break;
      case NONLOCAL: out.push(this.simpleStmt('nonlocal')); break;
      case ASSERT: out.push(this.simpleStmt('assert')); break;
      case MATCH: out.push(this.matchStmt()); break;
      default: out.push(this.otherStmt(t, kind));
    }
    this.depth--;
  }

  private exprStmt(): Stmt | null {
    const c = this.c;
    const span = this.span();
    const values: Expr[] = [];
    let stmt: Stmt | null = null;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === ASSIGN) stmt = this.assign(span);
        else if (kind === AUG_ASSIGN) stmt = this.augAssign(span);
        else if (kind >= MEANINGFUL) values.push(this.expr(t));
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    if (stmt !== null) return stmt;
    if (values.length === 0) return null;
    const value: Expr = values.length === 1 ? values[0] : { k: 'tuple', elts: values, span };
    return { k: 'expr', value, span };
  }

  /** `a = b`, `a = b = c` (nested `assignment` nodes, walked iteratively), `a: T = b`. */
  private assign(span: Span): Stmt {
    const c = this.c;
    const targets: Expr[] = [];
    let value: Expr | null = null;
    let annotation: Expr | null = null;
    let levels = 0;
    while (c.gotoFirstChild()) {
      levels++;
      let hasTarget = false;
      let chained = false;
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        if (!hasTarget) {
          targets.push(this.expr(t));
          hasTarget = true;
        } else if (kind === TYPE) {
          annotation = this.expr(t);
        } else if (kind === ASSIGN) {
          chained = true;
          break;
        } else {
          value = this.expr(t);
        }
      } while (c.gotoNextSibling());
      if (!chained) break;
    }
    for (; levels > 0; levels--) c.gotoParent();
    return { k: 'assign', targets, value, op: null, annotation, span };
  }

  private augAssign(span: Span): Stmt {
    const c = this.c;
    let target: Expr | null = null;
    let value: Expr | null = null;
    let op = '';
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === ANON) op = this.g.types[t];
        else if (kind < MEANINGFUL) continue;
        else if (target === null) target = this.expr(t);
        else value = this.expr(t);
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { k: 'assign', targets: [target ?? missing(span.start)], value, op, annotation: null, span };
  }

  private ifStmt(): IfStmt {
    const c = this.c;
    const span = this.span();
    let test: Expr | null = null;
    let body: Stmt[] = [];
    let orelse: Stmt[] = [];
    const elifs: { start: number; test: Expr; body: Stmt[] }[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === BLOCK) body = this.body();
        else if (kind === ELIF) {
          const start = c.startIndex;
          const clause = this.testAndBody();
          elifs.push({ start, test: clause.test ?? missing(start), body: clause.body });
        } else if (kind === ELSE) orelse = this.clauseBody();
        else if (kind >= MEANINGFUL && test === null) test = this.expr(t);
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    for (let i = elifs.length - 1; i >= 0; i--) {
      const e = elifs[i];
      orelse = [{ k: 'if', test: e.test, body: e.body, orelse, span: { start: e.start, end: span.end } }];
    }
    return { k: 'if', test: test ?? missing(span.start), body, orelse, span };
  }

  /** The condition and block of an `elif` clause. */
  private testAndBody(): { test: Expr | null; body: Stmt[] } {
    const c = this.c;
    let test: Expr | null = null;
    let body: Stmt[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === BLOCK) body = this.body();
        else if (kind >= MEANINGFUL && test === null) test = this.expr(t);
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { test, body };
  }

  /** The block of an `else:` / `finally:` clause. */
  private clauseBody(): Stmt[] {
    const c = this.c;
    let body: Stmt[] = [];
    if (c.gotoFirstChild()) {
      do if (this.kinds[c.nodeTypeId] === BLOCK) body = this.body();
      while (c.gotoNextSibling());
      c.gotoParent();
    }
    return body;
  }

  private forStmt(): Stmt {
    const c = this.c;
    const span = this.span();
    let target: Expr | null = null;
    let iter: Expr | null = null;
    let body: Stmt[] = [];
    let orelse: Stmt[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === BLOCK) body = this.body();
        else if (kind === ELSE) orelse = this.clauseBody();
        else if (kind < MEANINGFUL) continue;
        else if (target === null) target = this.expr(t);
        else if (iter === null) iter = this.expr(t);
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return {
      k: 'for',
      target: target ?? missing(span.start),
      iter: iter ?? missing(span.start),
      body,
      orelse,
      isAsync: this.text.startsWith('async', span.start),
      span,
    };
  }

  private whileStmt(): Stmt {
    const c = this.c;
    const span = this.span();
    let test: Expr | null = null;
    let body: Stmt[] = [];
    let orelse: Stmt[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === BLOCK) body = this.body();
        else if (kind === ELSE) orelse = this.clauseBody();
        else if (kind >= MEANINGFUL && test === null) test = this.expr(t);
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { k: 'while', test: test ?? missing(span.start), body, orelse, span };
  }

  private tryStmt(): Stmt {
    const c = this.c;
    const span = this.span();
    let body: Stmt[] = [];
    const handlers: ExceptHandler[] = [];
    let orelse: Stmt[] = [];
    let finalbody: Stmt[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === BLOCK) body = this.body();
        else if (kind === EXCEPT) handlers.push(this.handler());
        else if (kind === ELSE) orelse = this.clauseBody();
        else if (kind === FINALLY) finalbody = this.clauseBody();
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { k: 'try', body, handlers, orelse, finalbody, span };
  }

  /** `except T as e:`, `except* T:`, Python 2 `except T, e:`. */
  private handler(): ExceptHandler {
    const c = this.c;
    const span = this.span();
    const values: Expr[] = [];
    let name: string | null = null;
    let body: Stmt[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === BLOCK) body = this.body();
        else if (kind === AS_PATTERN) {
          const item = this.asPattern();
          values.push(item.ctx);
          name = item.as !== null && item.as.k === 'name' ? item.as.id : null;
        } else if (kind >= MEANINGFUL) values.push(this.expr(t));
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    if (name === null && values.length > 1 && values[1].k === 'name') name = values[1].id;
    return { type: values.length > 0 ? values[0] : null, name, body, span };
  }

  private withStmt(): Stmt {
    const c = this.c;
    const span = this.span();
    const items: WithItem[] = [];
    let body: Stmt[] = [];
    if (c.gotoFirstChild()) {
      do {
        const kind = this.kinds[c.nodeTypeId];
        if (kind === BLOCK) body = this.body();
        else if (kind === WITH_CLAUSE && c.gotoFirstChild()) {
          do if (this.kinds[c.nodeTypeId] === WITH_ITEM) items.push(this.withItem());
          while (c.gotoNextSibling());
          c.gotoParent();
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { k: 'with', items, body, isAsync: this.text.startsWith('async', span.start), span };
  }

  private withItem(): WithItem {
    const c = this.c;
    let item: WithItem | null = null;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL || item !== null) continue;
        item = kind === AS_PATTERN ? this.asPattern() : { ctx: this.expr(t), as: null };
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return item ?? { ctx: missing(c.startIndex), as: null };
  }

  /** `expr as target` (in `with` items and `except` clauses). */
  private asPattern(): WithItem {
    const c = this.c;
    let ctx: Expr | null = null;
    let target: Expr | null = null;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === AS_TARGET) target = this.firstExpr();
        else if (kind >= MEANINGFUL && ctx === null) ctx = this.expr(t);
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { ctx: ctx ?? missing(c.startIndex), as: target };
  }

  private returnStmt(): Stmt {
    return { k: 'return', value: this.firstExpr(), span: this.span() };
  }

  /**
   * A `def`. `outerStart` is the start of its decorators (-1 if undecorated): the def's span
   * starts there.
   */
  private funcDef(decorators: Expr[], outerStart: number): FuncStmt {
    const c = this.c;
    const text = this.text;
    const start = c.startIndex;
    const end = c.endIndex;
    let name = '';
    let nameSpan: Span = { start, end: start };
    let params: Param[] = [];
    let body: Stmt[] = [];
    let headerEnd = end;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (t === this.g.colon) headerEnd = this.exact ? c.endIndex : c.startIndex + 1;
        else if (kind === NAME && name === '') {
          const n = this.name();
          name = n.id;
          nameSpan = n.span;
        } else if (kind === PARAMS) params = this.params();
        else if (kind === BLOCK) body = this.body();
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    const bodyStart = body.length > 0 ? body[0].span.start : headerEnd;
    const span = { start: outerStart >= 0 ? outerStart : start, end };
    return {
      k: 'func',
      def: {
        name,
        params,
        decorators,
        body,
        isAsync: text.startsWith('async', start),
        span,
        nameSpan,
        headerSpan: { start, end: headerEnd },
        bodyStart,
        bodyIndent: bodyIndent(text, start, bodyStart),
      },
      span,
    };
  }

  private classDef(decorators: Expr[], outerStart: number): ClassStmt {
    const c = this.c;
    const start = c.startIndex;
    const end = c.endIndex;
    let name = '';
    let nameSpan: Span = { start, end: start };
    const bases: Expr[] = [];
    const keywords: Keyword[] = [];
    const doubleStar: Expr[] = [];
    let body: Stmt[] = [];
    if (c.gotoFirstChild()) {
      do {
        const kind = this.kinds[c.nodeTypeId];
        if (kind === NAME && name === '') {
          const n = this.name();
          name = n.id;
          nameSpan = n.span;
        } else if (kind === ARGS) this.args(bases, keywords, doubleStar);
        else if (kind === BLOCK) body = this.body();
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    // `class A(**kw)` has no ClassDef field: keep the value visible as an `other` base.
    for (const value of doubleStar) bases.push({ k: 'other', kind: 'dictionary_splat', parts: [value], span: value.span });
    const span = { start: outerStart >= 0 ? outerStart : start, end };
    return { k: 'class', def: { name, bases, keywords, decorators, body, span, nameSpan }, span };
  }

  private decorated(): Stmt {
    const c = this.c;
    const start = c.startIndex;
    const decorators: Expr[] = [];
    let stmt: Stmt | null = null;
    if (c.gotoFirstChild()) {
      do {
        const kind = this.kinds[c.nodeTypeId];
        if (kind === DECORATOR) {
          const d = this.firstExpr();
          if (d !== null) decorators.push(d);
        } else if (kind === FUNC) stmt = this.funcDef(decorators, start);
        else if (kind === CLASS) stmt = this.classDef(decorators, start);
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return stmt ?? { k: 'simple', kind: 'other', exprs: decorators, span: this.span() };
  }

  private importStmt(out: Stmt[]): void {
    const c = this.c;
    const span = this.span();
    if (!c.gotoFirstChild()) return;
    do {
      const kind = this.kinds[c.nodeTypeId];
      if (kind === DOTTED || kind === ALIASED) {
        const b = this.binding(kind);
        const imp: ImportFact = { module: b.name, name: null, asname: b.asname, level: 0, span: b.span };
        out.push({ k: 'import', imp, span });
      }
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  /** `from m import a, b as c`, `from .. import x`, `from m import *`, `from __future__ import x`. */
  private importFrom(out: Stmt[], future: boolean): void {
    const c = this.c;
    const span = this.span();
    let module = future ? '__future__' : '';
    let level = 0;
    let hasModule = future;
    if (!c.gotoFirstChild()) return;
    do {
      const kind = this.kinds[c.nodeTypeId];
      let name: string;
      let asname: string | null = null;
      let bindingSpan: Span;
      if (kind === DOTTED && !hasModule) {
        module = this.dotted(this.span());
        hasModule = true;
        continue;
      } else if (kind === RELATIVE) {
        hasModule = true;
        if (c.gotoFirstChild()) {
          do {
            const k = this.kinds[c.nodeTypeId];
            if (k === IMPORT_PREFIX) level = countDots(this.text, c.startIndex, c.endIndex);
            else if (k === DOTTED) module = this.dotted(this.span());
          } while (c.gotoNextSibling());
          c.gotoParent();
        }
        continue;
      } else if (kind === DOTTED || kind === ALIASED) {
        const b = this.binding(kind);
        name = b.name;
        asname = b.asname;
        bindingSpan = b.span;
      } else if (kind === WILDCARD) {
        name = '*';
        bindingSpan = this.span();
      } else {
        continue;
      }
      out.push({ k: 'import', imp: { module, name, asname, level, span: bindingSpan }, span });
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  /** A `dotted_name` or an `aliased_import` (`a.b as c`). */
  private binding(kind: number): { name: string; asname: string | null; span: Span } {
    const c = this.c;
    const span = this.span();
    if (kind === DOTTED) return { name: this.dotted(span), asname: null, span };
    let name = '';
    let asname: string | null = null;
    if (c.gotoFirstChild()) {
      do {
        const k = this.kinds[c.nodeTypeId];
        if (k === DOTTED) name = this.dotted(this.span());
        else if (k === NAME) asname = this.name().id;
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { name, asname, span };
  }

  /** The text of a dotted name without the whitespace Python allows around its dots. */
  private dotted(span: Span): string {
    const s = this.text.slice(span.start, span.end);
    return /[\s\\]/.test(s) ? s.replace(/[\s\\]+/g, '') : s;
  }

  private keywordStmt(kind: 'pass' | 'break' | 'continue'): SimpleStmt {
    const start = this.c.startIndex;
    return { k: 'simple', kind, exprs: [], span: { start, end: this.exact ? this.c.endIndex : start + kind.length } };
  }

  /** `raise`, `del`, `global`, `nonlocal`, `assert`: every nested expression, bare tuples flattened. */
  private simpleStmt(kind: SimpleStmt['kind']): SimpleStmt {
    const c = this.c;
    const span = this.span();
    const exprs: Expr[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const k = this.kinds[t];
        if (k < MEANINGFUL) continue;
        const e = this.expr(t);
        if (k === EXPR_LIST && e.k === 'tuple') exprs.push(...e.elts);
        else exprs.push(e);
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { k: 'simple', kind, exprs, span };
  }

  /** `match`: one body per `case`; `exprs` holds the subjects, then the guards. */
  private matchStmt(): Stmt {
    const c = this.c;
    const span = this.span();
    const exprs: Expr[] = [];
    const bodies: Stmt[][] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === BLOCK) {
          if (c.gotoFirstChild()) {
            do if (this.kinds[c.nodeTypeId] === CASE) this.caseClause(exprs, bodies);
            while (c.gotoNextSibling());
            c.gotoParent();
          }
        } else if (kind >= MEANINGFUL) exprs.push(this.expr(t));
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { k: 'block', kind: 'match_statement', exprs, bodies, span };
  }

  private caseClause(guards: Expr[], bodies: Stmt[][]): void {
    const c = this.c;
    let body: Stmt[] = [];
    if (c.gotoFirstChild()) {
      do {
        const kind = this.kinds[c.nodeTypeId];
        if (kind === IF_CLAUSE) this.parts(guards);
        else if (kind === BLOCK) body = this.body();
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    bodies.push(body);
  }

  /**
   * Any other statement (Python 2 `print`/`exec`, `type X = ...`, future grammar additions):
   * a `block` statement if it has blocks, else a `simple` one; nested expressions are kept.
   */
  private otherStmt(t: number, kind: number): Stmt {
    const span = this.span();
    if (isExpr(kind)) return { k: 'expr', value: this.expr(t), span };
    const c = this.c;
    const exprs: Expr[] = [];
    const bodies: Stmt[][] = [];
    if (c.gotoFirstChild()) {
      do {
        const ct = c.nodeTypeId;
        const k = this.kinds[ct];
        if (k === BLOCK) bodies.push(this.body());
        else if (isExpr(k)) exprs.push(this.expr(ct));
        else if (k >= MEANINGFUL) this.parts(exprs);
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    if (bodies.length > 0) return { k: 'block', kind: typeName(this.g, t), exprs, bodies, span };
    return { k: 'simple', kind: 'other', exprs, span };
  }

  // ---------------------------------------------------------------------------------------------
  // Parameters and arguments

  /** The parameters of a `parameters` or `lambda_parameters` node. */
  private params(): Param[] {
    const c = this.c;
    const out: Param[] = [];
    let kwonly = false;
    if (c.gotoFirstChild()) {
      do {
        const kind = this.kinds[c.nodeTypeId];
        let p: Param;
        if (kind === NAME) {
          const n = this.name();
          p = { name: n.id, kind: kwonly ? 'kwonly' : 'plain', default: null, annotation: null, span: n.span };
        } else if (kind === STAR || kind === DICT_SPLAT_PATTERN || kind === TUPLE) {
          p = this.simpleParam(kind, kwonly, this.span());
        } else if (kind === PARAM) {
          p = this.param(kwonly);
        } else {
          if (kind === KEYWORD_SEP) kwonly = true;
          continue;
        }
        if (p.kind === 'varargs') kwonly = true;
        out.push(p);
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return out;
  }

  /** `*args`, `**kwargs`, or a Python 2 tuple parameter `(a, b)`, named from its text. */
  private simpleParam(kind: number, kwonly: boolean, span: Span): Param {
    const raw = this.text.slice(span.start, span.end);
    if (kind === STAR) return { name: raw.replace(/^\*\s*/, ''), kind: 'varargs', default: null, annotation: null, span };
    if (kind === DICT_SPLAT_PATTERN) {
      return { name: raw.replace(/^\*\*\s*/, ''), kind: 'kwargs', default: null, annotation: null, span };
    }
    return { name: raw, kind: kwonly ? 'kwonly' : 'plain', default: null, annotation: null, span };
  }

  /** `typed_parameter`, `default_parameter`, `typed_default_parameter`. */
  private param(kwonly: boolean): Param {
    const c = this.c;
    const span = this.span();
    let p: Param | null = null;
    let annotation: Expr | null = null;
    let dflt: Expr | null = null;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        if (p === null) {
          if (kind === NAME) {
            const n = this.name();
            p = { name: n.id, kind: kwonly ? 'kwonly' : 'plain', default: null, annotation: null, span };
          } else {
            p = this.simpleParam(kind, kwonly, this.span());
          }
        } else if (kind === TYPE) annotation = this.expr(t);
        else dflt = this.expr(t);
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { name: p?.name ?? '', kind: p?.kind ?? 'plain', default: dflt, annotation, span };
  }

  /** The children of an `argument_list`, sorted into the call's (or class's) lists. */
  private args(args: Expr[], kwargs: Keyword[], doubleStar: Expr[]): void {
    const c = this.c;
    if (!c.gotoFirstChild()) return;
    do {
      const t = c.nodeTypeId;
      const kind = this.kinds[t];
      if (kind < MEANINGFUL) continue;
      if (kind === KWARG) kwargs.push(this.keyword());
      else if (kind === DICT_SPLAT) doubleStar.push(this.firstExpr() ?? missing(c.startIndex));
      else args.push(this.expr(t));
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  private keyword(): Keyword {
    const c = this.c;
    const start = c.startIndex;
    let name: string | null = null;
    let value: Expr | null = null;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        if (name === null) name = kind === NAME ? this.name().id : '';
        else if (value === null) value = this.expr(t);
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    if (value === null) return { name: name ?? '', value: missing(start), span: { start, end: c.endIndex } };
    return { name: name ?? '', value, span: { start, end: value.span.end } };
  }

  // ---------------------------------------------------------------------------------------------
  // Expressions

  /** Lowers the expression under the cursor (type id `t`). */
  private expr(t: number): Expr {
    if (this.depth >= MAX_DEPTH) return { k: 'other', kind: typeName(this.g, t), parts: [], span: this.span() };
    this.depth++;
    const e = this.lowerExpr(t);
    this.depth--;
    return e;
  }

  private lowerExpr(t: number): Expr {
    switch (this.kinds[t]) {
      case NAME: return this.name();
      case ATTR: return this.attr();
      case CALL: return this.call();
      case NUMBER: return this.num(t);
      case STRING: return this.str();
      case CONCAT: return this.concat();
      case TRUE: return { k: 'bool', value: true, span: this.keywordSpan(4) };
      case FALSE: return { k: 'bool', value: false, span: this.keywordSpan(5) };
      case NONE: return { k: 'none', span: this.keywordSpan(4) };
      case BINARY: return this.binary();
      case UNARY: return this.unary();
      case BOOLOP: return this.boolop();
      case COMPARE: return this.compare();
      case LIST: return this.seq('list');
      case TUPLE:
      case EXPR_LIST: return this.seq('tuple');
      case SET: return this.seq('set');
      case PAREN: return this.firstExpr() ?? this.other(t);
      case DICT: return this.dict();
      case SUBSCRIPT: return this.subscript();
      case LAMBDA: return this.lambda();
      case COND: return this.cond();
      case STAR: return this.star();
      case COMPREHENSION: return this.comprehension(t);
      case TYPE: return this.type(t);
      default: return this.other(t);
    }
  }

  /** An identifier. */
  private name(): { k: 'name'; id: string; span: Span } {
    const c = this.c;
    const text = this.text;
    const start = c.startIndex;
    let end = start;
    if (this.exact) end = c.endIndex;
    else {
      let ch = text.charCodeAt(end);
      while (isIdentChar(ch)) ch = text.charCodeAt(++end);
      if (ch >= 0x80) end = c.endIndex; // non-ASCII identifier: let tree-sitter say where it ends
    }
    return { k: 'name', id: text.slice(start, end), span: { start, end } };
  }

  /** The span of `True`, `False`, `None` (`length` characters). */
  private keywordSpan(length: number): Span {
    const start = this.c.startIndex;
    return { start, end: this.exact ? this.c.endIndex : start + length };
  }

  private span(): Span {
    return { start: this.c.startIndex, end: this.c.endIndex };
  }

  /** The first meaningful child, lowered (`null` if there is none). */
  private firstExpr(): Expr | null {
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
  private other(t: number): OtherExpr {
    const parts: Expr[] = [];
    this.parts(parts);
    return { k: 'other', kind: typeName(this.g, t), parts, span: this.span() };
  }

  /**
   * Appends the expressions nested in the current node to `out`, in source order: expression
   * children are lowered, other named children are looked through.
   */
  private parts(out: Expr[]): void {
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

  private attr(): Expr {
    const c = this.c;
    const start = c.startIndex;
    let obj: Expr | null = null;
    let attr: { id: string; span: Span } | null = null;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        if (obj === null) obj = this.expr(t);
        else if (kind === NAME) attr = this.name();
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    const attrSpan = attr?.span ?? { start: c.endIndex, end: c.endIndex };
    return { k: 'attr', obj: obj ?? missing(start), attr: attr?.id ?? '', span: { start, end: attrSpan.end }, attrSpan };
  }

  private call(): Expr {
    const c = this.c;
    const start = c.startIndex;
    let fn: Expr | null = null;
    const args: Expr[] = [];
    const kwargs: Keyword[] = [];
    const doubleStar: Expr[] = [];
    let argsSpan: Span | null = null;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        if (fn === null) fn = this.expr(t);
        else if (kind === ARGS) {
          argsSpan = this.span();
          this.args(args, kwargs, doubleStar);
        } else {
          // `f(x for x in y)`: the generator expression is the whole argument list.
          const arg = this.expr(t);
          args.push(arg);
          argsSpan = arg.span;
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    argsSpan ??= { start: c.endIndex, end: c.endIndex };
    return { k: 'call', fn: fn ?? missing(start), args, kwargs, doubleStar, span: { start, end: argsSpan.end }, argsSpan };
  }

  private num(t: number): Expr {
    const span = this.span();
    const raw = this.text.slice(span.start, span.end);
    const last = raw.charCodeAt(raw.length - 1) | 0x20;
    const value = last === 0x6a /* j: imaginary */ ? NaN : parseNumber(raw);
    if (!Number.isFinite(value)) return { k: 'other', kind: typeName(this.g, t), parts: [], span };
    return { k: 'num', value, raw, span };
  }

  private str(): Expr {
    const text = this.text;
    const span = this.span();
    const { start, end } = span;
    let i = start;
    let format = false;
    let raw = false;
    let bytes = false;
    for (; i < end; i++) {
      const ch = text.charCodeAt(i) | 0x20;
      if (ch === 0x66 /* f */ || ch === 0x74 /* t */) format = true;
      else if (ch === 0x72 /* r */) raw = true;
      else if (ch === 0x62 /* b */) bytes = true;
      else if (ch !== 0x75 /* u */) break;
    }
    if (format) {
      const parts: Expr[] = [];
      this.parts(parts);
      return { k: 'other', kind: 'string', parts, span };
    }
    const quote = text[i];
    if (quote !== '"' && quote !== "'") return { k: 'str', value: '', span }; // only in error trees
    const q = end - i > 2 && text[i + 1] === quote && text[i + 2] === quote ? quote.repeat(3) : quote;
    const from = i + q.length;
    const to = end - q.length >= from && text.startsWith(q, end - q.length) ? end - q.length : end;
    const content = text.slice(from, to);
    return { k: 'str', value: raw ? content : unescape(content, bytes), span };
  }

  private concat(): Expr {
    const c = this.c;
    const span = this.span();
    const pieces: Expr[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        if (this.kinds[t] >= MEANINGFUL) pieces.push(this.expr(t));
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    let value = '';
    const parts: Expr[] = [];
    let interpolated = false;
    for (const p of pieces) {
      if (p.k === 'str') value += p.value;
      else {
        interpolated = true;
        if (p.k === 'other') parts.push(...p.parts);
      }
    }
    if (interpolated) return { k: 'other', kind: 'concatenated_string', parts, span };
    return { k: 'str', value, span };
  }

  /** `left op right` children: the operands and the operator token. */
  private operands(): { left: Expr | null; op: string; right: Expr | null } {
    const c = this.c;
    let left: Expr | null = null;
    let right: Expr | null = null;
    let op = '';
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === ANON) op = this.g.types[t];
        else if (kind < MEANINGFUL) continue;
        else if (left === null) left = this.expr(t);
        else right = this.expr(t);
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { left, op, right };
  }

  private binary(): Expr {
    const start = this.c.startIndex;
    const { left, op, right } = this.operands();
    const end = right !== null ? right.span.end : this.c.endIndex;
    return { k: 'bin', op, left: left ?? missing(start), right: right ?? missing(end), span: { start, end } };
  }

  private boolop(): Expr {
    const start = this.c.startIndex;
    const { left, op, right } = this.operands();
    const end = right !== null ? right.span.end : this.c.endIndex;
    return {
      k: 'boolop',
      op: op === 'or' ? 'or' : 'and',
      left: left ?? missing(start),
      right: right ?? missing(end),
      span: { start, end },
    };
  }

  /** `-x`, `+x`, `~x`, `not x`. */
  private unary(): Expr {
    const start = this.c.startIndex;
    const { left: operand, op } = this.operands();
    const end = operand !== null ? operand.span.end : this.c.endIndex;
    return { k: 'unary', op, operand: operand ?? missing(end), span: { start, end } };
  }

  private compare(): Expr {
    const c = this.c;
    const start = c.startIndex;
    const ops: string[] = [];
    const operands: Expr[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === ANON) ops.push(this.g.types[t]);
        else if (kind >= MEANINGFUL) operands.push(this.expr(t));
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    const end = operands.length > ops.length ? operands[operands.length - 1].span.end : c.endIndex;
    return { k: 'compare', ops, operands, span: { start, end } };
  }

  private seq(k: 'list' | 'tuple' | 'set'): Expr {
    const c = this.c;
    const span = this.span();
    const elts: Expr[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        if (this.kinds[t] >= MEANINGFUL) elts.push(this.expr(t));
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { k, elts, span };
  }

  private dict(): Expr {
    const c = this.c;
    const span = this.span();
    const keys: (Expr | null)[] = [];
    const values: Expr[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === PAIR) {
          const { left, right } = this.operands();
          keys.push(left ?? missing(c.startIndex));
          values.push(right ?? missing(c.endIndex));
        } else if (kind === DICT_SPLAT) {
          keys.push(null);
          values.push(this.firstExpr() ?? missing(c.startIndex));
        } else if (kind >= MEANINGFUL) {
          keys.push(null);
          values.push(this.expr(t));
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { k: 'dict', keys, values, span };
  }

  /** `a[i]`; `a[i, j]` has a tuple index; slices are `other` nodes. */
  private subscript(): Expr {
    const c = this.c;
    const span = this.span();
    let obj: Expr | null = null;
    const indices: Expr[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        if (this.kinds[t] < MEANINGFUL) continue;
        if (obj === null) obj = this.expr(t);
        else indices.push(this.expr(t));
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    const index: Expr =
      indices.length === 1
        ? indices[0]
        : indices.length === 0
          ? missing(span.end)
          : { k: 'tuple', elts: indices, span: { start: indices[0].span.start, end: indices[indices.length - 1].span.end } };
    return { k: 'subscript', obj: obj ?? missing(span.start), index, span };
  }

  private lambda(): Expr {
    const c = this.c;
    const span = this.span();
    let params: Param[] = [];
    let body: Expr | null = null;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === PARAMS) params = this.params();
        else if (kind >= MEANINGFUL && body === null) body = this.expr(t);
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { k: 'lambda', params, body: body ?? missing(span.end), span };
  }

  /** `body if test else orelse`. */
  private cond(): Expr {
    const c = this.c;
    const start = c.startIndex;
    const operands: Expr[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        if (this.kinds[t] >= MEANINGFUL) operands.push(this.expr(t));
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    const end = operands.length === 3 ? operands[2].span.end : c.endIndex;
    return {
      k: 'cond',
      body: operands[0] ?? missing(start),
      test: operands[1] ?? missing(end),
      orelse: operands[2] ?? missing(end),
      span: { start, end },
    };
  }

  private star(): Expr {
    const start = this.c.startIndex;
    const value = this.firstExpr();
    if (value === null) {
      const end = this.c.endIndex;
      return { k: 'star', value: missing(end), span: { start, end } };
    }
    return { k: 'star', value, span: { start, end: value.span.end } };
  }

  /** A comprehension: the element expression(s), then each `for` iterable and `if` condition. */
  private comprehension(t: number): Expr {
    const c = this.c;
    const span = this.span();
    const parts: Expr[] = [];
    if (c.gotoFirstChild()) {
      do {
        const ct = c.nodeTypeId;
        const kind = this.kinds[ct];
        if (kind === FOR_IN) this.iterables(parts);
        else if (kind === PAIR || kind === IF_CLAUSE) this.parts(parts);
        else if (kind >= MEANINGFUL) parts.push(this.expr(ct));
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { k: 'other', kind: typeName(this.g, t), parts, span };
  }

  /** The iterables of a `for_in_clause` (its first operand, the target, is skipped). */
  private iterables(out: Expr[]): void {
    const c = this.c;
    if (!c.gotoFirstChild()) return;
    let target = true;
    do {
      const t = c.nodeTypeId;
      if (this.kinds[t] < MEANINGFUL) continue;
      if (target) target = false;
      else out.push(this.expr(t));
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  /** A `type` annotation: the expression it wraps, or `other` for type-only syntax. */
  private type(t: number): Expr {
    const c = this.c;
    const parts: Expr[] = [];
    let children = 0;
    let wrapsExpr = false;
    if (c.gotoFirstChild()) {
      do {
        const ct = c.nodeTypeId;
        const kind = this.kinds[ct];
        if (kind < MEANINGFUL) continue;
        children++;
        wrapsExpr = isExpr(kind);
        if (wrapsExpr) parts.push(this.expr(ct));
        else this.parts(parts);
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    if (children === 1 && wrapsExpr) return parts[0];
    return { k: 'other', kind: typeName(this.g, t), parts, span: this.span() };
  }
}

function typeName(g: Grammar, t: number): string {
  return t === ERROR_TYPE_ID ? 'ERROR' : (g.types[t] ?? 'ERROR');
}

/** The whitespace before the first body statement, or the def's indentation + 4 spaces for a one-line def. */
function bodyIndent(text: string, defStart: number, bodyStart: number): string {
  const lineStart = text.lastIndexOf('\n', bodyStart - 1) + 1;
  const lead = text.slice(lineStart, bodyStart);
  if (/^[ \t\f]*$/.test(lead)) return lead;
  const defLine = text.lastIndexOf('\n', defStart - 1) + 1;
  return /^[ \t\f]*/.exec(text.slice(defLine, defStart))![0] + '    ';
}

function countDots(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (text.charCodeAt(i) === 0x2e) n++;
  return n;
}

/** The value of a Python int or float literal (`1_000`, `0x1F`, `0o17`, `0b1`, `1e-3`, py2 `10L`). */
function parseNumber(raw: string): number {
  let s = raw.includes('_') ? raw.replaceAll('_', '') : raw;
  if ((s.charCodeAt(s.length - 1) | 0x20) === 0x6c /* l */) s = s.slice(0, -1);
  return Number(s);
}

/** Decodes the escape sequences of a (non-raw) string literal's content. */
function unescape(s: string, bytes: boolean): string {
  let i = s.indexOf('\\');
  if (i < 0) return s;
  let out = '';
  let from = 0;
  while (i >= 0 && i + 1 < s.length) {
    out += s.slice(from, i);
    const e = s[i + 1];
    let next = i + 2;
    switch (e) {
      case '\n': break;
      case '\r': if (s[next] === '\n') next++; break;
      case '\\': case "'": case '"': out += e; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      default: {
        const octal = /^[0-7]{1,3}/.exec(s.slice(i + 1, i + 4));
        const digits = e === 'x' ? 2 : bytes ? 0 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
        const hex = s.slice(next, next + digits);
        if (octal !== null) {
          out += String.fromCharCode(parseInt(octal[0], 8));
          next = i + 1 + octal[0].length;
        } else if (digits > 0 && hex.length === digits && /^[0-9a-fA-F]+$/.test(hex) && parseInt(hex, 16) <= 0x10ffff) {
          out += String.fromCodePoint(parseInt(hex, 16));
          next += digits;
        } else {
          out += '\\' + e; // unknown escape (or \N{...}): Python keeps it verbatim
        }
      }
    }
    from = next;
    i = s.indexOf('\\', next);
  }
  return out + s.slice(from);
}
