/**
 * The cross-file index of a Python project: module names, module-level bindings, and import
 * resolution (absolute, relative, `src/` layouts, sibling imports of scripts, `__init__.py`
 * re-exports).
 */
import type { ClassDef, Expr, FuncDef, ImportFact, PyFile, Stmt } from './ir';

/** One lowered file of the project. */
export interface ProjectFile {
  /** Project-relative path with `/` separators. */
  path: string;
  ir: PyFile;
  /** Dotted module names this file can be imported as (e.g. `pkg.mod`, and `mod` for `src/`-less scripts). */
  moduleNames: string[];
  /** The file's own package (dotted), used for relative imports; '' at the top level. */
  packageName: string;
  isPackageInit: boolean;
  /** Module-level bindings: name → the statements that bind it, in source order. */
  bindings: Map<string, Binding[]>;
  /** True for pytest-style test files (`test_*.py`, `*_test.py`, under `tests/`). */
  isTestFile: boolean;
}

/** What binds a module-level name. */
export type Binding =
  | { k: 'import'; imp: ImportFact }
  | { k: 'class'; def: ClassDef }
  | { k: 'func'; def: FuncDef }
  | { k: 'assign'; value: Expr; target: Expr };

/** Builds the bindings table of a module body (including inside module-level `if`/`try`/`with`). */
export function collectBindings(body: Stmt[], into = new Map<string, Binding[]>()): Map<string, Binding[]> {
  const add = (name: string, b: Binding): void => {
    const list = into.get(name);
    if (list) list.push(b);
    else into.set(name, [b]);
  };
  for (const s of body) {
    switch (s.k) {
      case 'import': {
        const imp = s.imp;
        if (imp.name === '*') break;
        const bound = imp.asname ?? (imp.name !== null ? imp.name : imp.module.split('.')[0]);
        add(bound, { k: 'import', imp });
        break;
      }
      case 'class':
        add(s.def.name, { k: 'class', def: s.def });
        break;
      case 'func':
        add(s.def.name, { k: 'func', def: s.def });
        break;
      case 'assign':
        if (s.value) {
          for (const t of s.targets) {
            if (t.k === 'name') add(t.id, { k: 'assign', value: s.value, target: t });
          }
        }
        break;
      case 'if':
        collectBindings(s.body, into);
        collectBindings(s.orelse, into);
        break;
      case 'try':
        collectBindings(s.body, into);
        for (const h of s.handlers) collectBindings(h.body, into);
        collectBindings(s.orelse, into);
        collectBindings(s.finalbody, into);
        break;
      case 'with':
        collectBindings(s.body, into);
        break;
      default:
        break;
    }
  }
  return into;
}

const TEST_FILE = /(^|\/)(tests?|testing)\/|(^|\/)test_[^/]*\.py$|_test\.py$|(^|\/)conftest\.py$/;

/** The project: files by path and by module name. */
export class ProjectIndex {
  readonly files: ProjectFile[] = [];
  private readonly byModule = new Map<string, ProjectFile>();
  private readonly byPath = new Map<string, ProjectFile>();

  /**
   * @param inputs lowered files with project-relative `/` paths; non-`.py` paths are ignored.
   */
  constructor(inputs: Array<{ path: string; ir: PyFile }>) {
    const paths = new Set(inputs.map((f) => f.path));
    for (const { path, ir } of inputs) {
      if (!/\.pyi?$/.test(path)) continue;
      const noExt = path.replace(/\.pyi?$/, '');
      const isInit = /(^|\/)__init__$/.test(noExt);
      const modPath = isInit ? noExt.replace(/\/?__init__$/, '') : noExt;
      const parts = modPath === '' ? [] : modPath.split('/');
      // Candidate roots: the project root, `src/`, and every ancestor directory that is not
      // itself a package (a script's own directory is on sys.path when it runs).
      const names: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        const dir = parts.slice(0, i).join('/');
        const isPkgDir = i > 0 && paths.has(`${dir}/__init__.py`);
        if (i === 0 || !isPkgDir) names.push(parts.slice(i).join('.'));
      }
      // Package of the file: its directory's dotted name (for relative imports), computed from
      // the shortest candidate (the one rooted at the outermost non-package directory).
      const shortest = names.length > 0 ? names[names.length - 1] : '';
      const pkg = isInit ? shortest : shortest.split('.').slice(0, -1).join('.');
      const pf: ProjectFile = {
        path,
        ir,
        moduleNames: names,
        packageName: pkg,
        isPackageInit: isInit,
        bindings: collectBindings(ir.body),
        isTestFile: TEST_FILE.test(path),
      };
      this.files.push(pf);
      this.byPath.set(path, pf);
    }
    // Longer (more qualified) names win over shorter ones on conflicts: register short first.
    const entries: Array<[string, ProjectFile]> = [];
    for (const f of this.files) for (const n of f.moduleNames) entries.push([n, f]);
    entries.sort((a, b) => b[0].split('.').length - a[0].split('.').length);
    for (const [n, f] of entries) if (!this.byModule.has(n)) this.byModule.set(n, f);
  }

  /** The file at a project-relative path. */
  file(path: string): ProjectFile | undefined {
    return this.byPath.get(path);
  }

  /**
   * Resolves a dotted module name imported from `from` to a project file, trying the file's
   * own directory first (script-sibling imports), then the project-wide table.
   */
  module(name: string, from?: ProjectFile): ProjectFile | undefined {
    if (from) {
      const dir = from.path.includes('/') ? from.path.slice(0, from.path.lastIndexOf('/')) : '';
      const rel = name.replace(/\./g, '/');
      const base = dir ? `${dir}/${rel}` : rel;
      const sibling = this.byPath.get(`${base}.py`) ?? this.byPath.get(`${base}/__init__.py`);
      if (sibling) return sibling;
    }
    return this.byModule.get(name);
  }

  /**
   * The absolute dotted module an import refers to (`level` dots are resolved against the
   * importing file's package), or null when the relative import climbs above the root.
   */
  absoluteModule(imp: ImportFact, from: ProjectFile): string | null {
    if (imp.level === 0) return imp.module;
    const pkgParts = from.packageName === '' ? [] : from.packageName.split('.');
    const up = imp.level - 1;
    if (up > pkgParts.length) return null;
    const base = pkgParts.slice(0, pkgParts.length - up);
    if (imp.module) base.push(...imp.module.split('.'));
    return base.join('.');
  }
}
