/**
 * Lowers tree-sitter-typescript (`typescript`, `tsx`) and tree-sitter-javascript trees to the
 * Python IR (`../python/ir.ts`), so the interpreter's Keras semantics apply to TensorFlow.js
 * code unchanged (tfjs-layers is a port of Keras).
 *
 * How it walks: like the Python lowering, one `TreeCursor` moved by recursive descent, with the
 * machinery the two share (`../lowering-base.ts`). Every cursor call crosses the WASM boundary,
 * so the walk reads only what it uses: node types are numeric ids mapped through a
 * per-language table (type ids differ between the three grammars), field names are never read
 * (children are told apart by kind, position and the anonymous tokens between them, whose text
 * comes from the language's type table, not from WASM), and in an error-free tree the text is
 * read where it is unambiguous: identifier, keyword, string and number ends, attribute chains
 * (`tf.layers.dense`, `this.bn`) and `.name` after an object, the commas and closing brackets
 * of argument lists, arrays and objects, the `:` of a property, the `=` and `;` of a
 * declaration, a `;` ending an expression statement. Comments are nodes, so a comment where a
 * token is expected falls back to the tree. In a tree with errors every offset comes from
 * tree-sitter (`readText: false` forces that; the tests check both agree).
 *
 * Hoisting: JavaScript passes functions around where Python would define them first. A
 * block-bodied function expression or arrow anywhere inside a statement (a callback of
 * `tf.tidy`, `optimizer.minimize`, `forEach`, a `fit` callback) becomes a `func` statement named
 * `$fn<start>` inserted right before the statement, and a `name` expression in its place. A
 * class expression likewise becomes a `class` statement named `$cls<start>`.
 *
 * Errors: ERROR and MISSING nodes are collected with one compiled query (only for trees that
 * have errors); ERROR subtrees are skipped wherever they occur. Nesting beyond `MAX_DEPTH`
 * levels is lowered as an `other` node with no parts (or an empty `simple` statement).
 */
import type { Tree, TreeCursor } from 'web-tree-sitter';
import type { Span } from '../../core/diagnostic';
import { ANON, CursorLowering, END_AT_NODE, END_AT_OPERAND, END_AT_PAREN, FIRST_EXPR, grammarTables, isExpr, lowerTree, MAX_DEPTH, MEANINGFUL, missing, numberEnd, perLanguage, skipBlank, WRAPPER, type GrammarTables } from '../lowering-base';
import { SCRIPT_EXTENSION } from '../../core/source-kind';
import type {
  AssignStmt,
  ClassStmt,
  ExceptHandler,
  Expr,
  FuncDef,
  FuncStmt,
  ImportFact,
  Keyword,
  NameExpr,
  Param,
  PyFile,
  Stmt,
} from '../python/ir';

// Node kinds: what the lowering does with a node type, numbered around the landmarks of
// `../lowering-base.ts` (ANON = 0, ERROR = 3, MEANINGFUL, WRAPPER: any other named node, whose
// expressions are flattened into the parent's). Below MEANINGFUL: ignored as a child.
const COMMENT = 1;
const SKIP = 2; // named node without runtime meaning: types, modifiers, string pieces, TS-only declarations
const TYPE_IDENT = 4; // `type_identifier`: a TypeScript class name, otherwise a type
const DECORATOR = 5;
const EMPTY = 6; // `empty_statement` (`;`): a C-style `for` header part
// Expressions: FIRST_EXPR..LAST_EXPR.
const NAME = FIRST_EXPR;
const THIS = 11;
const SUPER = 12;
const NONE = 13;
const TRUE = 14;
const FALSE = 15;
const NUMBER = 16;
const STRING = 17;
const TEMPLATE = 18;
const MEMBER = 19;
const SUBSCRIPT = 20;
const CALL = 21;
const NEW = 22;
const BINARY = 23;
const UNARY = 24;
const UPDATE = 25;
const ASSIGN_EXPR = 26;
const AUG_ASSIGN = 27;
const COND = 28;
const ARRAY = 29;
const OBJECT = 30;
const PAREN = 31;
const SEQUENCE = 32;
const TS_WRAP = 33; // `e as T`, `e!`, `e satisfies T`, `<T>e`, `f<T>`: the inner expression
const AWAIT = 34;
const ARROW = 35;
const FUNC_EXPR = 36;
const CLASS_EXPR = 37;
const SPREAD = 38;
const JSX = 39; // a JSX element: `other` with the expressions of its `{...}` children and attributes
const OTHER_EXPR = 40; // LAST_EXPR
// Binding patterns.
const ARRAY_PATTERN = 41;
const OBJECT_PATTERN = 42;
const ASSIGN_PATTERN = 43;
const REST_PATTERN = 44;
const PAIR_PATTERN = 45;
const SHORTHAND_PATTERN = 46;
const OBJ_ASSIGN_PATTERN = 47;
// Statements.
const EXPR_STMT = 50;
const VAR_DECL = 51;
const FUNC_DECL = 52;
const CLASS_DECL = 53;
const IMPORT = 54;
const EXPORT = 55;
const IF = 56;
const FOR = 57;
const FOR_IN = 58;
const WHILE = 59;
const DO = 60;
const TRY = 61;
const RETURN = 62;
const THROW = 63;
const BREAK = 64;
const CONTINUE = 65;
const SWITCH = 66;
const LABELED = 67;
const BLOCK = 68;
const NAMESPACE = 69;
// Structural nodes inside statements and expressions.
const ELSE = 70;
const CATCH = 71;
const FINALLY = 72;
const PARAMS = 73;
const TS_PARAM = 74; // required_parameter, optional_parameter
const ARGS = 75;
const PAIR = 76;
const METHOD = 77;
const FIELD = 78;
const CLASS_BODY = 79;
const HERITAGE = 80;
const EXTENDS = 81;
const STATIC_BLOCK = 82;
const SWITCH_BODY = 83;
const SWITCH_CASE = 84;
const SWITCH_DEFAULT = 85;
const DECLARATOR = 86;
const COMPUTED_KEY = 87;
const IMPORT_CLAUSE = 88;
const NAMESPACE_IMPORT = 89;
const NAMED_IMPORTS = 90;
const IMPORT_SPEC = 91;
const EXPORT_CLAUSE = 92;
const EXPORT_SPEC = 93;
const NAMESPACE_EXPORT = 94;
const IMPORT_REQUIRE = 95;
const JSX_EXPR = 96; // `{...}` inside JSX
const JSX_PART = 97; // opening elements and attributes: looked into for `{...}`

const NAMED_KINDS: Readonly<Record<string, number>> = {
  comment: COMMENT, html_comment: COMMENT, hash_bang_line: COMMENT,
  string_fragment: SKIP, escape_sequence: SKIP, regex_pattern: SKIP, regex_flags: SKIP,
  statement_identifier: SKIP, accessibility_modifier: SKIP, override_modifier: SKIP,
  optional_chain: SKIP, import_attribute: SKIP, jsx_text: SKIP, html_character_reference: SKIP,
  implements_clause: SKIP, nested_type_identifier: SKIP, asserts: SKIP, constraint: SKIP,
  interface_declaration: SKIP, type_alias_declaration: SKIP, enum_declaration: SKIP,
  ambient_declaration: SKIP, debugger_statement: SKIP, index_signature: SKIP,
  asserts_annotation: SKIP, index_type_query: SKIP, mapped_type_clause: SKIP,
  empty_statement: EMPTY, type_identifier: TYPE_IDENT, decorator: DECORATOR,
  identifier: NAME, property_identifier: NAME, private_property_identifier: NAME,
  shorthand_property_identifier: NAME, import: NAME,
  this: THIS, super: SUPER, null: NONE, undefined: NONE, true: TRUE, false: FALSE,
  number: NUMBER, string: STRING, template_string: TEMPLATE,
  member_expression: MEMBER, subscript_expression: SUBSCRIPT, call_expression: CALL,
  new_expression: NEW, binary_expression: BINARY, unary_expression: UNARY,
  update_expression: UPDATE, assignment_expression: ASSIGN_EXPR,
  augmented_assignment_expression: AUG_ASSIGN, ternary_expression: COND, array: ARRAY,
  object: OBJECT, parenthesized_expression: PAREN, sequence_expression: SEQUENCE,
  as_expression: TS_WRAP, satisfies_expression: TS_WRAP, non_null_expression: TS_WRAP,
  type_assertion: TS_WRAP, instantiation_expression: TS_WRAP, await_expression: AWAIT,
  arrow_function: ARROW, function_expression: FUNC_EXPR, function: FUNC_EXPR,
  generator_function: FUNC_EXPR, class: CLASS_EXPR, spread_element: SPREAD,
  regex: OTHER_EXPR, yield_expression: OTHER_EXPR, meta_property: OTHER_EXPR,
  jsx_element: JSX, jsx_self_closing_element: JSX, jsx_fragment: JSX, jsx_expression: JSX_EXPR,
  jsx_opening_element: JSX_PART, jsx_attribute: JSX_PART, jsx_closing_element: SKIP,
  array_pattern: ARRAY_PATTERN, object_pattern: OBJECT_PATTERN,
  assignment_pattern: ASSIGN_PATTERN, rest_pattern: REST_PATTERN, pair_pattern: PAIR_PATTERN,
  shorthand_property_identifier_pattern: SHORTHAND_PATTERN,
  object_assignment_pattern: OBJ_ASSIGN_PATTERN,
  expression_statement: EXPR_STMT, lexical_declaration: VAR_DECL, variable_declaration: VAR_DECL,
  using_declaration: VAR_DECL, function_declaration: FUNC_DECL,
  generator_function_declaration: FUNC_DECL, class_declaration: CLASS_DECL,
  abstract_class_declaration: CLASS_DECL, import_statement: IMPORT, export_statement: EXPORT,
  if_statement: IF, for_statement: FOR, for_in_statement: FOR_IN, while_statement: WHILE,
  do_statement: DO, try_statement: TRY, return_statement: RETURN, throw_statement: THROW,
  break_statement: BREAK, continue_statement: CONTINUE, switch_statement: SWITCH,
  labeled_statement: LABELED, statement_block: BLOCK, internal_module: NAMESPACE,
  module: NAMESPACE,
  else_clause: ELSE, catch_clause: CATCH, finally_clause: FINALLY, formal_parameters: PARAMS,
  required_parameter: TS_PARAM, optional_parameter: TS_PARAM, arguments: ARGS, pair: PAIR,
  method_definition: METHOD, public_field_definition: FIELD, field_definition: FIELD,
  class_body: CLASS_BODY, class_heritage: HERITAGE, extends_clause: EXTENDS,
  class_static_block: STATIC_BLOCK, switch_body: SWITCH_BODY, switch_case: SWITCH_CASE,
  switch_default: SWITCH_DEFAULT, variable_declarator: DECLARATOR,
  computed_property_name: COMPUTED_KEY, import_clause: IMPORT_CLAUSE,
  namespace_import: NAMESPACE_IMPORT, named_imports: NAMED_IMPORTS,
  import_specifier: IMPORT_SPEC, export_clause: EXPORT_CLAUSE, export_specifier: EXPORT_SPEC,
  namespace_export: NAMESPACE_EXPORT, import_require_clause: IMPORT_REQUIRE,
};

/** Type-only named nodes (types, signatures, annotations): never lowered. */
function isTypeNode(name: string): boolean {
  return name.endsWith('_type') || name.startsWith('type_') || name.endsWith('_signature') || name.endsWith('type_annotation') || name.startsWith('type');
}

/** The tables of each grammar (type ids differ between the three). */
const grammarFor = perLanguage((language): GrammarTables => grammarTables(language, NAMED_KINDS, (name) => (isTypeNode(name) ? SKIP : WRAPPER)));

/**
 * Lowers a TypeScript, TSX or JavaScript file (TensorFlow.js code) to the IR the Python frontend
 * produces, with `lang: 'ts'`, so the interpreter's Keras semantics apply (tfjs-layers is a port
 * of Keras).
 *
 * @param tree - A tree of `text` from tree-sitter-typescript (`typescript` or `tsx` grammar) or
 *   tree-sitter-javascript; it is only read (the caller still owns and deletes it).
 * @param text - The exact string that was parsed: every span is a half-open range of UTF-16
 *   code-unit offsets into it.
 * @param options - `readText: false` takes every offset from tree-sitter even in an error-free
 *   tree (for tests: the result must be the same).
 * @returns `{ lang: 'ts', body, errors }`: the module's statements, and the spans of ERROR and
 *   MISSING nodes (statements inside ERROR nodes are not lowered; their valid siblings are).
 *
 * What it produces, besides the direct mappings (`a.b` and `a?.b` → attr, `this` → `self`,
 * `null`/`undefined` → none, `===` → `==`, `&&`/`||`/`??` → boolop, `await e` → `e`, TS
 * assertions → their operand, `new X(a)` → a call of `X`, JSX → `other` with the expressions of
 * its `{...}`):
 * - Imports: one `import` stmt per binding (spanning the statement; `imp.span` is the binding).
 *   `import * as tf`, a default `import tf` and `const tf = require(...)` bind the module
 *   (`name: null`); named imports and destructured requires bind names. Module names:
 *   `@tensorflow/tfjs`, `-node`, `-node-gpu`, `-layers`, `-core` → `tfjs` (they all export the
 *   `tf.*` API); `@tensorflow/tfjs-data` → `tfjs.data` (`tf.data`); `./a/b.js` → `a.b` at level
 *   1, each further `../` one level more; other specifiers as written, level 0. `export ... from`
 *   re-exports are imports; `export {a as b}` is `b = a`; type-only and side-effect imports are
 *   dropped.
 * - Calls: a trailing object-literal argument is a config object. TensorFlow.js passes Keras's
 *   keyword arguments that way, camelCased (`tf.layers.dense({units: 8, useBias: false})`,
 *   `model.fit(xs, ys, {batchSize: 32, epochs: 5})`; TensorFlow.js 4.22 API,
 *   js.tensorflow.org/api/4.22.0). Its properties become `kwargs` named in snake_case
 *   (`useBias` → `use_bias`, the Keras name), `raw` the key as written (a string key's value),
 *   `span` the whole property; a shorthand `{units}` has a `name` value; a method `m() {...}` has
 *   its hoisted function as value (like `m: () => {...}`); spreads and computed keys (unknown
 *   keywords, as `other` with key and value) go to `doubleStar`; `call.config` is the literal's
 *   span. Other object literals are dicts with `str` keys.
 * - `X.apply(a, ...)` (at least one argument) is a call of `X` itself: tfjs's
 *   `layer.apply(inputs, kwargs)` is Keras's `layer(inputs, **kwargs)`, so
 *   `model.apply(x, {training: true})` has the keyword `training`, and a second argument that is
 *   not an object literal (`layer.apply(x, kwargs)`) is `**kwargs`.
 * - Functions: declarations, and function expressions or arrows bound by `const f = ...`, are
 *   `func` stmts (an expression body is one `return`); their span is the whole statement,
 *   `export` included, their header starts at `function`/`async` (or `const`). Other
 *   block-bodied functions are hoisted (see the module comment); other expression-bodied arrows
 *   are `lambda`s (hoisted too if their body hoisted something or destructures a parameter). A
 *   destructured parameter is a parameter `$<index>` bound at the top of the body
 *   (`epochs = $0.epochs`, `bs = $0.batchSize or 32` for `{batchSize: bs = 32}`).
 * - Classes: methods get a leading `self`; `constructor` is `__init__` (TS parameter properties
 *   become `self.x = x` after the `super(...)` call); `super(a)` is `super().__init__(a)`,
 *   `super.m()` is `super().m()`; static methods are decorated `classmethod`; fields are
 *   assignments in the class body (an arrow-function field is a method); TS decorators are
 *   decorators; signatures without bodies are dropped.
 * - Statements: a C-style `for` is its initializer followed by `while cond` (`while true`
 *   without one) whose body ends with the update; `do body while (c)` is
 *   `while true: body; if not c: break`; `switch` is a `block` (kind `switch`, exprs: the
 *   discriminant then the case values, one body per case); `i++` is `i += 1`; a statement-level
 *   sequence `a = 1, f()` is one statement per part; `for (const {a} of xs)` binds `a` from a
 *   target `$for<start>`; `namespace N {...}` is a `block`; other TS-only declarations are
 *   dropped.
 *
 * Throws: nothing for any tree and text (deep nesting is cut off at a fixed depth).
 */
export function lowerTypeScript(tree: Tree, text: string, options?: { readText?: boolean }): PyFile {
  const g = grammarFor(tree.language);
  const lowered = lowerTree(tree, g, (cursor, hasError) => {
    const body: Stmt[] = [];
    new Lowering(cursor, text, g, hasError || options?.readText === false).statements(body, false);
    return body;
  });
  return { lang: 'ts', body: lowered.body, errors: lowered.errors };
}

/** `[A-Za-z0-9_$]`: an ASCII identifier character of JavaScript. */
function isIdentChar(ch: number): boolean {
  return (ch >= 97 && ch <= 122) || (ch >= 65 && ch <= 90) || (ch >= 48 && ch <= 57) || ch === 95 || ch === 36;
}

/** One entry of an object literal, before it becomes a config keyword or a dict item. */
interface ObjEntry {
  /** pair: `key: value`; short: `{units}`; spread: `...x`; method: `m() {}`; computed: `[k]: v`. */
  kind: 'pair' | 'short' | 'spread' | 'method' | 'computed';
  /** The key's name (an identifier's text, a string key's value, a number key's text). */
  key: string;
  /** The key as a dict key expression (`str`, or `num` for a number key, or the computed key). */
  keyExpr: Expr | null;
  value: Expr;
  span: Span;
}

interface LoweredObject {
  entries: ObjEntry[];
  span: Span;
}

/** What a function node lowers to. */
interface FuncParts {
  def: FuncDef;
  /** The expression body of an arrow (its `return` is `def.body`'s last statement). */
  exprBody: Expr | null;
  /** The expression body needed hoisted functions (they sit before the `return`). */
  bodyHoisted: boolean;
}

interface FuncOptions {
  /** The bound name (a declaration's, a `const`'s, a method's), or null to use the node's own. */
  name: string | null;
  nameSpan: Span | null;
  /** The statement span, when wider than the function node (`const f = () => {}`, `export`). */
  span: Span | null;
  /** Where the header starts (`const` of `const f = ...`); -1: the function node's start. */
  headerStart: number;
  /** A class member: prepend `self`, `constructor` → `__init__`. */
  method: boolean;
  /** An arrow function: an identifier before `=>` is its single parameter. */
  arrow: boolean;
  decorators: Expr[];
}

/**
 * The lowering of one tree. Every method that lowers a node expects the cursor on that node and
 * leaves it there.
 */
class Lowering extends CursorLowering {
  /**
   * The `member_expression` lowered last was the rest of a type name misparsed as a member
   * access: `v as tf.data.Dataset` is parsed as `(v as tf.data).Dataset` (see `member`).
   */
  private typeContinuation = false;
  /** Where hoisted functions of the statement being lowered go (before the statement). */
  private hoisted: Stmt[] = [];

  constructor(c: TreeCursor, text: string, g: GrammarTables, hasError: boolean) {
    super(c, text, g, !hasError, '/'); // comments are nodes of their own
  }

  /** The text of the anonymous token with type id `t`. */
  private tok(t: number): string {
    return this.types[t] ?? '';
  }

  // ---------------------------------------------------------------------------------------------
  // Statements

  /**
   * The statements of the current `statement_block` (or, not `braced`, `program`) node,
   * appended to `out`. Returns the start of the first statement node (comments aside), or -1 if
   * there is none.
   */
  statements(out: Stmt[], braced = true): number {
    const c = this.c;
    let first = -1;
    let more = c.gotoFirstChild();
    if (more) {
      if (braced && this.guided) more = c.gotoNextSibling(); // step over `{`
      for (; more; more = c.gotoNextSibling()) {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind <= COMMENT) continue;
        if (first < 0) first = c.startIndex;
        if (kind >= MEANINGFUL) this.stmt(t, kind, out);
      }
      c.gotoParent();
    }
    return first;
  }

  /**
   * Lowers the statement under the cursor into `out`, preceded by the functions hoisted out of
   * it.
   */
  private stmt(t: number, kind: number, out: Stmt[]): void {
    if (this.depth >= MAX_DEPTH) {
      out.push({ k: 'simple', kind: 'other', exprs: [], span: this.span() });
      return;
    }
    const saved = this.hoisted;
    const hoisted: Stmt[] = [];
    this.hoisted = hoisted;
    const from = out.length;
    this.depth++;
    this.stmtInner(t, kind, out);
    this.depth--;
    this.hoisted = saved;
    if (hoisted.length > 0) out.splice(from, 0, ...hoisted);
  }

  private stmtInner(t: number, kind: number, out: Stmt[]): void {
    switch (kind) {
      case EXPR_STMT: this.exprStmt(out); break;
      case VAR_DECL: this.varDecl(out, null); break;
      case FUNC_DECL: out.push(this.funcDecl(null, [])); break;
      case CLASS_DECL: out.push(this.classDecl(null, [], null, null)); break;
      case IMPORT: this.importStmt(out); break;
      case EXPORT: this.exportStmt(out); break;
      case IF: out.push(this.ifStmt()); break;
      case FOR: this.forStmt(out); break;
      case FOR_IN: out.push(this.forIn()); break;
      case WHILE: out.push(this.whileStmt()); break;
      case DO: out.push(this.doStmt()); break;
      case TRY: out.push(this.tryStmt()); break;
      case RETURN: out.push({ k: 'return', value: this.firstExpr(), span: this.span() }); break;
      case THROW: {
        const span = this.span();
        const value = this.firstExpr();
        out.push({ k: 'simple', kind: 'raise', exprs: value ? [value] : [], span });
        break;
      }
      case BREAK: out.push({ k: 'simple', kind: 'break', exprs: [], span: this.span() }); break;
      case CONTINUE: out.push({ k: 'simple', kind: 'continue', exprs: [], span: this.span() }); break;
      case SWITCH: out.push(this.switchStmt()); break;
      case LABELED: this.childStatements(out); break;
      case BLOCK: this.statements(out); break;
      case NAMESPACE: out.push(this.namespace(t)); break;
      default: {
        // `with`, future grammar additions.
        const s = this.otherStmt(t, kind, BLOCK, false);
        if (s !== null) out.push(s);
      }
    }
  }

  /** Lowers every statement child of the current node (a labeled statement's body) into `out`. */
  private childStatements(out: Stmt[]): void {
    const c = this.c;
    if (!c.gotoFirstChild()) return;
    do {
      const t = c.nodeTypeId;
      const kind = this.kinds[t];
      if (kind >= MEANINGFUL && !isExpr(kind)) this.stmt(t, kind, out);
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  protected override blockBody(): Stmt[] {
    const out: Stmt[] = [];
    this.statements(out);
    return out;
  }

  /** The statements of a body: a block's statements, or the single statement. */
  private body(t: number, kind: number): Stmt[] {
    const out: Stmt[] = [];
    if (kind === BLOCK) this.statements(out);
    else if (kind >= MEANINGFUL) this.stmt(t, kind, out);
    return out;
  }

  /**
   * An expression statement (`;` included in its span). The span object is shared by the
   * statements made from it; its end is filled in last (from the text when a plain expression
   * is followed by `;`).
   */
  private exprStmt(out: Stmt[]): void {
    const c = this.c;
    const span: Span = { start: c.startIndex, end: -1 };
    if (!c.gotoFirstChild()) return;
    do {
      const t = c.nodeTypeId;
      const kind = this.kinds[t];
      if (kind < MEANINGFUL) continue;
      if (kind === NAMESPACE) out.push(this.namespace(t));
      else if (this.guided && kind !== ASSIGN_EXPR && kind !== AUG_ASSIGN && kind !== UPDATE && kind !== SEQUENCE && kind !== PAREN) {
        const value = this.expr(t);
        out.push({ k: 'expr', value, span });
        let i = this.lastEnd;
        let ch = this.text.charCodeAt(i);
        while (ch === 32 || ch === 9) ch = this.text.charCodeAt(++i);
        if (ch === 59 /* ; */) span.end = i + 1;
      } else this.exprAsStmt(t, kind, span, out);
      break;
    } while (c.gotoNextSibling());
    c.gotoParent();
    if (span.end < 0) span.end = c.endIndex;
  }

  /**
   * Lowers the expression under the cursor as a statement with `span`: assignments and updates
   * are `assign` stmts, a sequence is one statement per part, anything else an `expr` stmt.
   */
  private exprAsStmt(t: number, kind: number, span: Span, out: Stmt[]): void {
    switch (kind) {
      case ASSIGN_EXPR: this.assignStmt(span, out); return;
      case AUG_ASSIGN: out.push(this.augAssign(span)); return;
      case UPDATE: out.push(this.update(span)); return;
      case SEQUENCE:
      case PAREN: {
        const c = this.c;
        if (this.depth >= MAX_DEPTH || !c.gotoFirstChild()) break;
        this.depth++;
        let parts = 0;
        do {
          const ct = c.nodeTypeId;
          const k = this.kinds[ct];
          if (k < MEANINGFUL) continue;
          parts++;
          this.exprAsStmt(ct, k, kind === SEQUENCE ? this.span() : span, out);
        } while (c.gotoNextSibling());
        c.gotoParent();
        this.depth--;
        if (parts > 0) return;
        break;
      }
    }
    out.push({ k: 'expr', value: this.expr(t), span });
  }

  /** `a = b`, `a = b = c` (targets in order), `[a, b] = e`, `({a, b} = o)`. */
  private assignStmt(span: Span, out: Stmt[]): void {
    const c = this.c;
    const targets: Expr[] = [];
    let value: Expr | null = null;
    let pattern = -1; // an object pattern target: bound per property once the value is known
    let levels = 0;
    while (c.gotoFirstChild()) {
      levels++;
      let chained = false;
      let hasTarget = false;
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        if (!hasTarget) {
          hasTarget = true;
          if (kind === OBJECT_PATTERN && targets.length === 0) pattern = levels;
          else targets.push(this.target(t, kind));
        } else if (kind === ASSIGN_EXPR && pattern < 0) {
          chained = true;
          break;
        } else {
          value = this.expr(t);
          break;
        }
      } while (c.gotoNextSibling());
      if (!chained) break;
    }
    for (; levels > 0; levels--) c.gotoParent();
    if (pattern > 0) {
      // Walk back down to the pattern (the first meaningful child of the assignment).
      if (c.gotoFirstChild()) {
        do {
          if (this.kinds[c.nodeTypeId] === OBJECT_PATTERN) {
            this.bindObjectPattern(value ?? missing(span.end), span, out);
            break;
          }
        } while (c.gotoNextSibling());
        c.gotoParent();
      }
      return;
    }
    out.push({ k: 'assign', targets, value: value ?? missing(span.end), op: null, annotation: null, span });
  }

  /** An assignment target: a name, attribute, subscript, or a tuple for an array pattern. */
  private target(t: number, kind: number): Expr {
    if (kind === ARRAY_PATTERN) return this.arrayPattern();
    if (kind === OBJECT_PATTERN || kind === ASSIGN_PATTERN) return { k: 'other', kind: this.tok(t), parts: [], span: this.span() };
    return this.expr(t);
  }

  /** `a += b`, `a ??= b`, ...: op as written. */
  private augAssign(span: Span): AssignStmt {
    const c = this.c;
    let target: Expr | null = null;
    let value: Expr | null = null;
    let op = '';
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === ANON) op = this.tok(t);
        else if (kind < MEANINGFUL) continue;
        else if (target === null) target = this.target(t, kind);
        else {
          value = this.expr(t);
          break;
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { k: 'assign', targets: [target ?? missing(span.start)], value: value ?? missing(span.end), op, annotation: null, span };
  }

  /** `i++`, `--i` → `i += 1`, `i -= 1` (the `1` spans the operator). */
  private update(span: Span): AssignStmt {
    const c = this.c;
    let target: Expr | null = null;
    let op = '+=';
    let opSpan: Span = { start: span.start, end: span.start };
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === ANON) {
          op = this.tok(t) === '--' ? '-=' : '+=';
          opSpan = this.span();
        } else if (kind >= MEANINGFUL && target === null) target = this.expr(t);
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return {
      k: 'assign',
      targets: [target ?? missing(span.start)],
      value: { k: 'num', value: 1, raw: '1', span: opSpan },
      op,
      annotation: null,
      span,
    };
  }

  /**
   * `const`/`let`/`var` declarations: one statement (or several, for patterns and requires) per
   * declarator with an initializer. `outer` is the enclosing `export` statement's span.
   */
  private varDecl(out: Stmt[], outer: Span | null): void {
    const c = this.c;
    const declSpan = this.span();
    const stmtSpan = outer ?? declSpan;
    let more = c.gotoFirstChild();
    if (!more) return;
    if (this.guided) more = c.gotoNextSibling(); // step over `const`/`let`/`var`
    const groups: { stmts: Stmt[]; span: Span }[] = [];
    for (; more; more = c.gotoNextSibling()) {
      if (this.kinds[c.nodeTypeId] !== DECLARATOR) continue;
      const stmts: Stmt[] = [];
      const span = this.span();
      this.declarator(span, stmts);
      groups.push({ stmts, span });
      if (this.guided) {
        this.lastEnd = span.end;
        if (this.afterItem(59 /* ; */) >= 0) break;
      }
    }
    c.gotoParent();
    // A single declarator: its statements span the whole declaration statement.
    for (const group of groups) {
      if (groups.length === 1) {
        for (const s of group.stmts) widen(s, group.span, stmtSpan, declSpan.start);
      }
      out.push(...group.stmts);
    }
  }

  /** One `name = value` declarator (`span` is its span). */
  private declarator(span: Span, out: Stmt[]): void {
    const c = this.c;
    if (!c.gotoFirstChild()) return;
    let nameT = -1;
    let nameKind = 0;
    let name: NameExpr | null = null;
    let sawEq = false;
    do {
      const t = c.nodeTypeId;
      const kind = this.kinds[t];
      if (kind === ANON) {
        if (this.tok(t) === '=') sawEq = true;
        continue;
      }
      if (kind < MEANINGFUL) continue;
      if (!sawEq) {
        if (nameT >= 0) continue;
        nameT = t;
        nameKind = kind;
        if (kind === NAME) {
          name = this.name();
          // `name = value`: step over the `=` without asking for its type.
          if (this.assignFollows(name.span.end)) {
            c.gotoNextSibling();
            sawEq = true;
          }
        }
        continue;
      }
      // The initializer.
      if (name !== null && (kind === ARROW || kind === FUNC_EXPR)) {
        const f = this.func({ name: name.id, nameSpan: name.span, span, headerStart: span.start, method: false, arrow: kind === ARROW, decorators: [] });
        out.push({ k: 'func', def: f.def, span: f.def.span });
      } else if (name !== null && kind === CLASS_EXPR) {
        out.push(this.classDecl(span, [], name.id, name.span));
      } else {
        const value = this.expr(t);
        const req = requiredModule(value);
        if (req !== null) {
          this.requireBindings(req, value, nameKind, name, span, out);
        } else if (nameKind === OBJECT_PATTERN) {
          // Back to the pattern (the first meaningful child).
          this.atFirstSibling(() => this.bindObjectPattern(value, span, out));
        } else {
          const target: Expr = name ?? this.patternTarget(nameKind, span);
          if (nameKind === ARRAY_PATTERN) {
            let tuple: Expr = target;
            this.atFirstSibling(() => {
              tuple = this.arrayPattern();
            });
            out.push({ k: 'assign', targets: [tuple], value, op: null, annotation: null, span });
          } else {
            out.push({ k: 'assign', targets: [target], value, op: null, annotation: null, span });
          }
        }
      }
      break;
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  /** Placeholder target for a pattern kind that is lowered separately. */
  private patternTarget(kind: number, span: Span): Expr {
    return { k: 'other', kind: kind === ARRAY_PATTERN ? 'array_pattern' : 'pattern', parts: [], span };
  }

  /**
   * From a child of the current node, moves to its first child (a declarator's pattern) and runs
   * `fn` there. The cursor stays on that child: the caller stops its child loop right after.
   */
  private atFirstSibling(fn: () => void): void {
    const c = this.c;
    c.gotoParent();
    c.gotoFirstChild();
    fn();
  }

  /**
   * `const tf = require(X)`, `const {a, b: c} = require(X)`, `const a = require(X).a`: import
   * stmts (their ImportFact spans are the bound names').
   */
  private requireBindings(req: { spec: string; attr: string | null }, value: Expr, nameKind: number, name: NameExpr | null, span: Span, out: Stmt[]): void {
    const { module, level } = moduleOf(req.spec);
    if (name !== null) {
      const imp: ImportFact = req.attr === null
        ? { module, name: null, asname: name.id, level, span: name.span }
        : { module, name: req.attr, asname: name.id === req.attr ? null : name.id, level, span: name.span };
      out.push({ k: 'import', imp, span });
      return;
    }
    if (nameKind !== OBJECT_PATTERN || req.attr !== null) {
      out.push({ k: 'expr', value, span });
      return;
    }
    this.atFirstSibling(() => {
      const c = this.c;
      if (!c.gotoFirstChild()) return;
      do {
        const kind = this.kinds[c.nodeTypeId];
        if (kind === SHORTHAND_PATTERN) {
          const n = this.name();
          out.push({ k: 'import', imp: { module, name: n.id, asname: null, level, span: n.span }, span });
        } else if (kind === PAIR_PATTERN) {
          const pspan = this.span();
          const p = this.pairPattern();
          if (p !== null && p.target !== null) {
            out.push({ k: 'import', imp: { module, name: p.key, asname: p.target.id === p.key ? null : p.target.id, level, span: pspan }, span });
          }
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    });
  }

  /** `[a, b, ...c]` as a tuple target; holes and nested patterns are `other` placeholders. */
  private arrayPattern(): Expr {
    const c = this.c;
    const span = this.span();
    const elts: Expr[] = [];
    if (c.gotoFirstChild()) {
      let filled = false; // the current position already has an element
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === ANON) {
          const tok = this.tok(t);
          if (tok === ',') {
            if (!filled) elts.push({ k: 'other', kind: 'hole', parts: [], span: { start: c.startIndex, end: c.startIndex } });
            filled = false;
          }
          continue;
        }
        if (kind < MEANINGFUL) continue;
        filled = true;
        if (kind === NAME) elts.push(this.name());
        else if (kind === REST_PATTERN) {
          const rspan = this.span();
          const inner = this.firstName();
          elts.push({ k: 'star', value: inner ?? missing(rspan.end), span: rspan });
        } else if (kind === ASSIGN_PATTERN) {
          elts.push(this.firstName() ?? { k: 'other', kind: 'assignment_pattern', parts: [], span: this.span() });
        } else if (kind === ARRAY_PATTERN) elts.push(this.arrayPattern());
        else if (isExpr(kind)) elts.push(this.expr(t));
        else elts.push({ k: 'other', kind: this.tok(t), parts: [], span: this.span() });
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { k: 'tuple', elts, span };
  }

  /** The first identifier child of the current node, lowered. */
  private firstName(): NameExpr | null {
    const c = this.c;
    let n: NameExpr | null = null;
    if (c.gotoFirstChild()) {
      do {
        if (this.kinds[c.nodeTypeId] === NAME) {
          n = this.name();
          break;
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return n;
  }

  /**
   * `{a, b: c, d = 1}` bound from `source`: `a = source.a`, `c = source.b`,
   * `d = source.d or 1`, each attr spanning the property; nested and rest patterns are skipped.
   */
  private bindObjectPattern(source: Expr, span: Span, out: Stmt[]): void {
    const c = this.c;
    if (!c.gotoFirstChild()) return;
    do {
      const kind = this.kinds[c.nodeTypeId];
      if (kind === SHORTHAND_PATTERN) {
        const n = this.name();
        out.push(bindAttr(n, source, n.id, n.span, null, span));
      } else if (kind === OBJ_ASSIGN_PATTERN) {
        // `{d = 1}`: shorthand with a default.
        let n: NameExpr | null = null;
        let dflt: Expr | null = null;
        if (c.gotoFirstChild()) {
          do {
            const t = c.nodeTypeId;
            const k = this.kinds[t];
            if (k < MEANINGFUL) continue;
            if (n === null) n = k === SHORTHAND_PATTERN || k === NAME ? this.name() : null;
            else dflt = this.expr(t);
            if (n === null) break;
          } while (c.gotoNextSibling());
          c.gotoParent();
        }
        if (n !== null) out.push(bindAttr(n, source, n.id, n.span, dflt, span));
      } else if (kind === PAIR_PATTERN) {
        const p = this.pairPattern();
        if (p !== null && p.target !== null) out.push(bindAttr(p.target, source, p.key, p.keySpan, p.dflt, span));
      }
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  /**
   * `key: target` / `key: target = default` of an object pattern. `target` is null for a nested
   * pattern; the result is null for a computed key.
   */
  private pairPattern(): { key: string; keySpan: Span; target: NameExpr | null; dflt: Expr | null } | null {
    const c = this.c;
    let key: string | null = null;
    let keySpan: Span = { start: 0, end: 0 };
    let target: NameExpr | null = null;
    let dflt: Expr | null = null;
    let computed = false;
    if (c.gotoFirstChild()) {
      let first = true;
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        if (first) {
          first = false;
          if (kind === NAME) {
            const n = this.name();
            key = n.id;
            keySpan = n.span;
          } else if (kind === STRING || kind === NUMBER) {
            const e = this.expr(t);
            key = e.k === 'str' ? e.value : this.text.slice(e.span.start, e.span.end);
            keySpan = e.span;
          } else computed = true;
          continue;
        }
        if (kind === NAME) target = this.name();
        else if (kind === ASSIGN_PATTERN) {
          if (c.gotoFirstChild()) {
            do {
              const ct = c.nodeTypeId;
              const k = this.kinds[ct];
              if (k < MEANINGFUL) continue;
              if (target === null && k === NAME) target = this.name();
              else if (target !== null) {
                dflt = this.expr(ct);
                break;
              } else break;
            } while (c.gotoNextSibling());
            c.gotoParent();
          }
        }
        break;
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    if (computed || key === null) return null;
    return { key, keySpan, target, dflt };
  }

  private ifStmt(): Stmt {
    const c = this.c;
    const span = this.span();
    let test: Expr | null = null;
    let body: Stmt[] = [];
    let orelse: Stmt[] = [];
    let hasBody = false;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        if (test === null) test = this.expr(t);
        else if (kind === ELSE) orelse = this.elseBody();
        else if (!hasBody) {
          hasBody = true;
          body = this.body(t, kind);
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { k: 'if', test: test ?? missing(span.start), body, orelse, span };
  }

  /** The statement(s) of an `else` clause (an `else if` is a nested `if`). */
  private elseBody(): Stmt[] {
    const c = this.c;
    let body: Stmt[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind >= MEANINGFUL) {
          body = this.body(t, kind);
          break;
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return body;
  }

  /**
   * C-style `for (init; cond; update) body`: the initializer's statements, then
   * `while cond: body; update` (`while true` without a condition).
   */
  private forStmt(out: Stmt[]): void {
    const c = this.c;
    const span = this.span();
    let part = -1; // -1: before `(`, 0: initializer, 1: condition, 2: update, 3: after `)`
    let test: Expr | null = null;
    const updates: Stmt[] = [];
    let body: Stmt[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === ANON) {
          const tok = this.tok(t);
          if (tok === '(' && part < 0) part = 0;
          else if (tok === ';' && part >= 0 && part < 2) part++;
          else if (tok === ')' && part >= 0) part = 3;
          continue;
        }
        if (kind === EMPTY && part >= 0 && part < 2) {
          part++;
          continue;
        }
        if (kind < MEANINGFUL) continue;
        if (part === 0) {
          if (kind === VAR_DECL) {
            this.varDecl(out, null);
            part = 1; // the declaration holds its `;`
          } else this.exprAsStmt(t, kind, this.span(), out);
        } else if (part === 1) test = this.expr(t);
        else if (part === 2) this.exprAsStmt(t, kind, this.span(), updates);
        else if (part === 3) {
          body = this.body(t, kind);
          break;
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    out.push({
      k: 'while',
      test: test ?? { k: 'bool', value: true, span: { start: span.start, end: span.start } },
      body: [...body, ...updates],
      orelse: [],
      span,
    });
  }

  /** `for (const x of xs)`, `for (k in o)`, `for await (...)`. */
  private forIn(): Stmt {
    const c = this.c;
    const span = this.span();
    let target: Expr | null = null;
    let iter: Expr | null = null;
    let body: Stmt[] = [];
    let isAsync = false;
    let afterOp = false;
    let afterParen = false;
    const prologue: Stmt[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === ANON) {
          const tok = this.tok(t);
          if (tok === 'await') isAsync = true;
          else if (tok === 'of' || tok === 'in') afterOp = true;
          else if (tok === ')' && afterOp) afterParen = true;
          continue;
        }
        if (kind < MEANINGFUL) continue;
        if (afterParen) {
          body = this.body(t, kind);
          break;
        }
        if (afterOp) {
          if (iter === null) iter = this.expr(t);
        } else if (target === null) {
          if (kind === OBJECT_PATTERN) {
            const pspan = this.span();
            const source: NameExpr = { k: 'name', id: `$for${pspan.start}`, span: pspan };
            target = source;
            this.bindObjectPattern(source, pspan, prologue);
          } else target = this.target(t, kind);
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return {
      k: 'for',
      target: target ?? missing(span.start),
      iter: iter ?? missing(span.start),
      body: prologue.length > 0 ? [...prologue, ...body] : body,
      orelse: [],
      isAsync,
      span,
    };
  }

  private whileStmt(): Stmt {
    const c = this.c;
    const span = this.span();
    let test: Expr | null = null;
    let body: Stmt[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        if (test === null) test = this.expr(t);
        else {
          body = this.body(t, kind);
          break;
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { k: 'while', test: test ?? missing(span.start), body, orelse: [], span };
  }

  /**
   * `do body while (c)` → `while true: body; if not c: break` (the body runs at least once;
   * the synthetic `true` is zero-width at `do`, the `if` spans the condition).
   */
  private doStmt(): Stmt {
    const c = this.c;
    const span = this.span();
    let test: Expr | null = null;
    let testSpan: Span = { start: span.end, end: span.end };
    let body: Stmt[] | null = null;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        if (body === null) body = this.body(t, kind);
        else if (test === null) {
          testSpan = this.span();
          test = this.expr(t);
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    const exit: Stmt = {
      k: 'if',
      test: { k: 'unary', op: 'not', operand: test ?? missing(testSpan.start), span: testSpan },
      body: [{ k: 'simple', kind: 'break', exprs: [], span: testSpan }],
      orelse: [],
      span: testSpan,
    };
    return {
      k: 'while',
      test: { k: 'bool', value: true, span: { start: span.start, end: span.start } },
      body: [...(body ?? []), exit],
      orelse: [],
      span,
    };
  }

  private tryStmt(): Stmt {
    const c = this.c;
    const span = this.span();
    let body: Stmt[] = [];
    const handlers: ExceptHandler[] = [];
    let finalbody: Stmt[] = [];
    if (c.gotoFirstChild()) {
      do {
        const kind = this.kinds[c.nodeTypeId];
        if (kind === BLOCK) body = this.blockBody();
        else if (kind === CATCH) handlers.push(this.handler());
        else if (kind === FINALLY) finalbody = this.elseBody();
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { k: 'try', body, handlers, orelse: [], finalbody, span };
  }

  /** `catch (e) {...}`: the parameter's name if it is an identifier; type null. */
  private handler(): ExceptHandler {
    const c = this.c;
    const span = this.span();
    let name: string | null = null;
    let body: Stmt[] = [];
    if (c.gotoFirstChild()) {
      do {
        const kind = this.kinds[c.nodeTypeId];
        if (kind === NAME) name = this.name().id;
        else if (kind === BLOCK) body = this.blockBody();
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { type: null, name, body, span };
  }

  /** `switch (v) { case a: ...; default: ... }` → `block` `switch`: exprs [v, a, ...], one body per case. */
  private switchStmt(): Stmt {
    const c = this.c;
    const span = this.span();
    const exprs: Expr[] = [];
    const bodies: Stmt[][] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === SWITCH_BODY) {
          if (c.gotoFirstChild()) {
            do {
              const k = this.kinds[c.nodeTypeId];
              if (k === SWITCH_CASE || k === SWITCH_DEFAULT) bodies.push(this.switchCase(k === SWITCH_CASE, exprs));
            } while (c.gotoNextSibling());
            c.gotoParent();
          }
        } else if (kind >= MEANINGFUL && exprs.length === 0) exprs.push(this.expr(t));
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { k: 'block', kind: 'switch', exprs, bodies, span };
  }

  private switchCase(hasValue: boolean, values: Expr[]): Stmt[] {
    const c = this.c;
    const body: Stmt[] = [];
    let needValue = hasValue;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        if (needValue) {
          needValue = false;
          values.push(this.expr(t));
        } else this.stmt(t, kind, body);
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return body;
  }

  /** `namespace N { ... }` / `module M { ... }`: a `block` with the body's statements. */
  private namespace(t: number): Stmt {
    const c = this.c;
    const span = this.span();
    const bodies: Stmt[][] = [];
    if (c.gotoFirstChild()) {
      do if (this.kinds[c.nodeTypeId] === BLOCK) bodies.push(this.blockBody());
      while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { k: 'block', kind: this.tok(t), exprs: [], bodies, span };
  }

  // ---------------------------------------------------------------------------------------------
  // Imports and exports

  /** `import ... from X`, `import x = require(X)`; type-only and side-effect imports are dropped. */
  private importStmt(out: Stmt[]): void {
    const c = this.c;
    const span = this.span();
    const bindings: { name: string | null; asname: string | null; span: Span }[] = [];
    let spec: string | null = null;
    if (!c.gotoFirstChild()) return;
    do {
      const t = c.nodeTypeId;
      const kind = this.kinds[t];
      if (kind === ANON) {
        if (this.tok(t) === 'type' && spec === null && bindings.length === 0) {
          c.gotoParent();
          return; // `import type {...}`
        }
      } else if (kind === IMPORT_CLAUSE) this.importClause(bindings);
      else if (kind === IMPORT_REQUIRE) {
        if (c.gotoFirstChild()) {
          do {
            const k = this.kinds[c.nodeTypeId];
            if (k === NAME) {
              const n = this.name();
              bindings.push({ name: null, asname: n.id, span: n.span });
            } else if (k === STRING) spec = this.stringValue();
          } while (c.gotoNextSibling());
          c.gotoParent();
        }
      } else if (kind === STRING) spec = this.stringValue();
    } while (c.gotoNextSibling());
    c.gotoParent();
    if (spec === null) return;
    const { module, level } = moduleOf(spec);
    for (const b of bindings) out.push({ k: 'import', imp: { module, name: b.name, asname: b.asname, level, span: b.span }, span });
  }

  private importClause(out: { name: string | null; asname: string | null; span: Span }[]): void {
    const c = this.c;
    if (!c.gotoFirstChild()) return;
    do {
      const kind = this.kinds[c.nodeTypeId];
      if (kind === NAME) {
        // Default import: binds the package's namespace (tfjs has no default export).
        const n = this.name();
        out.push({ name: null, asname: n.id, span: n.span });
      } else if (kind === NAMESPACE_IMPORT) {
        const span = this.span();
        const n = this.firstName();
        if (n !== null) out.push({ name: null, asname: n.id, span });
      } else if (kind === NAMED_IMPORTS) this.specifiers(IMPORT_SPEC, out);
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  /**
   * The `import_specifier`s or `export_specifier`s of the current node: `{a, b as c}`
   * (type-only specifiers are dropped).
   */
  private specifiers(kind: number, out: { name: string | null; asname: string | null; span: Span }[]): void {
    const c = this.c;
    if (!c.gotoFirstChild()) return;
    do {
      if (this.kinds[c.nodeTypeId] !== kind) continue;
      const span = this.span();
      let name: string | null = null;
      let asname: string | null = null;
      let typeOnly = false;
      if (c.gotoFirstChild()) {
        do {
          const t = c.nodeTypeId;
          const k = this.kinds[t];
          if (k === ANON) {
            if (this.tok(t) === 'type' && name === null) typeOnly = true;
            continue;
          }
          let id: string | null = null;
          if (k === NAME) id = this.name().id;
          else if (k === STRING) id = this.stringValue();
          if (id === null) continue;
          if (name === null) name = id;
          else asname = id;
        } while (c.gotoNextSibling());
        c.gotoParent();
      }
      if (name !== null && !typeOnly) out.push({ name, asname: asname === name ? null : asname, span });
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  /**
   * `export <declaration>` → the declaration (spanning the `export`); `export default e` → an
   * expression statement; `export ... from X` → imports; `export {a as b}` → `b = a`.
   */
  private exportStmt(out: Stmt[]): void {
    const c = this.c;
    const span = this.span();
    const decorators: Expr[] = [];
    const specs: { name: string | null; asname: string | null; span: Span }[] = [];
    let star: Span | null = null;
    let spec: string | null = null;
    let isDefault = false;
    if (!c.gotoFirstChild()) return;
    do {
      const t = c.nodeTypeId;
      const kind = this.kinds[t];
      if (kind === ANON) {
        const tok = this.tok(t);
        if (tok === 'default' || tok === '=') isDefault = true;
        else if (tok === '*') star = this.span();
        else if (tok === 'type' && specs.length === 0) break; // `export type {...}`
        continue;
      }
      if (kind === DECORATOR) {
        const d = this.firstExpr();
        if (d !== null) decorators.push(d);
        continue;
      }
      if (kind < MEANINGFUL) continue;
      switch (kind) {
        case FUNC_DECL: out.push(this.funcDecl(span, decorators)); break;
        case CLASS_DECL: out.push(this.classDecl(span, decorators, null, null)); break;
        case VAR_DECL: this.varDecl(out, span); break;
        case NAMESPACE: out.push(this.namespace(t)); break;
        case EXPORT_CLAUSE: this.specifiers(EXPORT_SPEC, specs); break;
        case NAMESPACE_EXPORT: {
          const nspan = this.span();
          const n = this.firstName();
          if (n !== null) specs.push({ name: null, asname: n.id, span: nspan });
          break;
        }
        default:
          if (kind === STRING && !isDefault) spec = this.stringValue();
          else if (isExpr(kind)) out.push({ k: 'expr', value: this.expr(t), span });
      }
    } while (c.gotoNextSibling());
    c.gotoParent();
    if (spec !== null) {
      const { module, level } = moduleOf(spec);
      if (star !== null && specs.length === 0) out.push({ k: 'import', imp: { module, name: '*', asname: null, level, span: star }, span });
      for (const s of specs) out.push({ k: 'import', imp: { module, name: s.name, asname: s.asname, level, span: s.span }, span });
    } else {
      // `export {a as b}`: the module binds `b` too.
      for (const s of specs) {
        if (s.name === null || s.asname === null) continue;
        const target: NameExpr = { k: 'name', id: s.asname, span: s.span };
        const value: NameExpr = { k: 'name', id: s.name, span: s.span };
        out.push({ k: 'assign', targets: [target], value, op: null, annotation: null, span: s.span });
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Functions and classes

  /** `function f() {}` (generator and async too); `outer` is an enclosing `export`'s span. */
  private funcDecl(outer: Span | null, decorators: Expr[]): FuncStmt {
    const f = this.func({ name: null, nameSpan: null, span: outer, headerStart: -1, method: false, arrow: false, decorators });
    return { k: 'func', def: f.def, span: f.def.span };
  }

  /**
   * Lowers the function node under the cursor (declaration, expression, arrow, method).
   */
  private func(o: FuncOptions): FuncParts {
    const c = this.c;
    const text = this.text;
    const start = c.startIndex;
    const end = c.endIndex;
    const decorators = o.decorators;
    let name = o.name;
    let nameSpan = o.nameSpan;
    let isAsync = false;
    let staticSpan: Span | null = null;
    let params: Param[] = [];
    let prologue: Stmt[] = [];
    let paramProps: NameExpr[] = [];
    let body: Stmt[] = [];
    let exprBody: Expr | null = null;
    let bodyHoisted = false;
    let headerStart = o.headerStart;
    let headerEnd = end;
    let bodyStart = -1;
    let sawParams = false;
    let sawArrow = false;
    let paramsAt = start;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === DECORATOR) {
          const d = this.firstExpr();
          if (d !== null) decorators.push(d);
          continue;
        }
        if (headerStart < 0 && kind !== COMMENT) headerStart = c.startIndex;
        if (kind === ANON) {
          const tok = this.tok(t);
          if (tok === 'async') isAsync = true;
          else if (tok === 'static') staticSpan = this.span();
          else if (tok === '=>') {
            sawArrow = true;
            headerEnd = c.endIndex;
          }
          continue;
        }
        if (kind < MEANINGFUL) continue;
        if (kind === PARAMS) {
          paramsAt = c.startIndex + 1;
          ({ params, prologue, paramProps } = this.params());
          sawParams = true;
        } else if (kind === BLOCK && (sawParams || sawArrow)) {
          headerEnd = c.startIndex + 1;
          bodyStart = this.statements(body);
          break;
        } else if (sawArrow) {
          // An arrow's expression body: one `return`, preceded by what it hoisted.
          bodyStart = c.startIndex;
          const saved = this.hoisted;
          const hoisted: Stmt[] = [];
          this.hoisted = hoisted;
          this.depth++;
          exprBody = this.expr(t);
          this.depth--;
          this.hoisted = saved;
          bodyHoisted = hoisted.length > 0;
          body = [...hoisted, { k: 'return', value: exprBody, span: exprBody.span }];
          break;
        } else if (!sawParams) {
          if (o.arrow && kind === NAME) {
            // `x => ...`: the single parameter.
            const n = this.name();
            params = [{ name: n.id, kind: 'plain', default: null, annotation: null, span: n.span }];
            paramsAt = n.span.start;
            sawParams = true;
          } else if (kind === NAME) {
            const n = this.name();
            if (name === null) {
              name = n.id;
              nameSpan = n.span;
            }
          } else if (kind === STRING || kind === NUMBER) {
            const e = this.expr(t);
            if (name === null) {
              name = e.k === 'str' ? e.value : text.slice(e.span.start, e.span.end);
              nameSpan = e.span;
            }
          } else if (kind === COMPUTED_KEY) {
            const s = this.span();
            this.parts([]); // lowers the key for what it hoists; the method is named after its start
            if (name === null) {
              name = `$fn${start}`;
              nameSpan = s;
            }
          }
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    if (headerStart < 0) headerStart = start;
    if (name === null) name = `$fn${start}`;
    nameSpan ??= { start, end: start };
    if (prologue.length > 0) body = [...prologue, ...body];
    if (o.method) {
      if (name === 'constructor') {
        name = '__init__';
        if (paramProps.length > 0) body = withParamProperties(body, paramProps);
      }
      params = [{ name: 'self', kind: 'plain', default: null, annotation: null, span: { start: paramsAt, end: paramsAt } }, ...params];
      if (staticSpan !== null) decorators.push({ k: 'name', id: 'classmethod', span: staticSpan });
    }
    if (bodyStart < 0) bodyStart = headerEnd;
    const span = o.span ?? { start, end };
    return {
      def: {
        name,
        params,
        decorators,
        body,
        isAsync,
        span,
        nameSpan,
        headerSpan: { start: headerStart, end: headerEnd },
        bodyStart,
        bodyIndent: lineIndent(text, bodyStart),
      },
      exprBody,
      bodyHoisted,
    };
  }

  /**
   * The parameters of a `formal_parameters` node. A destructured parameter is named `$<index>`
   * and bound by `prologue`; `paramProps` are TS parameter properties (`private x`).
   */
  private params(): { params: Param[]; prologue: Stmt[]; paramProps: NameExpr[] } {
    const c = this.c;
    const params: Param[] = [];
    const prologue: Stmt[] = [];
    const paramProps: NameExpr[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        const p = kind === TS_PARAM ? this.tsParam(params.length, prologue, paramProps) : this.param(t, kind, params.length, prologue, null);
        if (p !== null) params.push(p);
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { params, prologue, paramProps };
  }

  /**
   * One JavaScript parameter node (or a TS parameter's pattern): identifier, `a = 1`, `...rest`,
   * `{a, b}`, `[a, b]`. `span` overrides the node's span (a TS parameter's whole node).
   */
  private param(t: number, kind: number, index: number, prologue: Stmt[], span: Span | null): Param | null {
    const c = this.c;
    switch (kind) {
      case NAME: {
        const n = this.name();
        return { name: n.id, kind: 'plain', default: null, annotation: null, span: span ?? n.span };
      }
      case THIS: return null; // TS `this: T` parameter
      case REST_PATTERN: {
        const s = span ?? this.span();
        const n = this.firstName();
        return { name: n?.id ?? `$${index}`, kind: 'varargs', default: null, annotation: null, span: s };
      }
      case OBJECT_PATTERN:
      case ARRAY_PATTERN: {
        const s = span ?? this.span();
        const source: NameExpr = { k: 'name', id: `$${index}`, span: s };
        if (kind === OBJECT_PATTERN) this.bindObjectPattern(source, s, prologue);
        else prologue.push({ k: 'assign', targets: [this.arrayPattern()], value: source, op: null, annotation: null, span: s });
        return { name: source.id, kind: 'plain', default: null, annotation: null, span: s };
      }
      case ASSIGN_PATTERN: {
        // `a = 1` (JavaScript): the left side, with a default.
        const s = span ?? this.span();
        let p: Param | null = null;
        let dflt: Expr | null = null;
        if (c.gotoFirstChild()) {
          do {
            const ct = c.nodeTypeId;
            const k = this.kinds[ct];
            if (k < MEANINGFUL) continue;
            if (p === null) p = this.param(ct, k, index, prologue, s);
            else {
              dflt = this.expr(ct);
              break;
            }
          } while (c.gotoNextSibling());
          c.gotoParent();
        }
        return p === null ? null : { ...p, default: dflt };
      }
      default:
        return { name: `$${index}`, kind: 'plain', default: null, annotation: null, span: span ?? this.span() };
    }
  }

  /** A TypeScript `required_parameter` / `optional_parameter` (types ignored). */
  private tsParam(index: number, prologue: Stmt[], paramProps: NameExpr[]): Param | null {
    const c = this.c;
    const span = this.span();
    let p: Param | null = null;
    let dflt: Expr | null = null;
    let property = false;
    let sawEq = false;
    let seen = false;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === ANON) {
          const tok = this.tok(t);
          if (tok === '=') sawEq = true;
          else if (tok === 'readonly') property = true;
          continue;
        }
        if (kind === SKIP) {
          if (!seen && this.tok(t) === 'accessibility_modifier') property = true;
          continue;
        }
        if (kind < MEANINGFUL) continue;
        if (sawEq) {
          dflt = this.expr(t);
          break;
        }
        if (!seen) {
          seen = true;
          if (kind === THIS) {
            c.gotoParent();
            return null;
          }
          p = this.param(t, kind, index, prologue, span);
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    if (p === null) return null;
    if (property && p.kind === 'plain' && !p.name.startsWith('$')) paramProps.push({ k: 'name', id: p.name, span: p.span });
    return dflt === null ? p : { ...p, default: dflt };
  }

  /**
   * `class A extends B {...}` (declaration or, with `name`, a class expression bound by
   * `const A = class ...`). `outer` is the statement span when wider than the node.
   */
  private classDecl(outer: Span | null, decorators: Expr[], name: string | null, nameSpan: Span | null): ClassStmt {
    const c = this.c;
    const nodeSpan = this.span();
    const bases: Expr[] = [];
    let body: Stmt[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind === DECORATOR) {
          const d = this.firstExpr();
          if (d !== null) decorators.push(d);
        } else if (kind === NAME || kind === TYPE_IDENT) {
          const n = this.name();
          if (name === null) {
            name = n.id;
            nameSpan = n.span;
          }
        } else if (kind === HERITAGE) this.heritage(bases);
        else if (kind === CLASS_BODY) body = this.classBody();
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    const span = outer ?? nodeSpan;
    const def = {
      name: name ?? `$cls${nodeSpan.start}`,
      bases,
      keywords: [],
      decorators,
      body,
      span,
      nameSpan: nameSpan ?? { start: nodeSpan.start, end: nodeSpan.start },
    };
    return { k: 'class', def, span };
  }

  /** `extends B` (JavaScript: directly in `class_heritage`; TypeScript: in `extends_clause`). */
  private heritage(bases: Expr[]): void {
    const c = this.c;
    if (!c.gotoFirstChild()) return;
    do {
      const t = c.nodeTypeId;
      const kind = this.kinds[t];
      if (kind === EXTENDS) this.heritage(bases);
      else if (isExpr(kind)) bases.push(this.expr(t));
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  /** The members of a `class_body`: methods, fields, static blocks. */
  private classBody(): Stmt[] {
    const c = this.c;
    const out: Stmt[] = [];
    let decorators: Expr[] = [];
    if (!c.gotoFirstChild()) return out;
    do {
      const t = c.nodeTypeId;
      const kind = this.kinds[t];
      if (kind === DECORATOR) {
        const d = this.firstExpr();
        if (d !== null) decorators.push(d);
        continue;
      }
      if (kind !== METHOD && kind !== FIELD && kind !== STATIC_BLOCK) {
        if (kind > COMMENT) decorators = []; // decorated signatures and the like
        continue;
      }
      const saved = this.hoisted;
      const hoisted: Stmt[] = [];
      this.hoisted = hoisted;
      const from = out.length;
      this.depth++;
      if (kind === METHOD) {
        const f = this.func({ name: null, nameSpan: null, span: null, headerStart: -1, method: true, arrow: false, decorators });
        out.push({ k: 'func', def: f.def, span: f.def.span });
      } else if (kind === FIELD) this.field(decorators, out);
      else {
        if (c.gotoFirstChild()) {
          do if (this.kinds[c.nodeTypeId] === BLOCK) this.statements(out);
          while (c.gotoNextSibling());
          c.gotoParent();
        }
      }
      this.depth--;
      this.hoisted = saved;
      if (hoisted.length > 0) out.splice(from, 0, ...hoisted);
      decorators = [];
    } while (c.gotoNextSibling());
    c.gotoParent();
    return out;
  }

  /** A class field `x = e` (an assignment in the class body) or `f = () => {...}` (a method). */
  private field(decorators: Expr[], out: Stmt[]): void {
    const c = this.c;
    const span = this.span();
    let name: NameExpr | null = null;
    let sawEq = false;
    let declared = false;
    let staticSpan: Span | null = null;
    if (!c.gotoFirstChild()) return;
    do {
      const t = c.nodeTypeId;
      const kind = this.kinds[t];
      if (kind === ANON) {
        const tok = this.tok(t);
        if (tok === '=') sawEq = true;
        else if (tok === 'declare' || tok === 'abstract') declared = true;
        else if (tok === 'static') staticSpan = this.span();
        continue;
      }
      if (kind === DECORATOR) {
        const d = this.firstExpr();
        if (d !== null) decorators.push(d);
        continue;
      }
      if (kind < MEANINGFUL) continue;
      if (!sawEq) {
        if (name !== null) continue;
        if (kind === NAME) name = this.name();
        else if (kind === STRING || kind === NUMBER) {
          const e = this.expr(t);
          name = { k: 'name', id: e.k === 'str' ? e.value : this.text.slice(e.span.start, e.span.end), span: e.span };
        } else if (kind === COMPUTED_KEY) {
          const parts: Expr[] = [];
          this.parts(parts);
          name = { k: 'name', id: `$field${span.start}`, span: this.span() };
        }
        continue;
      }
      if (declared || name === null) break;
      if (kind === ARROW || kind === FUNC_EXPR) {
        const f = this.func({ name: name.id, nameSpan: name.span, span, headerStart: span.start, method: staticSpan === null, arrow: kind === ARROW, decorators });
        out.push({ k: 'func', def: f.def, span });
      } else {
        out.push({ k: 'assign', targets: [name], value: this.expr(t), op: null, annotation: null, span });
      }
      break;
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  // ---------------------------------------------------------------------------------------------
  // Calls and objects

  /** `f(args)`, `f?.(args)`, `super(args)`, ``tag`...` ``. */
  private call(): Expr {
    const c = this.c;
    let start = this.guided ? -1 : c.startIndex;
    let fn: Expr | null = null;
    let fnKind = 0;
    const args: Expr[] = [];
    const kwargs: Keyword[] = [];
    const doubleStar: Expr[] = [];
    let argsSpan: Span | null = null;
    let config: Span | null = null;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        if (fn === null) {
          fnKind = kind;
          fn = kind === SUPER ? this.superInit() : this.expr(t);
          if (start < 0) start = this.lastStart;
        } else if (kind === ARGS) {
          const r = this.args(args, kwargs, doubleStar);
          argsSpan = r.span;
          config = r.config;
          break;
        } else if (kind === TEMPLATE) {
          // A tagged template: the template is the argument.
          const arg = this.expr(t);
          args.push(arg);
          argsSpan = arg.span;
          break;
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    if (start < 0) start = c.startIndex;
    argsSpan ??= { start: c.endIndex, end: c.endIndex };
    const span = { start, end: argsSpan.end };
    return this.makeCall(fn ?? missing(span.start), fnKind, args, kwargs, doubleStar, span, argsSpan, config);
  }

  /** `new X(args)` → a call of `X`; `new X` → a call without arguments. */
  private newExpr(): Expr {
    const c = this.c;
    const start = c.startIndex;
    let fn: Expr | null = null;
    const args: Expr[] = [];
    const kwargs: Keyword[] = [];
    const doubleStar: Expr[] = [];
    let argsSpan: Span | null = null;
    let config: Span | null = null;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        if (fn === null) fn = this.expr(t);
        else if (kind === ARGS) {
          const r = this.args(args, kwargs, doubleStar);
          argsSpan = r.span;
          config = r.config;
          break;
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    const end = argsSpan?.end ?? c.endIndex;
    argsSpan ??= { start: end, end };
    const span = { start, end };
    return this.makeCall(fn ?? missing(span.start), 0, args, kwargs, doubleStar, span, argsSpan, config);
  }

  /**
   * Builds a call, applying the `X.apply(a, ...)` → `X(a, ...)` rule. tfjs's
   * `layer.apply(inputs, kwargs)` passes Keras's keyword arguments as its second argument, so a
   * second argument that is not an object literal is `**kwargs` (`doubleStar`).
   */
  private makeCall(fn: Expr, fnKind: number, args: Expr[], kwargs: Keyword[], doubleStar: Expr[], span: Span, argsSpan: Span, config: Span | null): Expr {
    if (fnKind === MEMBER && fn.k === 'attr' && fn.attr === 'apply' && args.length + kwargs.length + doubleStar.length > 0) {
      fn = fn.obj;
      if (args.length === 2 && config === null && args[0].k !== 'star' && args[1].k !== 'star') doubleStar.push(args.pop()!);
    }
    const call: Expr = { k: 'call', fn, args, kwargs, doubleStar, span, argsSpan };
    if (config !== null) call.config = config;
    return call;
  }

  /** `super` as a callee: `super().__init__` (the whole `super` token). */
  private superInit(): Expr {
    const s = this.keywordSpan(5);
    this.lastStart = s.start;
    this.lastEnd = s.end;
    const sup: NameExpr = { k: 'name', id: 'super', span: s };
    const call: Expr = { k: 'call', fn: sup, args: [], kwargs: [], doubleStar: [], span: s, argsSpan: { start: s.end, end: s.end } };
    return { k: 'attr', obj: call, attr: '__init__', span: s, attrSpan: s };
  }

  /**
   * Sorts the children of an `arguments` node into the call's lists. A trailing object literal
   * is the config object: its properties become keywords (`config` is its span). In an
   * error-free tree the commas and the closing parenthesis are read from the text instead of
   * being visited.
   */
  private args(args: Expr[], kwargs: Keyword[], doubleStar: Expr[]): { span: Span; config: Span | null } {
    const c = this.c;
    const text = this.text;
    const start = c.startIndex;
    if (this.guided && text.charCodeAt(start) === 40 /* ( */) {
      const j = skipBlank(text, start + 1);
      if (text.charCodeAt(j) === 41 /* ) */) return { span: { start, end: j + 1 }, config: null }; // `f()`
    }
    let end = -1;
    let pending: LoweredObject | null = null; // the latest object argument, at args[pendingAt]
    let pendingAt = -1;
    // The first child is `(` (in an error-free tree: not even looked at).
    let more = c.gotoFirstChild();
    if (more) {
      if (this.guided) more = c.gotoNextSibling();
      for (; more; more = c.gotoNextSibling()) {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        if (pending !== null) {
          args[pendingAt] = toDict(pending);
          pending = null;
        }
        if (kind === OBJECT && this.depth < MAX_DEPTH) {
          this.depth++;
          pending = this.object();
          this.depth--;
          pendingAt = args.length;
          args.push(missing(pending.span.start));
          this.lastStart = pending.span.start;
          this.lastEnd = pending.span.end;
        } else args.push(this.expr(t));
        if (this.guided && (end = this.afterItem(41 /* ) */)) >= 0) break;
      }
      c.gotoParent();
    }
    const span = { start, end: end >= 0 ? end : c.endIndex };
    if (pending === null) return { span, config: null };
    args.pop();
    for (const e of pending.entries) {
      switch (e.kind) {
        case 'pair':
        case 'short':
        case 'method':
          kwargs.push({ name: snakeCase(e.key), value: e.value, span: e.span, raw: e.key });
          break;
        case 'spread':
          doubleStar.push(e.value);
          break;
        case 'computed':
          doubleStar.push({ k: 'other', kind: 'computed_property_name', parts: e.keyExpr ? [e.keyExpr, e.value] : [e.value], span: e.span });
      }
    }
    return { span, config: pending.span };
  }

  /** The entries of the `object` literal under the cursor (methods are hoisted functions). */
  private object(): LoweredObject {
    const c = this.c;
    const start = c.startIndex;
    let end = -1;
    const entries: ObjEntry[] = [];
    // The first child is `{` (in an error-free tree: not even looked at).
    let more = c.gotoFirstChild();
    if (more) {
      if (this.guided) more = c.gotoNextSibling();
      for (; more; more = c.gotoNextSibling()) {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        if (kind === NAME) {
          // `{units}`
          const n = this.name();
          this.lastEnd = n.span.end;
          entries.push({ kind: 'short', key: n.id, keyExpr: { k: 'str', value: n.id, span: n.span }, value: n, span: n.span });
        } else if (kind === PAIR) {
          const e = this.pair();
          if (e !== null) entries.push(e);
        } else if (kind === SPREAD) {
          const s = this.span();
          entries.push({ kind: 'spread', key: '', keyExpr: null, value: this.firstExpr() ?? missing(s.end), span: s });
        } else if (kind === METHOD) {
          const f = this.func({ name: null, nameSpan: null, span: null, headerStart: -1, method: false, arrow: false, decorators: [] });
          const def = f.def;
          const fname = `$fn${def.span.start}`;
          const key = def.name;
          this.hoisted.push({ k: 'func', def: { ...def, name: fname }, span: def.span });
          const value: NameExpr = { k: 'name', id: fname, span: def.span };
          entries.push({ kind: 'method', key, keyExpr: { k: 'str', value: key, span: def.nameSpan }, value, span: def.span });
          this.lastEnd = def.span.end;
        } else if (isExpr(kind)) {
          const e = this.expr(t);
          entries.push({ kind: 'spread', key: '', keyExpr: null, value: e, span: e.span });
        } else continue;
        if (this.guided && (end = this.afterItem(125 /* } */)) >= 0) break;
      }
      c.gotoParent();
    }
    return { entries, span: { start, end: end >= 0 ? end : c.endIndex } };
  }

  /** `key: value` in an object literal. */
  private pair(): ObjEntry | null {
    const c = this.c;
    let start = -1;
    let key: string | null = null;
    let keyExpr: Expr | null = null;
    let computed = false;
    let value: Expr | null = null;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        if (keyExpr === null) {
          if (kind === NAME) {
            const n = this.name();
            key = n.id;
            keyExpr = { k: 'str', value: n.id, span: n.span };
            start = n.span.start;
          } else if (kind === COMPUTED_KEY) {
            computed = true;
            const s = this.span();
            start = s.start;
            keyExpr = this.firstExpr() ?? missing(s.start);
          } else {
            keyExpr = this.expr(t);
            start = this.lastStart;
            if (keyExpr.k === 'str') key = keyExpr.value;
            else if (keyExpr.k === 'num') key = keyExpr.raw;
            else computed = true;
          }
          // `key: value`: step over the `:` without asking for its type.
          if (this.guided && !computed && this.text.charCodeAt(skipBlank(this.text, keyExpr.span.end)) === 58 /* : */) c.gotoNextSibling();
        } else {
          value = this.expr(t);
          break;
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    if (keyExpr === null) return null;
    const span = this.guided && value !== null && start >= 0 ? { start, end: this.lastEnd } : this.span();
    value ??= missing(span.end);
    if (computed || key === null) return { kind: 'computed', key: '', keyExpr, value, span };
    return { kind: 'pair', key, keyExpr, value, span };
  }

  // ---------------------------------------------------------------------------------------------
  // Expressions

  /**
   * Lowers the expression under the cursor (type id `t`) and records the node's start and end
   * in `lastStart`/`lastEnd` (only `(x)`, `await x` and TS assertions are wider than their IR).
   */
  protected override expr(t: number): Expr {
    let e: Expr;
    const kind = this.kinds[t];
    if (this.depth >= MAX_DEPTH) {
      e = this.tooDeep(t);
    } else if (kind === PAREN || kind === TS_WRAP || kind === AWAIT) {
      // `(x)`, `await x`, `x as T`, `x!`, `<T>x`: `x`, with the node's range in `lastStart`/`lastEnd`.
      this.depth++;
      e = this.wrapped(t, kind === AWAIT ? END_AT_OPERAND : kind === PAREN ? END_AT_PAREN : END_AT_NODE);
      this.depth--;
      return e;
    } else {
      this.depth++;
      e = this.lowerExpr(t, kind);
      this.depth--;
      if (kind === MEMBER && this.typeContinuation) {
        this.lastStart = this.c.startIndex;
        this.lastEnd = this.c.endIndex;
        return e;
      }
    }
    this.lastStart = e.span.start;
    this.lastEnd = e.span.end;
    return e;
  }

  private lowerExpr(t: number, kind: number): Expr {
    switch (kind) {
      case NAME: return this.name();
      case THIS: return { k: 'name', id: 'self', span: this.keywordSpan(4) };
      case SUPER: {
        // `super.m(...)`: `super()` is the object.
        const s = this.keywordSpan(5);
        return { k: 'call', fn: { k: 'name', id: 'super', span: s }, args: [], kwargs: [], doubleStar: [], span: s, argsSpan: { start: s.end, end: s.end } };
      }
      case NONE: return { k: 'none', span: this.span() };
      case TRUE: return { k: 'bool', value: true, span: this.keywordSpan(4) };
      case FALSE: return { k: 'bool', value: false, span: this.keywordSpan(5) };
      case NUMBER: return this.num(t);
      case STRING: {
        const span = this.stringSpan();
        return { k: 'str', value: unescapeJs(this.text.slice(span.start + 1, Math.max(span.start + 1, span.end - 1))), span };
      }
      case TEMPLATE: return this.template(t);
      case MEMBER: return this.member();
      case SUBSCRIPT: return this.subscript();
      case CALL: return this.call();
      case NEW: return this.newExpr();
      case BINARY: return this.binary();
      case UNARY: return this.unary(t);
      case COND: return this.cond();
      case ARRAY: return this.array();
      case OBJECT: return toDict(this.object());
      case ARROW:
      case FUNC_EXPR: return this.funcExpr(kind === ARROW);
      case CLASS_EXPR: {
        const start = this.c.startIndex;
        const cls = this.classDecl(null, [], `$cls${start}`, null);
        this.hoisted.push(cls);
        return { k: 'name', id: cls.def.name, span: cls.span };
      }
      case SPREAD: {
        const span = this.span();
        return { k: 'star', value: this.firstExpr() ?? missing(span.end), span };
      }
      case JSX: {
        const span = this.span();
        const parts: Expr[] = [];
        this.jsxParts(parts);
        return { k: 'other', kind: this.tok(t), parts, span };
      }
      default: return this.other(t);
    }
  }

  /**
   * A function expression or arrow in expression position: an expression-bodied arrow is a
   * `lambda` (unless its body hoisted functions); anything else is hoisted as `$fn<start>`.
   */
  private funcExpr(arrow: boolean): Expr {
    const f = this.func({ name: null, nameSpan: null, span: null, headerStart: -1, method: false, arrow, decorators: [] });
    const def = f.def;
    if (f.exprBody !== null && !f.bodyHoisted && def.body.length === 1) {
      return { k: 'lambda', params: def.params, body: f.exprBody, span: def.span };
    }
    const name = `$fn${def.span.start}`;
    def.name = name;
    this.hoisted.push({ k: 'func', def, span: def.span });
    return { k: 'name', id: name, span: def.span };
  }

  /** An identifier (its end read from the text in an error-free tree). */
  private name(): NameExpr {
    const c = this.c;
    const text = this.text;
    const start = c.startIndex;
    let end = start;
    if (!this.guided) end = c.endIndex;
    else {
      if (text.charCodeAt(end) === 35 /* # */) end++;
      let ch = text.charCodeAt(end);
      while (isIdentChar(ch)) ch = text.charCodeAt(++end);
      if (ch >= 0x80 || ch === 92 /* \ */ || end === start) end = c.endIndex; // non-ASCII or escaped: ask tree-sitter
    }
    return { k: 'name', id: text.slice(start, end), span: { start, end } };
  }

  /** The span of the string literal under the cursor (its closing quote found in the text). */
  private stringSpan(): Span {
    const c = this.c;
    const start = c.startIndex;
    if (this.guided) {
      const q = this.text.charCodeAt(start);
      if (q === 39 || q === 34) {
        const close = closingQuote(this.text, start + 1, q);
        if (close >= 0) return { start, end: close + 1 };
      }
    }
    return { start, end: c.endIndex };
  }

  /** The value of the string literal under the cursor. */
  private stringValue(): string {
    const span = this.stringSpan();
    return unescapeJs(this.text.slice(span.start + 1, Math.max(span.start + 1, span.end - 1)));
  }

  /** The expressions inside the `{...}` of the current JSX node and its nested elements. */
  private jsxParts(out: Expr[]): void {
    const c = this.c;
    if (this.depth >= MAX_DEPTH || !c.gotoFirstChild()) return;
    this.depth++;
    do {
      const t = c.nodeTypeId;
      const kind = this.kinds[t];
      if (kind === JSX_EXPR) this.parts(out);
      else if (kind === JSX) out.push(this.expr(t));
      else if (kind === JSX_PART) this.jsxParts(out);
    } while (c.gotoNextSibling());
    this.depth--;
    c.gotoParent();
  }

  /**
   * `obj.attr`, `obj?.attr`, `obj.#priv`. In an error-free tree a chain of identifiers
   * (`tf.layers.dense`, `this.bn`) is read from the text, and otherwise `.attr` is.
   *
   * tree-sitter-typescript 0.23 parses `v as tf.data.Dataset` (a type name of three or more
   * parts after `as` or `satisfies`) as `(v as tf.data).Dataset`. A member access on an
   * unparenthesized `as`/`satisfies` expression can only be that (`(v as T).x` needs the
   * parentheses), so it lowers to the operand `v`, and so do the member accesses around it
   * (`typeContinuation`).
   */
  private member(): Expr {
    const c = this.c;
    const text = this.text;
    this.typeContinuation = false;
    let start: number;
    if (this.guided) {
      const span = this.span();
      const chain = dottedChain(text, span, MAX_DEPTH - this.depth);
      if (chain !== null) return chain;
      start = span.start;
    } else start = c.startIndex;
    let obj: Expr | null = null;
    let attr: NameExpr | null = null;
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
        if (kind === MEMBER ? this.typeContinuation : kind === TS_WRAP && isCast(this.tok(t))) {
          c.gotoParent();
          this.typeContinuation = true;
          return obj;
        }
        if (this.guided) {
          attr = propertyAfter(text, this.lastEnd);
          if (attr !== null) break;
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    const attrSpan = attr?.span ?? { start: c.endIndex, end: c.endIndex };
    return { k: 'attr', obj: obj ?? missing(start), attr: attr?.id ?? '', span: { start, end: attrSpan.end }, attrSpan };
  }

  /** `a[i]`, `a?.[i]`. */
  private subscript(): Expr {
    const c = this.c;
    let obj: Expr | null = null;
    let index: Expr | null = null;
    let start = -1;
    let end = -1;
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        const kind = this.kinds[t];
        if (kind < MEANINGFUL) continue;
        if (obj === null) {
          obj = this.expr(t);
          start = this.lastStart;
        } else {
          index = this.expr(t);
          if (this.guided) {
            const i = skipBlank(this.text, this.lastEnd);
            if (this.text.charCodeAt(i) === 93 /* ] */) end = i + 1;
          }
          break;
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    const span = this.guided && start >= 0 && end >= 0 ? { start, end } : this.span();
    return { k: 'subscript', obj: obj ?? missing(span.start), index: index ?? missing(span.end), span };
  }

  private num(t: number): Expr {
    const c = this.c;
    const start = c.startIndex;
    let end = this.guided ? numberEnd(this.text, start, jsSuffix) : -1;
    if (end <= start || isIdentChar(this.text.charCodeAt(end)) || this.text.charCodeAt(end) >= 0x80) end = c.endIndex;
    const span = { start, end };
    const raw = this.text.slice(span.start, span.end);
    const value = parseJsNumber(raw);
    if (value === null) return { k: 'other', kind: this.tok(t), parts: [], span };
    return { k: 'num', value, raw, span };
  }

  /** A template literal: a `str` without substitutions, else `other` with the substitutions. */
  private template(t: number): Expr {
    const c = this.c;
    const span = this.span();
    const parts: Expr[] = [];
    this.parts(parts);
    let substituted = false;
    if (parts.length === 0) {
      // Substitutions without expressions (`${}`, only in error trees) still make it dynamic.
      if (c.gotoFirstChild()) {
        do if (this.kinds[c.nodeTypeId] >= MEANINGFUL) substituted = true;
        while (!substituted && c.gotoNextSibling());
        c.gotoParent();
      }
      if (!substituted) {
        const raw = this.text.slice(span.start + 1, Math.max(span.start + 1, span.end - 1));
        return { k: 'str', value: unescapeJs(raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw), span };
      }
    }
    return { k: 'other', kind: this.tok(t), parts, span };
  }

  /**
   * The operands and operator token of a binary or unary node; `start` is the first operand's
   * node start (-1 if there is none).
   */
  private operands(): { left: Expr | null; op: string; right: Expr | null; start: number } {
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
          if (op === '') op = this.tok(t);
        } else if (kind < MEANINGFUL) continue;
        else if (left === null) {
          left = this.expr(t);
          start = this.lastStart;
        } else {
          right = this.expr(t);
          break;
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { left, op, right, start };
  }

  private binary(): Expr {
    const { left: l, op, right: r, start } = this.operands();
    const span = this.guided && l !== null && r !== null ? { start, end: this.lastEnd } : this.span();
    const left = l ?? missing(span.start);
    const right = r ?? missing(span.end);
    switch (op) {
      case '&&': return { k: 'boolop', op: 'and', left, right, span };
      case '||':
      case '??': return { k: 'boolop', op: 'or', left, right, span };
      case '===':
      case '==': return { k: 'compare', ops: ['=='], operands: [left, right], span };
      case '!==':
      case '!=': return { k: 'compare', ops: ['!='], operands: [left, right], span };
      case '<':
      case '>':
      case '<=':
      case '>=':
      case 'instanceof':
      case 'in': return { k: 'compare', ops: [op], operands: [left, right], span };
      case '>>>': return { k: 'bin', op: '>>', left, right, span };
      default: return { k: 'bin', op, left, right, span };
    }
  }

  /** `!x` → not, `-x`, `+x`, `~x`; `typeof`, `void`, `delete` → other. */
  private unary(t: number): Expr {
    const start = this.c.startIndex;
    const { left: operand, op } = this.operands();
    const span = this.guided && operand !== null ? { start, end: this.lastEnd } : { start, end: this.c.endIndex };
    const value = operand ?? missing(span.end);
    if (op === '!') return { k: 'unary', op: 'not', operand: value, span };
    if (op === '-' || op === '+' || op === '~') return { k: 'unary', op, operand: value, span };
    return { k: 'other', kind: this.tok(t), parts: operand ? [operand] : [], span };
  }

  /** `test ? body : orelse`. */
  private cond(): Expr {
    const c = this.c;
    const span = this.span();
    const operands: Expr[] = [];
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeTypeId;
        if (this.kinds[t] < MEANINGFUL) continue;
        operands.push(this.expr(t));
        if (operands.length === 3) break;
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return {
      k: 'cond',
      test: operands[0] ?? missing(span.start),
      body: operands[1] ?? missing(span.end),
      orelse: operands[2] ?? missing(span.end),
      span,
    };
  }

  /** `[a, ...b]` (holes are dropped). */
  private array(): Expr {
    const c = this.c;
    const start = c.startIndex;
    let end = -1;
    const elts: Expr[] = [];
    // The first child is `[` (in an error-free tree: not even looked at).
    let more = c.gotoFirstChild();
    if (more) {
      if (this.guided) more = c.gotoNextSibling();
      for (; more; more = c.gotoNextSibling()) {
        const t = c.nodeTypeId;
        if (this.kinds[t] < MEANINGFUL) continue;
        elts.push(this.expr(t));
        if (this.guided && (end = this.afterItem(93 /* ] */)) >= 0) break;
      }
      c.gotoParent();
    }
    return { k: 'list', elts, span: { start, end: end >= 0 ? end : c.endIndex } };
  }
}

/** `e as T`, `e satisfies T`: the TS assertions whose type can swallow a member access. */
function isCast(type: string): boolean {
  return type === 'as_expression' || type === 'satisfies_expression';
}

/** An object literal that is not a config object: a dict with string keys. */
function toDict(o: LoweredObject): Expr {
  const keys: (Expr | null)[] = [];
  const values: Expr[] = [];
  for (const e of o.entries) {
    keys.push(e.kind === 'spread' ? null : e.keyExpr);
    values.push(e.value);
  }
  return { k: 'dict', keys, values, span: o.span };
}

/** `target = source.key` (or `source.key or dflt`), the attr spanning `keySpan`. */
function bindAttr(target: NameExpr, source: Expr, key: string, keySpan: Span, dflt: Expr | null, span: Span): AssignStmt {
  const attr: Expr = { k: 'attr', obj: source, attr: key, span: keySpan, attrSpan: keySpan };
  const value: Expr = dflt === null ? attr : { k: 'boolop', op: 'or', left: attr, right: dflt, span: { start: keySpan.start, end: dflt.span.end } };
  return { k: 'assign', targets: [target], value, op: null, annotation: null, span };
}

/**
 * Gives the statements of a declaration's only declarator the statement's span (`export`
 * included); a function's header then starts at the declaration keyword.
 */
function widen(s: Stmt, declarator: Span, stmtSpan: Span, declStart: number): void {
  if (s.span.start !== declarator.start || s.span.end !== declarator.end) {
    if (s.k === 'import') s.span = stmtSpan;
    return;
  }
  s.span = stmtSpan;
  if (s.k === 'func') {
    s.def.span = stmtSpan;
    if (s.def.headerSpan.start === declarator.start) s.def.headerSpan = { start: declStart, end: s.def.headerSpan.end };
  } else if (s.k === 'class') s.def.span = stmtSpan;
}

/** A constructor's body with `self.x = x` for each TS parameter property, after `super(...)`. */
function withParamProperties(body: Stmt[], props: NameExpr[]): Stmt[] {
  const assigns: Stmt[] = props.map((p) => ({
    k: 'assign',
    targets: [{ k: 'attr', obj: { k: 'name', id: 'self', span: p.span }, attr: p.id, span: p.span, attrSpan: p.span }],
    value: { k: 'name', id: p.id, span: p.span },
    op: null,
    annotation: null,
    span: p.span,
  }));
  const at = body.findIndex((s) => s.k === 'expr' && s.value.k === 'call' && s.value.fn.k === 'attr' && s.value.fn.attr === '__init__' && s.value.fn.obj.k === 'call' && s.value.fn.obj.fn.k === 'name' && s.value.fn.obj.fn.id === 'super');
  return [...body.slice(0, at + 1), ...assigns, ...body.slice(at + 1)];
}

/** `require('x')` (→ `{spec: 'x', attr: null}`) or `require('x').a` (→ `attr: 'a'`), else null. */
function requiredModule(e: Expr): { spec: string; attr: string | null } | null {
  let attr: string | null = null;
  if (e.k === 'attr') {
    attr = e.attr;
    e = e.obj;
  }
  if (e.k !== 'call' || e.fn.k !== 'name' || e.fn.id !== 'require') return null;
  if (e.args.length !== 1 || e.args[0].k !== 'str' || e.kwargs.length > 0 || e.doubleStar.length > 0) return null;
  return { spec: e.args[0].value, attr };
}

/** The TensorFlow.js packages whose exports are `tf.*` (the union bundle and its parts). */
const TFJS_PACKAGES: ReadonlySet<string> = new Set([
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-core',
]);

/**
 * An import specifier as a module name and relative level: tfjs packages → `tfjs` (`tf.data`'s
 * package → `tfjs.data`); `./a/b.js` → `a.b`, level 1; `../x` → `x`, level 2; anything else is
 * kept as written (level 0).
 */
export function moduleOf(spec: string): { module: string; level: number } {
  if (TFJS_PACKAGES.has(spec)) return { module: 'tfjs', level: 0 };
  if (spec === '@tensorflow/tfjs-data') return { module: 'tfjs.data', level: 0 };
  if (spec !== '.' && spec !== '..' && !spec.startsWith('./') && !spec.startsWith('../')) return { module: spec, level: 0 };
  let level = 1;
  let rest = spec;
  for (;;) {
    if (rest === '.' || rest === './') rest = '';
    else if (rest === '..' || rest === '../') {
      level++;
      rest = '';
    } else if (rest.startsWith('./')) rest = rest.slice(2);
    else if (rest.startsWith('../')) {
      level++;
      rest = rest.slice(3);
    } else break;
  }
  rest = rest.replace(SCRIPT_EXTENSION, '').replace(/\/+$/, '');
  return { module: rest.split('/').filter((s) => s !== '' && s !== '.').join('.'), level };
}

/**
 * A camelCase option name in snake_case, Keras's spelling: `useBias` → `use_bias`,
 * `batchInputShape` → `batch_input_shape`, `inputDType` → `input_d_type`; names without
 * capitals are unchanged.
 */
export function snakeCase(key: string): string {
  if (!/[A-Z]/.test(key)) return key;
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const ch = key.charCodeAt(i);
    if (ch >= 65 && ch <= 90) {
      const prev = i > 0 ? key.charCodeAt(i - 1) : 0;
      const next = i + 1 < key.length ? key.charCodeAt(i + 1) : 0;
      const prevLowerOrDigit = (prev >= 97 && prev <= 122) || (prev >= 48 && prev <= 57);
      const prevUpper = prev >= 65 && prev <= 90;
      const nextLower = next >= 97 && next <= 122;
      if (prevLowerOrDigit || (prevUpper && nextLower)) out += '_';
      out += String.fromCharCode(ch + 32);
    } else out += key[i];
  }
  return out;
}

/** The value of a JavaScript number literal, or null for a BigInt or a non-finite value. */
function parseJsNumber(raw: string): number | null {
  if (raw.endsWith('n')) return null;
  const s = raw.includes('_') ? raw.replaceAll('_', '') : raw;
  const value = /^0[0-7]+$/.test(s) ? parseInt(s, 8) : Number(s); // legacy octal `017`
  return Number.isFinite(value) ? value : null;
}

/** Decodes the escape sequences of a JavaScript string or template literal's content. */
function unescapeJs(s: string): string {
  let i = s.indexOf('\\');
  if (i < 0) return s;
  let out = '';
  let from = 0;
  while (i >= 0 && i + 1 < s.length) {
    out += s.slice(from, i);
    const e = s[i + 1];
    let next = i + 2;
    switch (e) {
      case '\n': case '\u2028': case '\u2029': break; // line continuation
      case '\r': if (s[next] === '\n') next++; break;
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case 'x': {
        const hex = s.slice(next, next + 2);
        if (/^[0-9a-fA-F]{2}$/.test(hex)) {
          out += String.fromCharCode(parseInt(hex, 16));
          next += 2;
        } else out += e;
        break;
      }
      case 'u': {
        const braced = s[next] === '{' ? /^\{([0-9a-fA-F]{1,6})\}/.exec(s.slice(next)) : null;
        const hex = s.slice(next, next + 4);
        if (braced !== null && parseInt(braced[1], 16) <= 0x10ffff) {
          out += String.fromCodePoint(parseInt(braced[1], 16));
          next += braced[0].length;
        } else if (/^[0-9a-fA-F]{4}$/.test(hex)) {
          out += String.fromCharCode(parseInt(hex, 16));
          next += 4;
        } else out += e;
        break;
      }
      default: {
        const octal = /^[0-7]{1,3}/.exec(s.slice(i + 1, i + 4));
        if (octal !== null && !(octal[0] === '0' && !/[89]/.test(s[i + 2] ?? ''))) {
          // Legacy octal escapes (`\0` alone is NUL, handled below).
          const digits = parseInt(octal[0], 8) > 255 ? octal[0].slice(0, 2) : octal[0];
          out += String.fromCharCode(parseInt(digits, 8));
          next = i + 1 + digits.length;
        } else if (e === '0') out += '\0';
        else out += e; // `\'`, `\"`, `\\`, `` \` ``, `\$` and unknown escapes: the character itself
      }
    }
    from = next;
    i = s.indexOf('\\', next);
  }
  return out + s.slice(from);
}

/** The indentation (leading blanks) of the line holding `offset`. */
function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let i = lineStart;
  while (i < offset) {
    const ch = text.charCodeAt(i);
    if (ch !== 32 && ch !== 9 && ch !== 12) break;
    i++;
  }
  return text.slice(lineStart, i);
}

/** Words that cannot start an attribute chain read from the text (literals, operators, `super`, `import.meta`). */
const NOT_CHAIN_START: ReadonlySet<string> = new Set([
  'null', 'undefined', 'true', 'false', 'super', 'new', 'typeof', 'void', 'delete', 'await', 'yield',
  'import', 'class', 'function', 'in', 'instanceof',
]);

/** An identifier (or `#name` if `hash`) at `i`, or null. */
function identAt(text: string, i: number, hash: boolean): NameExpr | null {
  const start = i;
  let ch = text.charCodeAt(i);
  if (hash && ch === 35 /* # */) ch = text.charCodeAt(++i);
  if (ch >= 48 && ch <= 57) return null;
  const first = i;
  while (isIdentChar(ch)) ch = text.charCodeAt(++i);
  if (i === first || ch >= 0x80 || ch === 92 /* \ */) return null; // non-ASCII or escaped: ask tree-sitter
  return { k: 'name', id: text.slice(start, i), span: { start, end: i } };
}

/**
 * The attribute chain `a.b.c` / `this.x` / `a?.b` (identifiers and dots, blanks allowed around
 * the dots) exactly covering `span`, or null if the text there is anything else or it nests
 * deeper than `maxDepth`.
 */
function dottedChain(text: string, span: Span, maxDepth: number): Expr | null {
  let chain: Expr | null = null;
  let i = span.start;
  for (let depth = 0; depth < maxDepth; depth++) {
    const n = identAt(text, i, chain !== null);
    if (n === null) return null;
    if (chain === null) {
      if (n.id === 'this') chain = { k: 'name', id: 'self', span: n.span };
      else if (NOT_CHAIN_START.has(n.id)) return null;
      else chain = n;
    } else {
      chain = { k: 'attr', obj: chain, attr: n.id, span: { start: span.start, end: n.span.end }, attrSpan: n.span };
    }
    i = n.span.end;
    if (i === span.end) return chain.k === 'attr' ? chain : null;
    i = skipBlank(text, i);
    if (text.charCodeAt(i) === 63 /* ? */ && text.charCodeAt(i + 1) === 46) i += 2;
    else if (text.charCodeAt(i) === 46 /* . */) i++;
    else return null;
    i = skipBlank(text, i);
    if (i >= span.end) return null;
  }
  return null;
}

/** The `.name` / `?.name` / `.#name` right after offset `i` (blanks allowed), or null. */
function propertyAfter(text: string, i: number): NameExpr | null {
  i = skipBlank(text, i);
  if (text.charCodeAt(i) === 63 /* ? */ && text.charCodeAt(i + 1) === 46) i += 2;
  else if (text.charCodeAt(i) === 46 /* . */) i++;
  else return null;
  return identAt(text, skipBlank(text, i), true);
}

/** The offset of the closing quote `q` of a string literal whose content starts at `i`, or -1. */
function closingQuote(text: string, i: number, q: number): number {
  for (;;) {
    const ch = text.charCodeAt(i);
    if (ch === q) return i;
    if (ch === 92 /* \ */) i += 2;
    else if (ch === 10 || ch === 13 || Number.isNaN(ch)) return -1;
    else i++;
  }
}

/** The suffix of a JavaScript number token (for `numberEnd`): the `n` of a BigInt. */
function jsSuffix(ch: number): boolean {
  return ch === 0x6e /* n */;
}
