/**
 * Which project files a whole-project lint analyzes, shared by the CLI (`ProjectRun`) and the
 * language server. Pure: texts come from the caller.
 *
 * The scope starts from the files that can matter (see `model/python/prefilter.ts`): seeds
 * (text mentions something a rule reacts to), files importing a seed (directly or through
 * re-exporting `__init__.py` files) and using what they import; what those import is loaded on
 * demand by the engine (`LintOptions.lazy`).
 */
import type { ImportFact } from '../model/python/ir';
import type { ProjectIndex } from '../model/python/project';
import { EXTERNAL_PACKAGES } from '../model/frameworks/pytorch';
import { isSeedText, scanImportLines, scanScriptImports, usesImportedNames } from '../model/python/prefilter';
import { isScriptPath } from '../core/source-kind';

/**
 * The project files an import reads: the module (and, for `import a.b.c`, the packages on its
 * way) and `from m import sub` submodules; nothing for framework packages.
 *
 * @param fromPath project-relative path (with `/`) of the importing file.
 */
export function importTargets(index: ProjectIndex, fromPath: string, imp: ImportFact): string[] {
  const from = index.file(fromPath);
  if (!from) return [];
  const abs = index.absoluteModule(imp, from);
  if (abs === null || (imp.level === 0 && EXTERNAL_PACKAGES.has(abs.split('.')[0]))) return [];
  const out: string[] = [];
  const parts = abs === '' ? [] : abs.split('.');
  // `import a.b.c` binds `a` and reaches `c` through the packages; `from a.b.c import x` only reads `c`.
  for (let i = imp.name === null ? 1 : parts.length; i <= parts.length; i++) {
    const m = index.module(parts.slice(0, i).join('.'), from);
    if (m) out.push(m.path);
  }
  if (imp.name !== null && imp.name !== '*') {
    const sub = index.module(abs === '' ? imp.name : `${abs}.${imp.name}`, from);
    if (sub) out.push(sub.path);
  }
  return out;
}

/** What the scope needs from one file's text, computed once per text. */
export interface ScanFacts {
  seed: boolean;
  imports: Array<{ imp: ImportFact; targets: string[] }>;
}

/**
 * Memo of {@link ScanFacts} per path, valid while the text and the set of project files stay
 * the same (import targets depend on which files exist). A long-lived caller (the language
 * server) keeps one and calls {@link ScopeMemo.forget} when a file changes, {@link ScopeMemo.clear}
 * when files are added or removed.
 */
export class ScopeMemo {
  private readonly byPath = new Map<string, { text: string; facts: ScanFacts }>();

  /** Scan facts of `rel` for `text` (recomputed when the text differs from the memo). */
  get(index: ProjectIndex, rel: string, text: string): ScanFacts {
    const m = this.byPath.get(rel);
    if (m && m.text === text) return m.facts;
    const facts: ScanFacts = {
      seed: isSeedText(text, rel),
      imports: (isScriptPath(rel) ? scanScriptImports(text) : scanImportLines(text)).map((imp) => ({ imp, targets: importTargets(index, rel, imp) })),
    };
    this.byPath.set(rel, { text, facts });
    return facts;
  }

  forget(rel: string): void {
    this.byPath.delete(rel);
  }

  clear(): void {
    this.byPath.clear();
  }
}

/**
 * The files a whole-project lint analyzes (see the module comment), in the order of `rels`.
 *
 * @param index a `ProjectIndex` over every project file (IR not needed: only paths are used).
 * @param rels every readable project file, project-relative with `/` separators.
 * @param textOf the current text of a file in `rels`.
 */
export function projectScope(index: ProjectIndex, rels: readonly string[], textOf: (rel: string) => string, memo = new ScopeMemo()): string[] {
  const scan = (r: string): ScanFacts => memo.get(index, r, textOf(r));
  const seeds = new Set(rels.filter((r) => scan(r).seed));
  // Packages whose `__init__.py` re-exports a seed count as seeds for importers.
  const exporting = new Set(seeds);
  const inits = rels.filter((r) => /(^|\/)(?:__init__\.py|index\.[cm]?[jt]sx?)$/.test(r));
  for (let changed = true; changed; ) {
    changed = false;
    for (const r of inits) {
      if (exporting.has(r)) continue;
      if (scan(r).imports.some((i) => i.targets.some((t) => exporting.has(t)))) {
        exporting.add(r);
        changed = true;
      }
    }
  }
  // An importer counts when it uses what it imports from a seed (calls it, reads from it).
  return rels.filter((r) => {
    if (seeds.has(r)) return true;
    const fromSeeds = scan(r).imports.filter((i) => i.targets.some((t) => exporting.has(t))).map((i) => i.imp);
    return fromSeeds.length > 0 && usesImportedNames(textOf(r), fromSeeds);
  });
}
