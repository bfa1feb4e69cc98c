/**
 * Slices of a file's module-level definitions for incremental linting (the language server,
 * after a keystroke): which module-level `def`s and `class`es depend on the ones an edit
 * changed, so the model can analyze those again and keep its analysis of the rest.
 *
 * The dependency relation is syntactic and conservative: a definition depends on every
 * module-level definition of the same file whose name appears anywhere in it (bases,
 * decorators, defaults, annotations, bodies of methods and nested functions). Module-level code
 * that is not a `def` or `class` (imports, assignments, `if`/`try` blocks and what they define,
 * script code) is one unit. What the names miss (another file importing the definition, a star
 * import, a module object's attribute) the model checks while it runs (see `RootSlice`).
 */
import type { ClassDef, FuncDef, Stmt } from './ir';
import { forEachStmtDeep } from './interp';

/**
 * Restricts the roots of a `PyTorchModel` run to one side of a split of one file's module-level
 * statements. The two sides of a split together cover what one whole run analyzes.
 */
export interface RootSlice {
  /** Project-relative path of the file whose module-level statements are split. */
  readonly file: string;
  /** Module-level `def`/`class` statements of that file: the edited ones and their dependents. */
  readonly dependents: ReadonlySet<Stmt>;
  /**
   * `'dependents'`: only the `dependents` are roots (no module-level code, no other file);
   * `'rest'`: everything else is, and the run records a violation when it resolves a name bound
   * by one of the `dependents` (the split does not hold).
   */
  readonly side: 'dependents' | 'rest';
  /** Every function and class defined inside the `dependents` (at any depth). */
  readonly defs: ReadonlySet<FuncDef | ClassDef>;
}

/** Module-level `def`/`class` statements: their bound name; null for other statements. */
export function definedName(s: Stmt): string | null {
  return s.k === 'func' || s.k === 'class' ? s.def.name : null;
}

const READS = new WeakMap<Stmt, ReadonlySet<string>>();

/**
 * Every identifier read anywhere in a statement (`name` expressions at any depth), memoized per
 * statement object (the language server's lowering reuses the objects of untouched statements).
 * A walk of every field rather than `forEachExprDeep`, which leaves out decorators, parameter
 * defaults and annotations, base classes and `for`/`with` targets: a dependency missed there
 * would keep stale findings.
 */
export function namesReadBy(s: Stmt): ReadonlySet<string> {
  let out = READS.get(s);
  if (!out) {
    const names = new Set<string>();
    collectNames(s, names);
    READS.set(s, (out = names));
  }
  return out;
}

/** Every identifier read anywhere in an IR node (as {@link namesReadBy}, not memoized). */
export function namesIn(node: object): ReadonlySet<string> {
  const names = new Set<string>();
  collectNames(node, names);
  return names;
}

function collectNames(o: unknown, out: Set<string>): void {
  if (o === null || typeof o !== 'object') return;
  if (Array.isArray(o)) {
    for (const x of o) collectNames(x, out);
    return;
  }
  const r = o as Record<string, unknown>;
  if (r.k === 'name' && typeof r.id === 'string') {
    out.add(r.id);
    return;
  }
  for (const k in r) {
    const v = r[k];
    if (v !== null && typeof v === 'object' && k !== 'span' && k !== 'nameSpan' && k !== 'headerSpan' && k !== 'argsSpan' && k !== 'attrSpan') collectNames(v, out);
  }
}

/**
 * The module-level definitions that depend on the `changed` ones (indexes into `body`, each a
 * `def` or `class` statement), transitively, the changed ones included.
 * @returns their indexes, or null when module-level code other than definitions depends on one
 *   (it runs on import, so nothing can be kept apart from them).
 */
export function dependentsOf(body: readonly Stmt[], changed: Iterable<number>): Set<number> | null {
  const out = new Set<number>();
  const names = new Set<string>();
  const add = (i: number): void => {
    out.add(i);
    names.add(definedName(body[i])!);
  };
  for (const i of changed) add(i);
  for (let grew = true; grew; ) {
    grew = false;
    for (let i = 0; i < body.length; i++) {
      if (out.has(i)) continue;
      const reads = namesReadBy(body[i]);
      let hit = false;
      for (const n of names) {
        if (reads.has(n)) {
          hit = true;
          break;
        }
      }
      if (!hit) continue;
      if (definedName(body[i]) === null) return null;
      add(i);
      grew = true;
    }
  }
  return out;
}

/** Every function and class defined in the statements, at any depth (methods, nested functions). */
export function definitionsIn(stmts: Iterable<Stmt>): Set<FuncDef | ClassDef> {
  const out = new Set<FuncDef | ClassDef>();
  forEachStmtDeep([...stmts], (s) => {
    if (s.k === 'func' || s.k === 'class') out.add(s.def);
  });
  return out;
}
