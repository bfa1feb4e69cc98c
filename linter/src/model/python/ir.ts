/**
 * The Python IR: a small, serializable (plain JSON) lowering of a tree-sitter-python tree.
 *
 * It keeps what normlint's analyses need (statements, calls with their positional and keyword
 * arguments, names, attributes, literals, simple arithmetic, containers, functions, classes,
 * imports) and folds everything else into `other` nodes that still carry their nested
 * expressions, so a call inside a comprehension or a lambda is never lost.
 *
 * Units: every `span` is a half-open range of UTF-16 code-unit offsets into the file's text.
 *
 * Invariant: the IR is plain data (no tree-sitter objects, no cycles, no functions): it is
 * cached as JSON and crosses worker-thread boundaries by structured clone.
 */
import type { Span } from '../../core/diagnostic';

export type Expr =
  | NameExpr
  | AttrExpr
  | CallExpr
  | NumExpr
  | StrExpr
  | BoolExpr
  | NoneExpr
  | BinExpr
  | UnaryExpr
  | BoolOpExpr
  | CompareExpr
  | SeqExpr
  | DictExpr
  | SubscriptExpr
  | LambdaExpr
  | CondExpr
  | StarExpr
  | OtherExpr;

export interface NameExpr { k: 'name'; id: string; span: Span }
/** `obj.attr`; `attrSpan` covers the attribute identifier only. */
export interface AttrExpr { k: 'attr'; obj: Expr; attr: string; span: Span; attrSpan: Span }
/**
 * A keyword argument `name=value`; `span` covers the whole `name=value`.
 * From TypeScript/JavaScript, a property `key: value` of a call's trailing config object
 * (`tf.layers.dense({units: 8, useBias: false})`): `name` is the key in snake_case (`use_bias`,
 * the Keras name of TensorFlow.js's camelCase option), `raw` the key as written (`useBias`);
 * a shorthand property `{units}` has a `name` expr as value spanning the key.
 */
export interface Keyword { name: string; value: Expr; span: Span; raw?: string }
/**
 * A call. `args` are positional arguments (a `*xs` argument appears as a `star` expr);
 * `kwargs` are keyword arguments; `doubleStar` holds `**kw` arguments.
 * `argsSpan` covers the parentheses `( ... )` including both parentheses.
 */
export interface CallExpr {
  k: 'call';
  fn: Expr;
  args: Expr[];
  kwargs: Keyword[];
  doubleStar: Expr[];
  span: Span;
  argsSpan: Span;
  /**
   * TypeScript/JavaScript only: the call's trailing object literal (`{...}`, braces included)
   * whose properties became `kwargs`. Fixes insert new options inside it.
   */
  config?: Span;
}
/** An int or float literal; `raw` is the source text (e.g. `0.90`, `1e-3`, `1_000`). */
export interface NumExpr { k: 'num'; value: number; raw: string; span: Span }
/** A string literal without interpolation (f-strings become `other`). */
export interface StrExpr { k: 'str'; value: string; span: Span }
export interface BoolExpr { k: 'bool'; value: boolean; span: Span }
export interface NoneExpr { k: 'none'; span: Span }
/** Binary arithmetic: `+ - * / // % ** << >> & | ^ @`. */
export interface BinExpr { k: 'bin'; op: string; left: Expr; right: Expr; span: Span }
/** Unary `-`, `+`, `~`, `not`. */
export interface UnaryExpr { k: 'unary'; op: string; operand: Expr; span: Span }
/** `a and b`, `a or b`. */
export interface BoolOpExpr { k: 'boolop'; op: 'and' | 'or'; left: Expr; right: Expr; span: Span }
/** `a < b`, `a is None`, `x in y`, chained comparisons: `ops[i]` sits between `operands[i]` and `operands[i+1]`. */
export interface CompareExpr { k: 'compare'; ops: string[]; operands: Expr[]; span: Span }
/** List, tuple or set display (also the bare tuple of `a, b = ...`). */
export interface SeqExpr { k: 'list' | 'tuple' | 'set'; elts: Expr[]; span: Span }
/** Dict display; a `**spread` entry has `key: null`. */
export interface DictExpr { k: 'dict'; keys: (Expr | null)[]; values: Expr[]; span: Span }
export interface SubscriptExpr { k: 'subscript'; obj: Expr; index: Expr; span: Span }
export interface LambdaExpr { k: 'lambda'; params: Param[]; body: Expr; span: Span }
/** `body if test else orelse`. */
export interface CondExpr { k: 'cond'; test: Expr; body: Expr; orelse: Expr; span: Span }
/** `*value` (in calls, displays and assignment targets); `**value` in displays uses `other`. */
export interface StarExpr { k: 'star'; value: Expr; span: Span }
/**
 * Anything else (comprehensions, f-strings, await, slices, walrus, ...). `kind` is the
 * tree-sitter node type; `parts` are the nested expressions in source order (so calls
 * inside stay visible). For a comprehension, `parts` holds the element expression(s)
 * first, then each `for` iterable and `if` condition.
 */
export interface OtherExpr { k: 'other'; kind: string; parts: Expr[]; span: Span }

/** A function or lambda parameter. `kind`: plain, `*args`, `**kwargs`, or keyword-only after `*`. */
export interface Param {
  name: string;
  kind: 'plain' | 'varargs' | 'kwargs' | 'kwonly';
  default: Expr | null;
  annotation: Expr | null;
  span: Span;
}

export type Stmt =
  | AssignStmt
  | ExprStmt
  | IfStmt
  | ForStmt
  | WhileStmt
  | WithStmt
  | TryStmt
  | ReturnStmt
  | FuncStmt
  | ClassStmt
  | ImportStmt
  | SimpleStmt
  | BlockStmt;

/**
 * `a = b`, `a = b = c` (several targets), `a: T = b`, `a += b` (`op: '+='`).
 * A tuple target `a, b = ...` is a `tuple` expr. `value` is null for a bare annotation.
 */
export interface AssignStmt { k: 'assign'; targets: Expr[]; value: Expr | null; op: string | null; annotation: Expr | null; span: Span }
export interface ExprStmt { k: 'expr'; value: Expr; span: Span }
/** `elif` chains are nested: `orelse` holds a single `if` stmt. */
export interface IfStmt { k: 'if'; test: Expr; body: Stmt[]; orelse: Stmt[]; span: Span }
export interface ForStmt { k: 'for'; target: Expr; iter: Expr; body: Stmt[]; orelse: Stmt[]; isAsync: boolean; span: Span }
export interface WhileStmt { k: 'while'; test: Expr; body: Stmt[]; orelse: Stmt[]; span: Span }
export interface WithItem { ctx: Expr; as: Expr | null }
export interface WithStmt { k: 'with'; items: WithItem[]; body: Stmt[]; isAsync: boolean; span: Span }
export interface ExceptHandler { type: Expr | null; name: string | null; body: Stmt[]; span: Span }
export interface TryStmt { k: 'try'; body: Stmt[]; handlers: ExceptHandler[]; orelse: Stmt[]; finalbody: Stmt[]; span: Span }
export interface ReturnStmt { k: 'return'; value: Expr | null; span: Span }
export interface FuncStmt { k: 'func'; def: FuncDef; span: Span }
export interface ClassStmt { k: 'class'; def: ClassDef; span: Span }
export interface ImportStmt { k: 'import'; imp: ImportFact; span: Span }
/**
 * `pass`, `break`, `continue`, `raise X`, `del x`, `global`, `nonlocal`, `assert`, `yield`
 * statements and other leaves. `exprs` holds their nested expressions (e.g. the raised value).
 */
export interface SimpleStmt { k: 'simple'; kind: 'pass' | 'break' | 'continue' | 'raise' | 'del' | 'global' | 'nonlocal' | 'assert' | 'other'; exprs: Expr[]; span: Span }
/** A block the analyses treat as "one of these bodies runs": `match` cases, unknown compound statements. */
export interface BlockStmt { k: 'block'; kind: string; exprs: Expr[]; bodies: Stmt[][]; span: Span }

export interface FuncDef {
  name: string;
  params: Param[];
  decorators: Expr[];
  body: Stmt[];
  isAsync: boolean;
  /** The whole `def` including decorators. */
  span: Span;
  nameSpan: Span;
  /** The `def ...:` header line(s) through the colon. */
  headerSpan: Span;
  /** Offset of the first statement of the body; `bodyIndent` is its indentation text. */
  bodyStart: number;
  bodyIndent: string;
}

export interface ClassDef {
  name: string;
  bases: Expr[];
  keywords: Keyword[];
  decorators: Expr[];
  body: Stmt[];
  span: Span;
  nameSpan: Span;
}

/**
 * One import binding.
 * - `import a.b.c` → `{ module: 'a.b.c', name: null, asname: null, level: 0 }` (binds `a`)
 * - `import a.b as m` → `{ module: 'a.b', name: null, asname: 'm', level: 0 }`
 * - `from ..x import y as z` → `{ module: 'x', name: 'y', asname: 'z', level: 2 }`
 * - `from . import y` → `{ module: '', name: 'y', asname: null, level: 1 }`
 * - `from x import *` → `{ module: 'x', name: '*', ... }`
 * An `import a, b` or `from x import (y, z)` statement lowers to several `import` stmts with the same span.
 */
export interface ImportFact {
  module: string;
  name: string | null;
  asname: string | null;
  level: number;
  span: Span;
}

/** The lowered file. */
export interface PyFile {
  /**
   * The source language; absent for Python. TypeScript/JavaScript (TensorFlow.js code) is
   * lowered to the same IR (`model/ts/lower.ts`): rules render fixes and messages in the
   * file's own syntax (`useBias: false` rather than `use_bias=False`).
   */
  lang?: 'ts';
  /** Module-level statements, in order. */
  body: Stmt[];
  /**
   * Spans of tree-sitter ERROR and MISSING nodes. Analyses stay silent on statements that
   * overlap one; the lowering skips ERROR nodes.
   */
  errors: Span[];
}
