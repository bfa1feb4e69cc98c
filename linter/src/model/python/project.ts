/**
 * The cross-file index of a Python project: module names, module-level bindings, and import
 * resolution (absolute, relative, `src/` layouts, sibling imports of scripts, `__init__.py`
 * re-exports).
 */
import type { ClassDef, Expr, FuncDef, ImportFact, PyFile, Stmt } from './ir';
import { SCRIPT_EXTENSION } from '../../core/source-kind';

const EMPTY_IR: PyFile = { body: [], errors: [] };

/**
 * One file of the project. Its IR is either given (a primary file, analyzed by the rules) or
 * loaded on first use through the index's loader (a file needed only to resolve names).
 */
export class ProjectFile {
  private irValue: PyFile | null;
  private bindingsValue: Map<string, Binding[]> | null = null;
  private starsValue: ImportFact[] | null = null;

  constructor(
    /** Project-relative path with `/` separators. */
    readonly path: string,
    /** Dotted module names this file can be imported as (e.g. `pkg.mod`, and `mod` for `src/`-less scripts). */
    readonly moduleNames: string[],
    /** The file's own package (dotted), used for relative imports; '' at the top level. */
    readonly packageName: string,
    readonly isPackageInit: boolean,
    /** True for pytest-style test files (`test_*.py`, `*_test.py`, under `tests/`). */
    readonly isTestFile: boolean,
    ir: PyFile | null,
    private readonly loader: ((path: string) => PyFile | null) | null,
  ) {
    this.irValue = ir;
  }

  /** The lowered file (loaded on first access for files outside the analyzed set). */
  get ir(): PyFile {
    if (!this.irValue) this.irValue = this.loader?.(this.path) ?? EMPTY_IR;
    return this.irValue;
  }

  /**
   * Replaces a primary file's IR with a newer lowering of the same file (incremental linting
   * keeps a model whose analysis of this file's other statements still holds); its bindings are
   * read again from the new IR.
   */
  refresh(ir: PyFile): void {
    this.irValue = ir;
    this.bindingsValue = null;
    this.starsValue = null;
  }

  /** Whether the IR is in memory (given, or loaded on demand already). */
  get loaded(): boolean {
    return this.irValue !== null;
  }

  /** Module-level bindings: name → the statements that bind it, in source order. */
  get bindings(): Map<string, Binding[]> {
    if (!this.bindingsValue) {
      const stars: ImportFact[] = [];
      this.bindingsValue = collectBindings(this.ir.body, new Map(), stars);
      this.starsValue = stars;
    }
    return this.bindingsValue;
  }

  /**
   * The module's star imports (`from m import *`; TypeScript `export * from './m'`), in source
   * order, including those inside module-level `if`/`try`/`with`. They bind no name in
   * {@link bindings}: what they provide depends on the target module.
   */
  get starImports(): readonly ImportFact[] {
    if (!this.starsValue) void this.bindings;
    return this.starsValue!;
  }
}

/** What binds a module-level name. */
export type Binding =
  | { k: 'import'; imp: ImportFact }
  | { k: 'class'; def: ClassDef }
  | { k: 'func'; def: FuncDef }
  | { k: 'assign'; value: Expr; target: Expr };

/**
 * Builds the bindings table of a module body (including inside module-level `if`/`try`/`with`).
 * Star imports bind no name: they are appended to `stars` when given.
 */
export function collectBindings(body: Stmt[], into = new Map<string, Binding[]>(), stars?: ImportFact[]): Map<string, Binding[]> {
  const add = (name: string, b: Binding): void => {
    const list = into.get(name);
    if (list) list.push(b);
    else into.set(name, [b]);
  };
  for (const s of body) {
    switch (s.k) {
      case 'import': {
        const imp = s.imp;
        if (imp.name === '*') {
          stars?.push(imp);
          break;
        }
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
        collectBindings(s.body, into, stars);
        collectBindings(s.orelse, into, stars);
        break;
      case 'try':
        collectBindings(s.body, into, stars);
        for (const h of s.handlers) collectBindings(h.body, into, stars);
        collectBindings(s.orelse, into, stars);
        collectBindings(s.finalbody, into, stars);
        break;
      case 'with':
        collectBindings(s.body, into, stars);
        break;
      default:
        break;
    }
  }
  return into;
}

const TEST_FILE = /(^|\/)(tests?|testing|__tests__)\/|(^|\/)test_[^/]*\.py$|_test\.py$|(^|\/)conftest\.py$|\.(?:test|spec)\.[cm]?[jt]sx?$/;

/** Extensions tried, in order, when a script imports a path without one (TypeScript's order, then JavaScript's). */
const SCRIPT_EXTS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

/** Files of the project that are not analyzed but can be loaded to resolve names. */
export interface LazyFiles {
  /** Project-relative paths (the analyzed files may be among them; they are skipped). */
  paths: readonly string[];
  /** The lowered file, or null when it cannot be read or parsed. Called at most once per path. */
  load(path: string): PyFile | null;
}

/** The project: files by path and by module name. */
export class ProjectIndex {
  /** The analyzed (primary) files, in input order. */
  readonly files: ProjectFile[] = [];
  private readonly all: ProjectFile[] = [];
  private readonly byModule = new Map<string, ProjectFile>();
  private readonly byPath = new Map<string, ProjectFile>();

  /** Files outside the analyzed set that were loaded on demand so far. */
  loadedOnDemand(): ProjectFile[] {
    const primary = new Set(this.files);
    return this.all.filter((f) => f.loaded && !primary.has(f));
  }

  /**
   * @param inputs lowered files with project-relative `/` paths; paths other than `.py`, `.pyi`
   *   and `.ipynb` (a notebook's program: never an import target) are ignored.
   * @param lazy other project files, loaded only when an import resolves to them.
   */
  constructor(inputs: Array<{ path: string; ir: PyFile }>, lazy?: LazyFiles) {
    const given = new Map(inputs.map((f) => [f.path, f.ir]));
    const extra = (lazy?.paths ?? []).filter((p) => !given.has(p));
    const paths = new Set([...given.keys(), ...extra]);
    const entriesIn: Array<{ path: string; ir: PyFile | null }> = [
      ...inputs,
      ...extra.map((path) => ({ path, ir: null })),
    ];
    for (const { path, ir } of entriesIn) {
      if (/\.ipynb$/.test(path)) {
        // A notebook is a script nobody imports; its own imports resolve from its directory.
        const nb = new ProjectFile(path, [], '', false, TEST_FILE.test(path), ir, ir ? null : (p) => lazy?.load(p) ?? null);
        if (ir) this.files.push(nb);
        this.all.push(nb);
        this.byPath.set(path, nb);
        continue;
      }
      if (SCRIPT_EXTENSION.test(path)) {
        // TypeScript/JavaScript: modules are resolved by path only (relative imports, lowered
        // to `level`/`module` like Python's). One name, rooted at the project root; an
        // `index.ts` is its directory's module, like `__init__.py`.
        const noExt = path.replace(SCRIPT_EXTENSION, '');
        const isIndex = /(^|\/)index$/.test(noExt);
        const modPath = isIndex ? noExt.replace(/\/?index$/, '') : noExt;
        const dotted = modPath.split('/').join('.');
        const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')).split('/').join('.') : '';
        const sf = new ProjectFile(path, [dotted], dir, isIndex, TEST_FILE.test(path), ir, ir ? null : (p) => lazy?.load(p) ?? null);
        if (ir) this.files.push(sf);
        this.all.push(sf);
        this.byPath.set(path, sf);
        continue;
      }
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
      const pf = new ProjectFile(path, names, pkg, isInit, TEST_FILE.test(path), ir, ir ? null : (p) => lazy?.load(p) ?? null);
      if (ir) this.files.push(pf);
      this.all.push(pf);
      this.byPath.set(path, pf);
    }
    // Longer (more qualified) names win over shorter ones on conflicts: the first registered
    // name wins, so register the most dotted names first (a stable sort keeps file order among
    // equals). The dots are counted once per name, not in the comparator.
    const entries: Array<{ name: string; file: ProjectFile; dots: number }> = [];
    for (const f of this.all) {
      for (const name of f.moduleNames) {
        let dots = 0;
        for (let i = name.indexOf('.'); i >= 0; i = name.indexOf('.', i + 1)) dots++;
        entries.push({ name, file: f, dots });
      }
    }
    entries.sort((a, b) => b.dots - a.dots);
    for (const e of entries) if (!this.byModule.has(e.name)) this.byModule.set(e.name, e.file);
  }

  /** Every file whose IR is in memory: the analyzed ones and those loaded on demand so far. */
  loadedFiles(): ProjectFile[] {
    return this.all.filter((f) => f.loaded);
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
      if (SCRIPT_EXTENSION.test(from.path)) {
        // A script's relative import (already made absolute from the project root): the file
        // with any script extension, or the directory's index file.
        const root = rel;
        for (const ext of SCRIPT_EXTS) {
          const f = this.byPath.get(`${root}${ext}`) ?? this.byPath.get(`${root}/index${ext}`);
          if (f) return f;
        }
      }
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
