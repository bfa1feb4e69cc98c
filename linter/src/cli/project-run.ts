/**
 * One project in one `check` run: which files to analyze, their texts (read lazily, replaced as
 * fixes apply), per-file facts (memory → cache → analysis) and the lint itself with suppression.
 *
 * Scope: when every project file is requested, the files that can matter (text pre-filter, see
 * `model/python/prefilter.ts`) and what they import; files that cannot produce or change a
 * finding are never parsed. Otherwise the requested files and, transitively, the project files
 * they import (resolved with the model's own
 * `ProjectIndex`: absolute and relative imports, `src/` layouts, script siblings, the packages
 * on the way); that is what cross-file facts come from, and it keeps `normlint check one.py`
 * fast in a large project. Findings that would depend on files importing the requested ones
 * (callers elsewhere) are only seen when those files are checked too.
 */
import path from 'node:path';
import crypto from 'node:crypto';
import type { Diagnostic } from '../core/diagnostic';
import { compareDiagnostics } from '../core/diagnostic';
import type { RuleMeta } from '../core/rule';
import type { Engine, FileConfig, FileFacts } from '../core/engine';
import type { ImportFact, PyFile } from '../model/python/ir';
import { ProjectIndex } from '../model/python/project';
import { applySuppressions } from '../core/suppression';
import { LineIndex } from '../core/line-index';
import { Cache, hashParts, writeJsonAtomic, type DirectiveWarning } from './cache';
import { EXTERNAL_PACKAGES } from '../model/frameworks/pytorch';
import { isSeedText, scanImportLines, usesImportedNames } from '../model/python/prefilter';
import type { ConfigResolver } from './config-files';
import type { Analyzer } from './analyzer';
import { encodeSource, readSource, type SourceFile } from './source';

/** What a {@link ProjectRun} needs from the `check` invocation. */
export interface ProjectRunContext {
  registry: readonly RuleMeta[];
  configs: ConfigResolver;
  analyzer: Analyzer;
  engine: () => Promise<Engine>;
  /** Build stamp (part of every cache key). */
  stamp: string;
  /** Selection flags and `--config`, as a string (part of the whole-run key). */
  flagsKey: string;
  cache: boolean;
  /** Called once per requested file that cannot be read (with the reason). */
  onSkip: (abs: string, reason: string) => void;
  /** Called when analysis of a batch of files is over (to clear the progress bar). */
  afterAnalysis: () => void;
}

const EMPTY_IR: PyFile = { body: [], errors: [] };

/**
 * The project files an import reads: the module (and, for `import a.b.c`, the packages on its
 * way) and `from m import sub` submodules; nothing for framework packages.
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

/** One project of a `check` run. */
export class ProjectRun {
  private readonly sources = new Map<string, SourceFile | null>();
  /** Current text per loaded project-relative path (changes as fixes apply). */
  readonly texts = new Map<string, string>();
  /** Content hash (sha1 of the bytes as they would be written) per loaded path. */
  private readonly hashes = new Map<string, string>();
  private readonly factsByHash = new Map<string, FileFacts>();
  private readonly cache: Cache;
  private index: ProjectIndex | null = null;
  /** Malformed suppression directives found by the last {@link lint}. */
  warnings: DirectiveWarning[] = [];
  /** Internal errors the engine recovered from in the last {@link lint} (normlint bugs). */
  internalErrors: string[] = [];

  /**
   * @param root the project root (absolute).
   * @param rels every project file, project-relative with `/` separators.
   * @param requested the files whose findings are reported (and fixed).
   */
  constructor(
    readonly root: string,
    readonly rels: readonly string[],
    readonly requested: ReadonlySet<string>,
    private readonly ctx: ProjectRunContext,
  ) {
    this.cache = new Cache(root, ctx.cache, ctx.stamp);
  }

  /** Read a file once; false (after reporting requested files) when it cannot be used. */
  private load(rel: string): boolean {
    const known = this.sources.get(rel);
    if (known !== undefined) return known !== null;
    const abs = path.join(this.root, rel);
    const r = readSource(abs, rel);
    if (!r.ok) {
      this.sources.set(rel, null);
      if (this.requested.has(rel)) this.ctx.onSkip(abs, r.reason);
      return false;
    }
    this.sources.set(rel, r.file);
    this.texts.set(rel, r.file.text);
    this.hashes.set(rel, r.file.hash);
    return true;
  }

  /** The file as read from disk (undefined if never loaded or unusable). */
  source(rel: string): SourceFile | undefined {
    return this.sources.get(rel) ?? undefined;
  }

  /** Replace a loaded file's text (after fixes). */
  setText(rel: string, text: string): void {
    this.texts.set(rel, text);
    const src = this.sources.get(rel)!;
    this.hashes.set(rel, crypto.createHash('sha1').update(encodeSource(text, src.bom)).digest('hex'));
  }

  /** The configuration of a project file. */
  configFor(rel: string): FileConfig {
    return this.ctx.configs.fileConfig(path.join(this.root, rel));
  }

  /** Facts of loaded files, in order: memory, then the cache, then analysis (in one batch). */
  private async factsOf(rels: readonly string[]): Promise<FileFacts[]> {
    const facts: FileFacts[] = new Array(rels.length);
    const pending: number[] = [];
    rels.forEach((rel, i) => {
      const hash = this.hashes.get(rel)!;
      const mem = this.factsByHash.get(hash);
      const hit = mem ? { ...mem, path: rel } : this.cache.getFacts(this.cache.factsKey(hash), rel);
      if (hit) facts[i] = hit;
      else pending.push(i);
    });
    if (pending.length) {
      const analyzed = await this.ctx.analyzer.analyze(
        pending.map((i) => ({
          input: { path: rels[i], text: this.texts.get(rels[i])! },
          cacheFile: this.cache.factsPathForWrite(this.cache.factsKey(this.hashes.get(rels[i])!)),
        })),
      );
      this.ctx.afterAnalysis();
      pending.forEach((i, k) => (facts[i] = analyzed[k]));
    }
    for (const f of facts) this.factsByHash.set(this.hashes.get(f.path)!, f);
    return facts;
  }

  /**
   * Whole-project runs start from the files that can matter (see `model/python/prefilter.ts`):
   * seeds (text mentions something a rule reacts to), files importing a seed (directly or
   * through re-exporting `__init__.py` files), then what those import.
   */
  private startSet(index: ProjectIndex): string[] {
    const loaded = this.rels.filter((r) => this.load(r));
    const seeds = new Set(loaded.filter((r) => isSeedText(this.texts.get(r)!)));
    const importsOf = new Map<string, Array<{ imp: ImportFact; targets: string[] }>>();
    const importsIn = (r: string): Array<{ imp: ImportFact; targets: string[] }> => {
      let t = importsOf.get(r);
      if (!t) importsOf.set(r, (t = scanImportLines(this.texts.get(r)!).map((imp) => ({ imp, targets: importTargets(index, r, imp) }))));
      return t;
    };
    const targetsOf = (r: string): string[] => importsIn(r).flatMap((i) => i.targets);
    // Packages whose `__init__.py` re-exports a seed count as seeds for importers.
    const exporting = new Set(seeds);
    for (let changed = true; changed; ) {
      changed = false;
      for (const r of loaded) {
        if (exporting.has(r) || !/(^|\/)__init__\.py$/.test(r)) continue;
        if (targetsOf(r).some((t) => exporting.has(t))) {
          exporting.add(r);
          changed = true;
        }
      }
    }
    // An importer counts when it uses what it imports from a seed (calls it, reads from it).
    return loaded.filter((r) => {
      if (seeds.has(r)) return true;
      const fromSeeds = importsIn(r).filter((i) => i.targets.some((t) => exporting.has(t))).map((i) => i.imp);
      return fromSeeds.length > 0 && usesImportedNames(this.texts.get(r)!, fromSeeds);
    });
  }

  /** The files to analyze (see the module comment), sorted. */
  private scope(): string[] {
    this.index ??= new ProjectIndex(this.rels.map((p) => ({ path: p, ir: EMPTY_IR })));
    const all = this.requested.size === this.rels.length;
    return (all ? this.startSet(this.index) : [...this.requested].filter((r) => this.load(r))).sort();
  }

  /**
   * Facts of one file outside the analyzed set, when the model needs it to resolve a name:
   * memory, then the cache, then an in-process analysis (written to the cache).
   */
  private factsNow(rel: string, engine: Engine): FileFacts | null {
    if (!this.load(rel)) return null;
    const hash = this.hashes.get(rel)!;
    const key = this.cache.factsKey(hash);
    const mem = this.factsByHash.get(hash);
    let facts = mem ? { ...mem, path: rel } : this.cache.getFacts(key, rel);
    if (!facts) {
      facts = engine.analyze({ path: rel, text: this.texts.get(rel)! });
      const file = this.cache.factsPathForWrite(key);
      if (file) writeJsonAtomic(file, facts);
    }
    this.factsByHash.set(hash, facts);
    return facts;
  }

  /** Lint the project's scope; diagnostics after suppression, grouped by path. */
  async lint(): Promise<Map<string, Diagnostic[]>> {
    const all = this.requested.size === this.rels.length;
    // A whole-project run reads every file anyway (pre-filter): all of them key the run, and
    // the analyzed set is a function of them. A partial run keys on the requested files and
    // records the files it loaded on demand as dependencies, so `normlint check one.py` does
    // not read the whole project.
    const keyFiles = (all ? this.rels : [...this.requested]).filter((r) => this.load(r)).sort();
    const slot = hashParts([this.ctx.stamp, this.ctx.flagsKey, this.root, all ? '*' : [...this.requested].sort().join('\n')]).slice(0, 32);
    const runKey = hashParts([
      this.ctx.stamp,
      this.ctx.flagsKey,
      ...this.ctx.configs.usedConfigs().flatMap((c) => [c.file, c.text]),
      ...keyFiles.flatMap((r) => [r, this.hashes.get(r)!]),
    ]);
    const cached = this.cache.getRun(slot, runKey);
    if (cached && (cached.deps ?? []).every(([p, h]) => this.load(p) && this.hashes.get(p) === h)) {
      this.warnings = cached.warnings;
      return group(cached.diagnostics);
    }

    const rels = this.scope();
    const facts = await this.factsOf(rels);
    const engine = await this.ctx.engine();
    const primary = new Set(rels);
    const onDemand: FileFacts[] = [];
    const raw = engine.lint(facts, {
      configFor: (p) => this.configFor(p),
      textOf: (p) => this.texts.get(p) ?? '',
      lazy: {
        paths: this.rels.filter((r) => !primary.has(r)),
        load: (p) => {
          const f = this.factsNow(p, engine);
          if (f) onDemand.push(f);
          return f;
        },
      },
    });
    this.internalErrors = engine.lastErrors;
    const byFile = group(raw);
    const out: Diagnostic[] = [];
    const warnings: DirectiveWarning[] = [];
    for (const f of [...facts, ...onDemand]) {
      const fc = this.configFor(f.path);
      const own = (byFile.get(f.path) ?? [])
        .filter((d) => fc.enabled.has(d.code))
        .map((d) => (fc.severity[d.code] ? { ...d, severity: fc.severity[d.code] } : d));
      const text = this.texts.get(f.path)!;
      out.push(...applySuppressions(own, f.suppressions, text, fc.enabled, { file: f.path, rules: this.ctx.registry, severity: fc.severity }));
      for (const inv of f.suppressions.invalid) warnings.push({ file: f.path, line: inv.line + 1, message: `invalid suppression directive: ${inv.message}` });
      if (f.ir && f.ir.errors.length > 0) {
        const first = Math.min(...f.ir.errors.map((e) => e.start));
        const line = new LineIndex(text).lineOf(first) + 1;
        warnings.push({ file: f.path, line, message: `syntax error (${f.ir.errors.length} error node${f.ir.errors.length === 1 ? '' : 's'}); normlint checked the code that parses` });
      } else if (f.skipped === 'parse-failed' || f.skipped === 'too-large') {
        warnings.push({ file: f.path, line: 1, message: f.skipped === 'too-large' ? 'file too large to analyze; skipped' : 'could not be parsed; skipped' });
      }
    }
    out.sort(compareDiagnostics);
    const deps = all ? [] : onDemand.map((f): [string, string] => [f.path, this.hashes.get(f.path)!]);
    // A run the engine had to recover in is not cached: the next run reports the error again.
    if (this.internalErrors.length === 0) this.cache.putRun(slot, { key: runKey, diagnostics: out, warnings, deps });
    this.warnings = warnings;
    return group(out);
  }
}

function group(diags: readonly Diagnostic[]): Map<string, Diagnostic[]> {
  const m = new Map<string, Diagnostic[]>();
  for (const d of diags) {
    let list = m.get(d.file);
    if (!list) m.set(d.file, (list = []));
    list.push(d);
  }
  return m;
}
