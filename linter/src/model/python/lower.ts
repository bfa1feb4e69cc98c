/**
 * Lowers a tree-sitter-python 0.25 syntax tree to the Python IR (`./ir.ts`).
 *
 * How it walks: one `TreeCursor`, moved by recursive descent with the machinery it shares with
 * the TypeScript lowering (`../lowering-base.ts`). Every cursor call crosses the WASM boundary
 * and costs far more than the JavaScript around it (see `shared/notes/performance.md`), so the
 * walk asks only for what it uses:
 * - node types are numeric ids mapped through a per-language table; field names are never read
 *   (children are told apart by kind and position);
 * - leaves (identifiers, numbers, plain strings) are not descended into;
 * - a compound node's start and end come from its first and last children, and child loops stop
 *   at the node's last child (a closing bracket, the right operand) instead of running off the
 *   end;
 * - in an error-free tree the text is read where it is unambiguous: identifier, number and
 *   string ends, attribute chains (`self.bn1`) and an attribute's `.name`, the commas and
 *   closing parenthesis of argument lists, the `=` of an assignment. Whitespace is not a node and comments and line continuations are
 *   never skipped this way, so the text between two siblings tells exactly which tokens follow.
 *   In a tree with errors (MISSING nodes can be zero-width) every offset comes from tree-sitter.
 *
 * Errors: ERROR and MISSING nodes are collected with one compiled query (only for trees that
 * have errors); the walk skips ERROR subtrees wherever they occur and keeps lowering siblings.
 * Expression and statement nesting beyond `MAX_DEPTH` levels is lowered as an `other` node
 * with no parts (or an empty `simple` statement), so no input can exhaust the JS stack.
 */
import type { Language, Tree, TreeCursor } from 'web-tree-sitter';
import type { Span } from '../../core/diagnostic';
import { danglingAssignments } from '../../parse/logical-lines';
import { ANON, CursorLowering, END_AT_PAREN, FIRST_EXPR, grammarTables, isExpr, lowerTree, MAX_DEPTH, MEANINGFUL, missing, numberEnd, perLanguage, skipBlank, WRAPPER, type GrammarTables } from '../lowering-base';
import type {
  ClassStmt,
  ExceptHandler,
  Expr,
  FuncStmt,
  IfStmt,
  ImportFact,
  Keyword,
  NameExpr,
  Param,
  PyFile,
  SimpleStmt,
  Stmt,
  WithItem,
} from './ir';

// Node kinds: what the lowering does with a node type, numbered around the landmarks of
// `../lowering-base.ts` (ANON, ERROR, MEANINGFUL, WRAPPER: any other named node, whose
// expressions are flattened into the parent's). Below MEANINGFUL: ignored as a child.
const SKIP = 1; // named node without expressions: comment, string piece, type conversion, ...
// Expressions: FIRST_EXPR..LAST_EXPR.
const NAME = FIRST_EXPR;
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
const GENERIC_TYPE = 37; // `List[int]` in an annotation
const OTHER_EXPR = 38;
// Statements and the structural nodes inside them (after LAST_EXPR).
const BLOCK = 50;
const EXPR_STMT = 51;
const ASSIGN = 52;
const AUG_ASSIGN = 53;
const IF = 54;
const ELIF = 55;
const ELSE = 56;
const FINALLY = 57;
const FOR = 58;
const WHILE = 59;
const TRY = 60;
const EXCEPT = 61;
const WITH = 62;
const WITH_CLAUSE = 63;
const WITH_ITEM = 64;
const AS_TARGET = 65;
const RETURN = 66;
const FUNC = 67;
const CLASS = 68;
const DECORATED = 69;
const DECORATOR = 70;
const PARAMS = 71; // parameters, lambda_parameters
const PARAM = 72; // typed_parameter, default_parameter, typed_default_parameter
const DICT_SPLAT_PATTERN = 73;
const KEYWORD_SEP = 74;
const IMPORT = 75;
const IMPORT_FROM = 76;
const FUTURE_IMPORT = 77;
const DOTTED = 78;
const ALIASED = 79;
const RELATIVE = 80;
const IMPORT_PREFIX = 81;
const WILDCARD = 82;
const PASS = 83;
const BREAK = 84;
const CONTINUE = 85;
const RAISE = 86;
const DEL = 87;
const GLOBAL = 88;
const NONLOCAL = 89;
const ASSERT = 90;
const MATCH = 91;
const CASE = 92;
const IF_CLAUSE = 93;
const FOR_IN = 94;
const ARGS = 95;
const KWARG = 96;
const PAIR = 97;

const NAMED_KINDS: Readonly<Record<string, number>> = {
  string_start: SKIP, string_content: SKIP, string_end: SKIP, escape_sequence: SKIP,
  escape_interpolation: SKIP, type_conversion: SKIP, positional_separator: SKIP,
  comment: SKIP, line_continuation: SKIP,
  identifier: NAME, attribute: ATTR, call: CALL, integer: NUMBER, float: NUMBER,
  string: STRING, concatenated_string: CONCAT, true: TRUE, false: FALSE, none: NONE,
  binary_operator: BINARY, unary_operator: UNARY, not_operator: UNARY, boolean_operator: BOOLOP,
  comparison_operator: COMPARE, list: LIST, list_pattern: LIST, tuple: TUPLE, tuple_pattern: TUPLE,
  set: SET, expression_list: EXPR_LIST, pattern_list: EXPR_LIST,
  parenthesized_expression: PAREN, dictionary: DICT, subscript: SUBSCRIPT, lambda: LAMBDA,
  conditional_expression: COND, list_splat: STAR, list_splat_pattern: STAR,
  list_comprehension: COMPREHENSION, set_comprehension: COMPREHENSION,
  dictionary_comprehension: COMPREHENSION, generator_expression: COMPREHENSION, type: TYPE,
  as_pattern: AS_PATTERN, dictionary_splat: DICT_SPLAT, generic_type: GENERIC_TYPE, await: OTHER_EXPR, yield: OTHER_EXPR,
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

/** The shared tables of a grammar, plus the token ids the Python lowering looks for. */
interface Grammar extends GrammarTables {
  /** Type id of the anonymous `:` token (ends a `def` header). */
  colon: number;
  /** Type ids of the anonymous closing brackets `)`, `]`, `}`: always a node's last child. */
  closers: readonly number[];
}

const grammarFor = perLanguage((language: Language): Grammar => {
  const anon = (token: string): number => language.idForNodeType(token, false) ?? -1;
  return { ...grammarTables(language, NAMED_KINDS, () => WRAPPER), colon: anon(':'), closers: [anon(')'), anon(']'), anon('}')] };
});

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
export function lowerPython(tree: Tree, text: string, reuse?: ReuseStatements): PyFile {
  const g = grammarFor(tree.language);
  const file = lowerTree(tree, g, (cursor, hasError, errors) => {
    // Statements holding a syntax error are always lowered again: error recovery may shape them
    // differently for the same text.
    let safeReuse = reuse;
    if (reuse && errors.length > 0) {
      const withoutErrors = (r: ReuseStatements): ReuseStatements =>
        Object.assign((start: number, end: number) => (errors.some((e) => e.start < end && start < e.end) ? null : r(start, end)), { lowered: r.lowered });
      safeReuse = withoutErrors(reuse);
      if (reuse.members) safeReuse.members = withoutErrors(reuse.members);
    }
    return new Lowering(cursor, text, g, hasError).body(safeReuse);
  });
  // Line breaks after an `=` that tree-sitter's recovery reads as whitespace (see
  // `danglingAssignments`): syntax errors where Python reports them.
  const dangling = danglingAssignments(text).filter((d) => !file.errors.some((e) => e.start <= d.end && d.start <= e.end));
  if (dangling.length > 0) file.errors = [...file.errors, ...dangling].sort((a, b) => a.start - b.start);
  return file;
}

/**
 * Incremental lowering support (the language server's open documents): called with the
 * `[start, end)` of each module-level statement node (UTF-16 offsets); returns that node's
 * statements from an earlier lowering (already at the right offsets), or null to lower it.
 * `lowered` (optional) receives each node that was lowered, with its statements.
 */
export interface ReuseStatements {
  (start: number, end: number): Stmt[] | null;
  lowered?: (start: number, end: number, stmts: Stmt[]) => void;
  /**
   * The same for the statements inside a module-level statement that is lowered again, at any
   * depth (a class's members, a function's or a method's body, the bodies of their loops and
   * branches): those untouched by the edits can come from an earlier lowering, so a keystroke
   * in one statement of a method lowers that statement and the parts around it only. Called
   * with each inner statement node's `[start, end)`; `lowered` receives the inner statements
   * lowered, each after those inside it.
   */
  members?: ReuseStatements;
}

function isIdentChar(ch: number): boolean {
  return (ch >= 97 && ch <= 122) || (ch >= 65 && ch <= 90) || (ch >= 48 && ch <= 57) || ch === 95;
}

/**
 * The lowering of one tree. Every method that lowers a node expects the cursor on that node and
 * leaves it there.
 */
class Lowering extends CursorLowering {
  constructor(
    c: TreeCursor,
    text: string,
    private readonly g: Grammar,
    hasError: boolean,
  ) {
    // Comments and line continuations are nodes of their own.
    super(c, text, g, !hasError, '#\\');
  }

  // ---------------------------------------------------------------------------------------------
  // Statements

  /**
   * Set by {@link body} while it lowers a module-level statement: the reuse of the statements
   * inside it (`ReuseStatements.members`), offered to every block lowered below (a class's
   * members, a function's body, the bodies of its loops and branches).
   */
  private inner: ReuseStatements | null = null;

  /**
   * The statements of the current `module` or `block` node. `reuse` (the module's statements)
   * or, inside a module-level statement being lowered, the reuse of inner statements may supply
   * the statements of a child node instead of lowering it.
   */
  body(reuse?: ReuseStatements): Stmt[] {
    const c = this.c;
    const out: Stmt[] = [];
    const r = reuse ?? this.inner;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const known = r && this.kinds[t] >= MEANINGFUL ? r(c.startIndex, c.endIndex) : null;
        if (known) out.push(...known);
        else {
          const from = out.length;
          if (reuse) this.inner = reuse.members ?? null;
          this.stmt(t, out);
          if (reuse) this.inner = null;
          if (this.kinds[t] >= MEANINGFUL) r?.lowered?.(c.startIndex, c.endIndex, out.slice(from));
        }
      } while (c.gotoNextSibling());
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
      default: {
        // Python 2 `print`/`exec`, `type X = ...`, future grammar additions (never null).
        const s = this.otherStmt(t, kind, BLOCK, true);
        if (s !== null) out.push(s);
      }
    }
    this.depth--;
  }

  /**
   * An expression statement: an assignment, or one expression, or several (a bare tuple). Its
   * span is its single child's when the text shows the statement ends there.
   */
  private exprStmt(): Stmt | null {
    const c = this.c;
    const text = this.text;
    const values: Expr[] = [];
    let stmt: Stmt | null = null;
    let span: Span | null = null;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === ASSIGN || kind === AUG_ASSIGN) {
          stmt = kind === ASSIGN ? this.assign() : this.augAssign();
          break; // an assignment is the statement's only child
        } else if (kind < MEANINGFUL) continue;
        else {
          values.push(this.expr(t));
          if (values.length > 1 || !this.guided) continue;
          // One expression followed by the end of the line (or `;`): it is the whole statement.
          let i = this.lastEnd;
          let ch = text.charCodeAt(i);
          while (ch === 32 || ch === 9) ch = text.charCodeAt(++i);
          if (ch === 10 || ch === 13 || ch === 59 /* ; */ || ch === 35 /* # */ || i >= text.length) {
            span = { start: this.lastStart, end: this.lastEnd };
            break;
          }
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    if (stmt !== null) return stmt;
    if (values.length === 0) return null;
    span ??= this.span();
    const value: Expr = values.length === 1 ? values[0] : { k: 'tuple', elts: values, span };
    return { k: 'expr', value, span };
  }

  /**
   * `a = b`, `a = b = c` (nested `assignment` nodes, walked iteratively: the chain can be long),
   * `a: T`, `a: T = b`. The span is the `assignment` node's (the statement's).
   */
  private assign(): Stmt {
    const c = this.c;
    const targets: Expr[] = [];
    let value: Expr | null = null;
    let annotation: Expr | null = null;
    let start = -1;
    let levels = 0;
    while (c.gotoFirstChild()) {
      levels++;
      let hasTarget = false;
      let chained = false;
      for (let more = true; more; more = c.gotoNextSibling()) {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        if (!hasTarget) {
          targets.push(this.expr(t));
          hasTarget = true;
          if (start < 0) start = this.lastStart;
          // `target = value`: step over the `=` token without asking for its type.
          if (this.assignFollows(this.lastEnd)) more = c.gotoNextSibling();
        } else if (kind === TYPE) {
          annotation = this.expr(t);
        } else if (kind === ASSIGN) {
          chained = true;
          break;
        } else {
          value = this.expr(t);
          break; // the value is the last child
        }
      }
      if (!chained) break;
    }
    const end = this.lastEnd;
    for (; levels > 0; levels--) c.gotoParent();
    const span = this.guided ? { start, end } : this.span();
    return { k: 'assign', targets, value, op: null, annotation, span };
  }

  private augAssign(): Stmt {
    const c = this.c;
    let target: Expr | null = null;
    let value: Expr | null = null;
    let op = '';
    let start = 0;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === ANON) op = this.g.types[t];
        else if (kind < MEANINGFUL) continue;
        else if (target === null) {
          target = this.expr(t);
          start = this.lastStart;
        } else {
          value = this.expr(t);
          break;
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    const span = this.guided ? { start, end: this.lastEnd } : this.span();
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
        const kind = this.kinds[c.nodeTypeId];
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
        if (kind < MEANINGFUL) continue;
        item = kind === AS_PATTERN ? this.asPattern() : { ctx: this.expr(t), as: null };
        break;
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
        if (t === this.g.colon) headerEnd = this.guided ? c.startIndex + 1 : c.endIndex;
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
    return { k: 'simple', kind, exprs: [], span: { start, end: this.guided ? start + kind.length : this.c.endIndex } };
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

  protected override blockBody(): Stmt[] {
    return this.body();
  }

  // ---------------------------------------------------------------------------------------------
  // Parameters and arguments

  /** The parameters of a `parameters` or `lambda_parameters` node. */
  private params(): Param[] {
    const c = this.c;
    const closers = this.g.closers;
    const out: Param[] = [];
    let kwonly = false;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        let p: Param;
        if (kind === NAME) {
          const n = this.name();
          p = { name: n.id, kind: kwonly ? 'kwonly' : 'plain', default: null, annotation: null, span: n.span };
        } else if (kind === STAR || kind === DICT_SPLAT_PATTERN || kind === TUPLE) {
          p = this.simpleParam(kind, kwonly, this.span());
        } else if (kind === PARAM) {
          p = this.param(kwonly);
        } else if (kind === KEYWORD_SEP) {
          kwonly = true;
          continue;
        } else if (kind === ANON && closers.includes(t)) {
          break;
        } else {
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

  /**
   * Sorts the children of an `argument_list` into the call's (or class's) lists and returns the
   * list's end offset. In an error-free tree the commas and the closing parenthesis are read
   * from the text instead of being visited.
   */
  private args(args: Expr[], kwargs: Keyword[], doubleStar: Expr[]): number {
    const c = this.c;
    const rparen = this.g.closers[0];
    let end = -1;
    if (c.gotoFirstChild()) {
      // The first child is `(`.
      while (c.gotoNextSibling()) {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) {
          if (t === rparen) break;
          continue;
        }
        if (kind === KWARG) kwargs.push(this.keyword());
        else if (kind === DICT_SPLAT) doubleStar.push(this.firstExpr() ?? missing(c.startIndex));
        else args.push(this.expr(t));
        if (this.guided && (end = this.afterItem(41 /* ) */)) >= 0) break;
      }
      c.gotoParent();
    }
    return end >= 0 ? end : c.endIndex;
  }

  /** `name=value`; sets `lastEnd` to its end. */
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
        else {
          value = this.expr(t);
          break;
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    if (value === null) {
      this.lastEnd = c.endIndex;
      return { name: name ?? '', value: missing(start), span: { start, end: this.lastEnd } };
    }
    return { name: name ?? '', value, span: { start, end: this.lastEnd } };
  }

  // ---------------------------------------------------------------------------------------------
  // Expressions

  /**
   * Lowers the expression under the cursor (type id `t`) and records the node's start and end
   * in `lastStart`/`lastEnd` (only a parenthesized expression's node is wider than its IR).
   */
  protected override expr(t: number): Expr {
    const kind = this.kinds[t];
    let e: Expr;
    if (this.depth >= MAX_DEPTH) {
      e = this.tooDeep(t);
    } else {
      this.depth++;
      e = this.lowerExpr(t, kind);
      this.depth--;
      if (kind === PAREN || kind === TYPE) return e; // they record their own node's range
    }
    this.lastStart = e.span.start;
    this.lastEnd = e.span.end;
    return e;
  }

  private lowerExpr(t: number, kind: number): Expr {
    switch (kind) {
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
      case PAREN: return this.wrapped(t, END_AT_PAREN); // `(x)` lowers to `x`
      case DICT: return this.dict();
      case SUBSCRIPT: return this.subscript();
      case GENERIC_TYPE: return this.genericType();
      case LAMBDA: return this.lambda();
      case COND: return this.cond();
      case STAR: return this.star();
      case COMPREHENSION: return this.comprehension(t);
      case TYPE: return this.type(t);
      default: return this.other(t);
    }
  }

  /** An identifier. */
  private name(): NameExpr {
    const c = this.c;
    const text = this.text;
    const start = c.startIndex;
    let end = start;
    if (!this.guided) end = c.endIndex;
    else {
      let ch = text.charCodeAt(end);
      while (isIdentChar(ch)) ch = text.charCodeAt(++end);
      if (ch >= 0x80) end = c.endIndex; // a non-ASCII identifier: let tree-sitter say where it ends
    }
    return { k: 'name', id: text.slice(start, end), span: { start, end } };
  }

  /**
   * `obj.attr`. In an error-free tree a chain of identifiers (`self.bn1`, `torch.nn.functional`)
   * is read from the text, and otherwise `.attr` is.
   */
  private attr(): Expr {
    const c = this.c;
    const text = this.text;
    let obj: Expr | null = null;
    let attr: NameExpr | null = null;
    let start = 0;
    if (this.guided) {
      const span = this.span();
      const chain = dottedChain(text, span, MAX_DEPTH - this.depth);
      if (chain !== null) return chain;
      start = span.start;
    }
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        if (obj !== null) {
          if (kind === NAME) attr = this.name();
          break;
        }
        obj = this.expr(t);
        if (!this.guided) continue;
        let i = skipBlank(text, this.lastEnd);
        if (text.charCodeAt(i) !== 46 /* . */) continue;
        i = skipBlank(text, i + 1);
        let end = i;
        let ch = text.charCodeAt(end);
        if (ch >= 48 && ch <= 57) continue;
        while (isIdentChar(ch)) ch = text.charCodeAt(++end);
        if (end === i || ch >= 0x80) continue;
        attr = { k: 'name', id: text.slice(i, end), span: { start: i, end } };
        break;
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    if (!this.guided) start = c.startIndex;
    const attrSpan = attr?.span ?? { start: c.endIndex, end: c.endIndex };
    return { k: 'attr', obj: obj ?? missing(start), attr: attr?.id ?? '', span: { start, end: attrSpan.end }, attrSpan };
  }

  private call(): Expr {
    const c = this.c;
    const text = this.text;
    let fn: Expr | null = null;
    let start = 0;
    const args: Expr[] = [];
    const kwargs: Keyword[] = [];
    const doubleStar: Expr[] = [];
    let argsSpan: Span | null = null;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        if (fn === null) {
          fn = this.expr(t);
          start = this.lastStart;
        } else if (kind === ARGS) {
          const i = skipBlank(text, this.lastEnd);
          const argsStart = this.guided && text.charCodeAt(i) === 40 /* ( */ ? i : c.startIndex;
          argsSpan = { start: argsStart, end: this.args(args, kwargs, doubleStar) };
          break;
        } else {
          // `f(x for x in y)`: the generator expression is the whole argument list.
          const arg = this.expr(t);
          args.push(arg);
          argsSpan = arg.span;
          break;
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    if (!this.guided) start = c.startIndex;
    argsSpan ??= { start: c.endIndex, end: c.endIndex };
    return { k: 'call', fn: fn ?? missing(start), args, kwargs, doubleStar, span: { start, end: argsSpan.end }, argsSpan };
  }

  private num(t: number): Expr {
    const c = this.c;
    const text = this.text;
    const start = c.startIndex;
    let end = this.guided ? numberEnd(text, start, pySuffix) : -1;
    if (end < 0 || isIdentChar(text.charCodeAt(end)) || text.charCodeAt(end) === 46 /* . */) end = c.endIndex;
    const span = { start, end };
    const raw = text.slice(start, end);
    const value = (raw.charCodeAt(raw.length - 1) | 0x20) === 0x6a /* j: imaginary */ ? NaN : parseNumber(raw);
    if (!Number.isFinite(value)) return { k: 'other', kind: this.typeName(t), parts: [], span };
    return { k: 'num', value, raw, span };
  }

  /** A string literal: decoded unless it is an f-string (then `other` with its interpolations). */
  private str(): Expr {
    const c = this.c;
    const text = this.text;
    const start = c.startIndex;
    let i = start;
    let format = false;
    let raw = false;
    let bytes = false;
    for (;; i++) {
      const ch = text.charCodeAt(i) | 0x20;
      if (ch === 0x66 /* f */ || ch === 0x74 /* t */) format = true;
      else if (ch === 0x72 /* r */) raw = true;
      else if (ch === 0x62 /* b */) bytes = true;
      else if (ch !== 0x75 /* u */) break;
    }
    if (format) {
      const parts: Expr[] = [];
      this.parts(parts);
      return { k: 'other', kind: 'string', parts, span: { start, end: c.endIndex } };
    }
    const quote = text[i];
    if (quote !== '"' && quote !== "'") return { k: 'str', value: '', span: this.span() }; // only in error trees
    // Python reads `'''` as the start of a triple-quoted string (so `''` is always empty).
    const q = text[i + 1] === quote && text[i + 2] === quote ? quote.repeat(3) : quote;
    const from = i + q.length;
    const close = this.guided ? closingQuote(text, from, q) : -1;
    const end = close >= 0 ? close + q.length : c.endIndex;
    const to = end - q.length >= from && text.startsWith(q, end - q.length) ? end - q.length : end;
    const content = text.slice(from, to);
    return { k: 'str', value: raw ? content : unescape(content, bytes), span: { start, end } };
  }

  private concat(): Expr {
    const c = this.c;
    const pieces: Expr[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        if (this.kinds[t] >= MEANINGFUL) pieces.push(this.expr(t));
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    const span = this.guided && pieces.length > 0 ? { start: pieces[0].span.start, end: this.lastEnd } : this.span();
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

  /**
   * The children of `left op right` (binary, boolean, `pair`) or `op operand` (unary) nodes,
   * and the node's range.
   */
  private operands(): { left: Expr | null; op: string; right: Expr | null; span: Span } {
    const c = this.c;
    let left: Expr | null = null;
    let right: Expr | null = null;
    let op = '';
    let start = -1;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === ANON) {
          op = this.g.types[t];
          if (left === null && start < 0 && this.guided) start = c.startIndex; // unary operator
        } else if (kind < MEANINGFUL) continue;
        else if (left === null) {
          left = this.expr(t);
          if (start < 0) start = this.lastStart;
          if (op !== '') break; // unary: the operand is the last child
        } else {
          right = this.expr(t);
          break;
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    const span = this.guided ? { start, end: this.lastEnd } : this.span();
    return { left, op, right, span };
  }

  private binary(): Expr {
    const { left, op, right, span } = this.operands();
    return { k: 'bin', op, left: left ?? missing(span.start), right: right ?? missing(span.end), span };
  }

  private boolop(): Expr {
    const { left, op, right, span } = this.operands();
    return {
      k: 'boolop',
      op: op === 'or' ? 'or' : 'and',
      left: left ?? missing(span.start),
      right: right ?? missing(span.end),
      span,
    };
  }

  /** `-x`, `+x`, `~x`, `not x`. */
  private unary(): Expr {
    const { left: operand, op, span } = this.operands();
    return { k: 'unary', op, operand: operand ?? missing(span.end), span };
  }

  private compare(): Expr {
    const c = this.c;
    const ops: string[] = [];
    const operands: Expr[] = [];
    let start = 0;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === ANON) ops.push(this.g.types[t]);
        else if (kind >= MEANINGFUL) {
          operands.push(this.expr(t));
          if (operands.length === 1) start = this.lastStart;
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    const span = this.guided ? { start, end: this.lastEnd } : this.span();
    return { k: 'compare', ops, operands, span };
  }

  /** Lowers every meaningful child into `out`, stopping at a closing bracket. */
  private children(out: Expr[]): void {
    const c = this.c;
    const closers = this.g.closers;
    if (!c.gotoFirstChild()) return;
    do {
      const t = c.nodeTypeId;
      const kind = this.kinds[t];
      if (kind >= MEANINGFUL) out.push(this.expr(t));
      else if (kind === ANON && closers.includes(t)) break;
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  private seq(k: 'list' | 'tuple' | 'set'): Expr {
    const span = this.span();
    const elts: Expr[] = [];
    this.children(elts);
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
          const pair = this.operands();
          keys.push(pair.left ?? missing(pair.span.start));
          values.push(pair.right ?? missing(pair.span.end));
        } else if (kind === DICT_SPLAT) {
          keys.push(null);
          values.push(this.firstExpr() ?? missing(c.startIndex));
        } else if (kind >= MEANINGFUL) {
          keys.push(null);
          values.push(this.expr(t));
        } else if (kind === ANON && t === this.g.closers[2]) break;
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { k: 'dict', keys, values, span };
  }

  /** `a[i]`; `a[i, j]` has a tuple index; slices are `other` nodes. */
  private subscript(): Expr {
    const c = this.c;
    let obj: Expr | null = null;
    let start = 0;
    const indices: Expr[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) {
          if (t === this.g.closers[1]) break;
        } else if (obj === null) {
          obj = this.expr(t);
          start = this.lastStart;
        } else indices.push(this.expr(t));
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    const span = { start: this.guided ? start : c.startIndex, end: c.endIndex };
    return { k: 'subscript', obj: obj ?? missing(span.start), index: subscriptIndex(indices, span), span };
  }

  /** `List[int]`, `Dict[str, T]` in annotations: lowered like the subscript it is at run time. */
  private genericType(): Expr {
    const c = this.c;
    const span = this.span();
    let obj: Expr | null = null;
    const indices: Expr[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        if (this.kinds[t] < MEANINGFUL) continue;
        if (obj === null) obj = this.expr(t);
        else this.children(indices); // the `type_parameter` `[T, ...]`
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { k: 'subscript', obj: obj ?? missing(span.start), index: subscriptIndex(indices, span), span };
  }

  private lambda(): Expr {
    const c = this.c;
    const start = c.startIndex;
    let params: Param[] = [];
    let body: Expr | null = null;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === PARAMS) params = this.params();
        else if (kind >= MEANINGFUL) {
          body = this.expr(t);
          break;
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    const end = this.guided && body !== null ? this.lastEnd : c.endIndex;
    return { k: 'lambda', params, body: body ?? missing(end), span: { start, end } };
  }

  /** `body if test else orelse`. */
  private cond(): Expr {
    const c = this.c;
    const operands: Expr[] = [];
    let start = 0;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        if (this.kinds[t] < MEANINGFUL) continue;
        operands.push(this.expr(t));
        if (operands.length === 1) start = this.lastStart;
        else if (operands.length === 3) break;
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    const span = this.guided ? { start, end: this.lastEnd } : this.span();
    return {
      k: 'cond',
      body: operands[0] ?? missing(span.start),
      test: operands[1] ?? missing(span.end),
      orelse: operands[2] ?? missing(span.end),
      span,
    };
  }

  /** `*value`. */
  private star(): Expr {
    const start = this.c.startIndex;
    const value = this.firstExpr();
    const end = this.guided && value !== null ? this.lastEnd : this.c.endIndex;
    return { k: 'star', value: value ?? missing(end), span: { start, end } };
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
        else if (kind === ANON && this.g.closers.includes(ct)) break;
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { k: 'other', kind: this.typeName(t), parts, span };
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
    // A wrapped expression's node range (already in lastStart/lastEnd) is the type node's.
    if (children === 1 && wrapsExpr) return parts[0];
    const span = this.span();
    this.lastStart = span.start;
    this.lastEnd = span.end;
    return { k: 'other', kind: this.typeName(t), parts, span };
  }
}

/**
 * The attribute chain `a.b.c` (identifiers and dots, blanks allowed around the dots) exactly
 * covering `span`, or null if the text there is anything else or it nests deeper than `maxDepth`.
 */
function dottedChain(text: string, span: Span, maxDepth: number): Expr | null {
  let chain: Expr | null = null;
  let i = span.start;
  for (let depth = 0; depth < maxDepth; depth++) {
    const start = i;
    let ch = text.charCodeAt(i);
    if (ch >= 48 && ch <= 57) return null;
    while (isIdentChar(ch)) ch = text.charCodeAt(++i);
    if (i === start || ch >= 0x80) return null;
    const id = text.slice(start, i);
    const name: NameExpr = { k: 'name', id, span: { start, end: i } };
    if (chain === null) {
      if (id === 'None' || id === 'True' || id === 'False') return null;
      chain = name;
    } else {
      chain = { k: 'attr', obj: chain, attr: id, span: { start: span.start, end: i }, attrSpan: name.span };
    }
    if (i === span.end) return chain.k === 'attr' ? chain : null;
    i = skipBlank(text, i);
    if (i >= span.end || text.charCodeAt(i) !== 46 /* . */) return null;
    i = skipBlank(text, i + 1);
  }
  return null;
}

/** A subscript's index: the single index, or a tuple of several. */
function subscriptIndex(indices: Expr[], span: Span): Expr {
  if (indices.length === 1) return indices[0];
  if (indices.length === 0) return missing(span.end);
  return { k: 'tuple', elts: indices, span: { start: indices[0].span.start, end: indices[indices.length - 1].span.end } };
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

/**
 * The suffix of tree-sitter-python's `integer` and `float` tokens (for `numberEnd`): a py2 `L`
 * after any number, an imaginary `j` after a decimal one.
 */
function pySuffix(ch: number, prefixed: boolean): boolean {
  const lower = ch | 0x20;
  return lower === 0x6c /* l */ || (!prefixed && lower === 0x6a) /* j */;
}

/** The offset of the first unescaped `quote` (one or three characters) at or after `i`, or -1. */
function closingQuote(text: string, i: number, quote: string): number {
  for (;;) {
    const j = text.indexOf(quote, i);
    if (j < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(j - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return j;
    i = j + 1;
  }
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
