/**
 * Which project files a whole-project lint analyzes, shared by the CLI (`ProjectRun`) and the
 * language server. Pure: texts come from the caller.
 *
 * The scope starts from the files that can matter (see `model/python/prefilter.ts`): seeds
 * (text mentions something a rule reacts to), files importing a seed (directly or through
 * re-exporting `__init__.py` files) and using what they import; what those import is loaded on
 * demand by the engine (`LintOptions.lazy`).
 */
import type { Span } from '../core/diagnostic';
import type { ImportFact } from '../model/python/ir';
import type { ProjectIndex } from '../model/python/project';
import { EXTERNAL_PACKAGES } from '../model/frameworks/pytorch';
import { isSeedText, scanImportLines, scanScriptImports, usesImportedNames } from '../model/python/prefilter';
import { isScriptPath, SCRIPT_EXTENSION } from '../core/source-kind';
import { linesAround } from '../parse/logical-lines';

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
    const m = moduleFrom(index, parts.slice(0, i).join('.'), fromPath);
    if (m !== undefined) out.push(m);
  }
  if (imp.name !== null && imp.name !== '*') {
    const sub = moduleFrom(index, abs === '' ? imp.name : `${abs}.${imp.name}`, fromPath);
    if (sub !== undefined) out.push(sub);
  }
  return out;
}

/** Memo of {@link moduleFrom} per index (an index never changes once built). */
const resolved = new WeakMap<ProjectIndex, Map<string, string | null>>();

/**
 * `index.module(name, file at fromPath)?.path`, memoized per index: `ProjectIndex.module`
 * depends only on the name, the importing file's directory and whether that file is a script
 * (keep the key in step with it), and a project's files import the same modules over and over.
 * Memoized, the scope takes about a third less time on the TensorFlow.js packages, whose
 * imports try eight extensions each.
 */
function moduleFrom(index: ProjectIndex, name: string, fromPath: string): string | undefined {
  let memo = resolved.get(index);
  if (!memo) resolved.set(index, (memo = new Map()));
  const slash = fromPath.lastIndexOf('/');
  // (A script importer resolves paths with script extensions: `ProjectIndex.module` tests the same pattern.)
  const key = `${SCRIPT_EXTENSION.test(fromPath) ? 's' : 'p'}${slash < 0 ? '' : fromPath.slice(0, slash)}\0${name}`;
  let hit = memo.get(key);
  if (hit === undefined) memo.set(key, (hit = index.module(name, index.file(fromPath))?.path ?? null));
  return hit ?? undefined;
}

/**
 * What the scope needs from one file's text, computed once per text. Never mutated: a
 * {@link ScopeMemo} hands out the same object for as long as a file's re-scans say the same
 * (see {@link sameScanFacts}), so callers can cache what they derive from it by identity.
 */
export interface ScanFacts {
  readonly seed: boolean;
  /**
   * The file's import lines and the project files each reads. The imports' spans are those of
   * the text the facts were first scanned from (nothing in the scope reads them).
   */
  readonly imports: ReadonlyArray<{ readonly imp: ImportFact; readonly targets: readonly string[] }>;
}

/**
 * Whether two scans of a file say the same to the scope: the seed flag, and the same imports
 * (level, module, name, alias) in the same order with the same targets. Spans are ignored.
 */
export function sameScanFacts(a: ScanFacts, b: ScanFacts): boolean {
  if (a === b) return true;
  if (a.seed !== b.seed || a.imports.length !== b.imports.length) return false;
  for (let i = 0; i < a.imports.length; i++) {
    const x = a.imports[i];
    const y = b.imports[i];
    if (x.imp.level !== y.imp.level || x.imp.module !== y.imp.module || x.imp.name !== y.imp.name || x.imp.asname !== y.imp.asname) return false;
    if (x.targets.length !== y.targets.length || x.targets.some((t, j) => t !== y.targets[j])) return false;
  }
  return true;
}

/**
 * Whether `facts` (of the files `rels`, in order) are the very objects `prev` was computed from:
 * then nothing derived from the files' scan facts alone (the seeds, the import graph) changed.
 */
export function sameScan(prev: { rels: readonly string[]; facts: readonly ScanFacts[] }, rels: readonly string[], facts: readonly ScanFacts[]): boolean {
  if (prev.rels.length !== rels.length || prev.facts.length !== facts.length) return false;
  for (let i = 0; i < rels.length; i++) if (prev.rels[i] !== rels[i] || prev.facts[i] !== facts[i]) return false;
  return true;
}

interface MemoEntry {
  text: string;
  facts: ScanFacts;
  /** {@link usesImportedNames} of this text, by the key of the import list. */
  uses: Map<string, boolean>;
  /** Python: what each import statement matched in `text` (see `scanImportLines`); null for scripts. */
  importText: readonly Span[] | null;
}

/**
 * The part of the scope that depends only on the files' scan facts: the seeds, and for every
 * other file importing (through re-exporting packages) from a seed, what it imports from seeds.
 */
interface Candidates {
  rels: readonly string[];
  facts: readonly ScanFacts[];
  seeds: ReadonlySet<string>;
  fromSeeds: ReadonlyMap<string, readonly ImportFact[]>;
}

/**
 * Memo of {@link ScanFacts} per path, valid while the text and the set of project files stay
 * the same (import targets depend on which files exist). A long-lived caller (the language
 * server) keeps one and calls {@link ScopeMemo.forget} when a file changes, {@link ScopeMemo.clear}
 * when files are added or removed.
 *
 * A file whose text changed is scanned again, but keeps its `ScanFacts` object when the new
 * scan says the same ({@link sameScanFacts}): after a keystroke that adds or removes no import
 * and does not change the seed flag, every file's facts are the objects of the previous
 * keystroke, and what was derived from them is reused ({@link sameScan}).
 */
export class ScopeMemo {
  private readonly byPath = new Map<string, MemoEntry>();
  /** The last seeds and importers of seeds computed (see {@link projectScope}). */
  private lastCandidates: Candidates | null = null;
  /** The memo key of an import list (lists are reused with the candidates). */
  private readonly keys = new WeakMap<readonly ImportFact[], string>();

  /** Scan facts of `rel` for `text` (recomputed when the text differs from the memo). */
  get(index: ProjectIndex, rel: string, text: string): ScanFacts {
    return this.entry(index, rel, text).facts;
  }

  /** Scan facts of each of `rels`, in order (see {@link get}). */
  factsOf(index: ProjectIndex, rels: readonly string[], textOf: (rel: string) => string): ScanFacts[] {
    return rels.map((r) => this.entry(index, r, textOf(r)).facts);
  }

  /**
   * Whether `text` (the text of `rel`) uses names bound by `imports` ({@link usesImportedNames}),
   * memoized with the scan facts: a keystroke in one file re-reads that file only. `imports`
   * must not be mutated afterwards (its memo key is kept by identity).
   */
  uses(index: ProjectIndex, rel: string, text: string, imports: readonly ImportFact[]): boolean {
    const e = this.entry(index, rel, text);
    let key = this.keys.get(imports);
    if (key === undefined) {
      key = imports.map((i) => `${i.level}:${i.module}:${i.name ?? ''}:${i.asname ?? ''}`).join('|');
      this.keys.set(imports, key);
    }
    let v = e.uses.get(key);
    if (v === undefined) e.uses.set(key, (v = usesImportedNames(text, imports)));
    return v;
  }

  /** @internal The seeds and importers of seeds among `rels` (see {@link projectScope}). */
  candidates(rels: readonly string[], facts: readonly ScanFacts[]): Candidates {
    const last = this.lastCandidates;
    if (last && sameScan(last, rels, facts)) return last;
    const byRel = new Map<string, ScanFacts>();
    rels.forEach((r, i) => byRel.set(r, facts[i]));
    const seeds = new Set(rels.filter((r) => byRel.get(r)!.seed));
    // Packages whose `__init__.py` re-exports a seed count as seeds for importers.
    const exporting = new Set(seeds);
    const inits = rels.filter((r) => /(^|\/)(?:__init__\.py|index\.[cm]?[jt]sx?)$/.test(r));
    for (let changed = true; changed; ) {
      changed = false;
      for (const r of inits) {
        if (exporting.has(r)) continue;
        if (byRel.get(r)!.imports.some((i) => i.targets.some((t) => exporting.has(t)))) {
          exporting.add(r);
          changed = true;
        }
      }
    }
    const fromSeeds = new Map<string, ImportFact[]>();
    for (const r of rels) {
      if (seeds.has(r)) continue;
      const imps = byRel.get(r)!.imports.filter((i) => i.targets.some((t) => exporting.has(t))).map((i) => i.imp);
      if (imps.length > 0) fromSeeds.set(r, imps);
    }
    return (this.lastCandidates = { rels: [...rels], facts: [...facts], seeds, fromSeeds });
  }

  private entry(index: ProjectIndex, rel: string, text: string): MemoEntry {
    const m = this.byPath.get(rel);
    if (m && m.text === text) return m;
    const script = isScriptPath(rel);
    const importText: Span[] | null = script ? null : [];
    let facts: ScanFacts = {
      seed: isSeedText(text, rel),
      imports: (script ? scanScriptImports(text) : scanImportLines(text, importText!)).map((imp) => ({ imp, targets: importTargets(index, rel, imp) })),
    };
    // Same facts as before the change: keep the object (what callers derived from it stays valid).
    if (m && sameScanFacts(m.facts, facts)) facts = m.facts;
    // (An unclosed `from m import (` matches up to the next `)` anywhere below, once one is typed.)
    const unclosed = importText?.some((x) => text.lastIndexOf('(', x.end) >= x.start && text[x.end - 1] !== ')');
    const e: MemoEntry = { text, facts, uses: new Map(), importText: unclosed ? null : importText };
    this.byPath.set(rel, e);
    return e;
  }

  /**
   * Tells the memo that the text of Python file `rel` went from `prev` to `next` by one change:
   * `[start, oldEnd)` of `prev` became `[start, newEnd)` of `next` (UTF-16 code units). When
   * the memo holds `prev` and the lines the change touches, before and after, are outside every
   * import statement and hold no `import`, the imports are the same (an import line's match
   * depends on its own lines only): only the seed flag is read again, and a keystroke in a large
   * file skips the scan of its import lines and their resolution.
   * @returns whether the memo now holds `next` (else it scans `next` when asked).
   */
  noteChange(rel: string, prev: string, next: string, start: number, oldEnd: number, newEnd: number): boolean {
    const m = this.byPath.get(rel);
    if (!m || m.importText === null || m.text !== prev) return false;
    const { start: from, end: to } = linesAround(prev, start, oldEnd);
    // (The line break before a statement is part of what keeps it at a line start.)
    if (m.importText.some((x) => x.start <= to + 1 && from <= x.end)) return false;
    const now = linesAround(next, start, newEnd);
    if (prev.slice(from, to).includes('import') || next.slice(now.start, now.end).includes('import')) return false;
    const delta = newEnd - oldEnd;
    const importText = delta === 0 ? m.importText : m.importText.map((x) => (x.start > to ? { start: x.start + delta, end: x.end + delta } : x));
    const seed = isSeedText(next, rel);
    const facts = seed === m.facts.seed ? m.facts : { seed, imports: m.facts.imports };
    this.byPath.set(rel, { text: next, facts, uses: new Map(), importText });
    return true;
  }

  forget(rel: string): void {
    this.byPath.delete(rel);
  }

  clear(): void {
    this.byPath.clear();
    this.lastCandidates = null;
  }
}

/**
 * The project files outside `start` that the files of `start` import, directly or through each
 * other, breadth first (nearest first; in the order of `start` and of the import lines within a
 * distance): the files the model may load on demand while linting `start` (`LintOptions.lazy`),
 * found with the same resolution as the scope ({@link importTargets}) from a parse-free scan of
 * the import lines. A superset in practice: the model loads a file only when it resolves a name
 * into it. Files whose text `textOf` cannot give (unreadable) are left out and not followed.
 *
 * @param index a `ProjectIndex` over every project file (IR not needed).
 * @param start project-relative paths (with `/`), e.g. the analyzed set.
 * @param textOf the current text of a project file, `undefined` when it cannot be read.
 * @param memo scan facts already computed (e.g. by {@link projectScope}) are reused from it.
 */
export function importClosure(
  index: ProjectIndex,
  start: readonly string[],
  textOf: (rel: string) => string | undefined,
  memo = new ScopeMemo(),
): string[] {
  const seen = new Set(start);
  const out: string[] = [];
  let frontier: readonly string[] = start;
  while (frontier.length) {
    const next: string[] = [];
    for (const r of frontier) {
      const text = textOf(r);
      if (text === undefined) continue;
      for (const { targets } of memo.get(index, r, text).imports) {
        for (const t of targets) {
          if (seen.has(t)) continue;
          seen.add(t);
          if (textOf(t) === undefined) continue;
          out.push(t);
          next.push(t);
        }
      }
    }
    frontier = next;
  }
  return out;
}

/**
 * The files a whole-project lint analyzes (see the module comment), in the order of `rels`.
 *
 * @param index a `ProjectIndex` over every project file (IR not needed: only paths are used).
 * @param rels every readable project file, project-relative with `/` separators.
 * @param textOf the current text of a file in `rels`.
 */
export function projectScope(index: ProjectIndex, rels: readonly string[], textOf: (rel: string) => string, memo = new ScopeMemo()): string[] {
  const { seeds, fromSeeds } = memo.candidates(rels, memo.factsOf(index, rels, textOf));
  // An importer counts when it uses what it imports from a seed (calls it, reads from it).
  return rels.filter((r) => {
    if (seeds.has(r)) return true;
    const imps = fromSeeds.get(r);
    return imps !== undefined && memo.uses(index, r, textOf(r), imps);
  });
}
