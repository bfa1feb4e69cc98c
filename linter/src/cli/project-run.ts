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
 *
 * Files outside the scope are loaded on demand while the model runs (`LintOptions.lazy`). When
 * the scope is analyzed on worker threads, the files its imports reach (`importClosure`, the
 * same resolution) go to the workers as well, analyzed *ahead* of need while the main thread
 * lints (see `analyzer.ts`), so that loading one on demand mostly means taking its facts instead
 * of parsing it on the main thread. Which files are loaded, and so the findings, do not change.
 */
import path from 'node:path';
import crypto from 'node:crypto';
import type { Diagnostic, Edit } from '../core/diagnostic';
import { compareDiagnostics, groupByFile } from '../core/diagnostic';
import type { RuleMeta } from '../core/rule';
import type { Engine, FileConfig, FileFacts } from '../core/engine';
import type { PyFile } from '../model/python/ir';
import { ProjectIndex } from '../model/python/project';
import { finalizeFile } from '../project/finalize';
import { importClosure, projectScope, ScopeMemo } from '../project/scope';
import { Cache, hashParts, writeJsonAtomic, type DirectiveWarning } from './cache';
import type { ConfigResolver } from './config-files';
import { AheadResults, type AheadPlan, type AheadStats, type Analyzer } from './analyzer';
import type { AnalyzeJob } from './worker';
import { encodeSource, readSource, type SourceFile } from './source';
import { programEdits, type Notebook } from '../notebook/notebook';

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
  /** Called when the analysis of the files in scope is over (to clear the progress bar). */
  afterAnalysis: () => void;
  /**
   * Testing aid: before linting, wait until the workers have analyzed every file handed to
   * them ahead of need (see {@link AheadResults.settle}), so that which files the lint takes
   * from them does not depend on timing.
   */
  settleAhead?: boolean;
}

const EMPTY_IR: PyFile = { body: [], errors: [] };

/**
 * What the last {@link ProjectRun.lint} did (file counts and the main thread's time), for tests
 * and `NORMLINT_DEBUG_STATS`. When the run's result came from the cache only `ms.read` is set.
 */
export interface RunStats {
  /** Files in the analyzed set (the scope). */
  scope: number;
  /** Of those, files analyzed by this lint (the others' facts were in memory or the cache). */
  analyzed: number;
  /** Files the model loaded on demand while linting. */
  onDemand: number;
  /** Of those, files parsed on the main thread during the lint (not analyzed ahead, not cached). */
  onDemandParsedDuringLint: number;
  /** Files handed to the workers to analyze ahead, and what became of them. */
  ahead: AheadStats;
  /**
   * Wall-clock milliseconds of the lint's steps on the main thread: reading the files (and the
   * run cache), the scope (pre-filter), analysis of the scope (with the workers), waiting for
   * the engine after that, the engine's lint (model and rules, on-demand loads included), and
   * suppressions and sorting.
   */
  ms: { read: number; scope: number; analysis: number; engineWait: number; lint: number; finalize: number };
}

const noStats = (): RunStats => ({
  scope: 0,
  analyzed: 0,
  onDemand: 0,
  onDemandParsedDuringLint: 0,
  ahead: AheadResults.none().stats,
  ms: { read: 0, scope: 0, analysis: 0, engineWait: 0, lint: 0, finalize: 0 },
});

/** How long the pre-filter scans texts before it lets the event loop run (ms; see `ProjectRun.scope`). */
const SCAN_SLICE_MS = 8;

/** Milliseconds since `t0` (a `performance.now()`), to 0.1 ms. */
const since = (t0: number): number => Math.round((performance.now() - t0) * 10) / 10;

/** One project of a `check` run. */
export class ProjectRun {
  private readonly sources = new Map<string, SourceFile | null>();
  /** Current text per loaded project-relative path (changes as fixes apply). */
  readonly texts = new Map<string, string>();
  /** The current notebook per loaded `.ipynb` path (changes as fixes apply). */
  private readonly notebooks = new Map<string, Notebook>();
  /** Content hash (sha1 of the bytes as they would be written) per loaded path. */
  private readonly hashes = new Map<string, string>();
  private readonly factsByHash = new Map<string, FileFacts>();
  private readonly cache: Cache;
  private index: ProjectIndex | null = null;
  /** Scan facts of the project's files (the scope's, reused to predict on-demand loads). */
  private readonly memo = new ScopeMemo();
  /** What the last {@link lint} did. */
  stats: RunStats = noStats();
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
    if (r.file.notebook) this.notebooks.set(rel, r.file.notebook);
    this.hashes.set(rel, r.file.hash);
    return true;
  }

  /** The file as read from disk (undefined if never loaded or unusable). */
  source(rel: string): SourceFile | undefined {
    return this.sources.get(rel) ?? undefined;
  }

  /**
   * Replace a loaded file's text (after fixes). For a notebook `text` is its new program: the
   * changes are written into the cells they fall in, by `edits` (program offsets, the edits
   * that turned the current program into `text`) when given, else by a diff of the programs.
   * @throws NotebookError when a notebook's change spans cells or touches IPython syntax
   *   (nothing is changed then).
   */
  setText(rel: string, text: string, edits?: readonly Edit[]): void {
    const nb = this.notebooks.get(rel);
    if (nb) {
      // The edits that made `text`, when known, go to the cells as they are: a diff of the two
      // programs may place an insertion at the end of a cell's last line after the `\n` that
      // ends the cell in the program, in the next cell or past the notebook's end.
      let next: Notebook | null = null;
      try {
        next = edits ? nb.applyProgramEdits(edits) : null;
      } catch {
        next = null;
      }
      if (next && next.program !== text) next = null;
      next ??= nb.applyProgramEdits(programEdits(nb.program, text));
      this.notebooks.set(rel, next);
      text = next.program;
    }
    this.texts.set(rel, text);
    this.hashes.set(rel, crypto.createHash('sha1').update(this.bytesFor(rel)).digest('hex'));
  }

  /** The current notebook of a loaded `.ipynb` path (undefined for other files). */
  notebook(rel: string): Notebook | undefined {
    return this.notebooks.get(rel);
  }

  /** The bytes a loaded file would be written as now: its text (or notebook JSON) with its BOM. */
  bytesFor(rel: string): Buffer {
    const src = this.sources.get(rel)!;
    return encodeSource(this.notebooks.get(rel)?.raw ?? this.texts.get(rel)!, src.bom);
  }

  /** The configuration of a project file. */
  configFor(rel: string): FileConfig {
    return this.ctx.configs.fileConfig(path.join(this.root, rel));
  }

  /**
   * Facts of loaded files, in order: memory, then the cache, then analysis (all at once). When
   * that runs on worker threads, the files the model may load on demand (see the module
   * comment) are analyzed ahead on them: the returned {@link AheadResults} (to be stopped by the
   * caller) has their facts.
   */
  private async factsOf(rels: readonly string[]): Promise<{ facts: FileFacts[]; ahead: AheadResults }> {
    const facts: FileFacts[] = new Array(rels.length);
    const pending: number[] = [];
    rels.forEach((rel, i) => {
      const hash = this.hashes.get(rel)!;
      const mem = this.factsByHash.get(hash);
      const hit = mem ? { ...mem, path: rel } : this.cache.getFacts(this.cache.factsKey(hash), rel);
      if (hit) facts[i] = hit;
      else pending.push(i);
    });
    let ahead = AheadResults.none();
    if (pending.length) {
      const jobs = pending.map((i) => this.jobFor(rels[i]));
      const plan = this.ctx.analyzer.usesWorkers(jobs) ? this.aheadPlan(rels) : null;
      const analyzed = await this.ctx.analyzer.analyzeAhead(jobs, plan);
      ahead = analyzed.ahead;
      this.ctx.afterAnalysis();
      pending.forEach((i, k) => (facts[i] = analyzed.facts[k]));
    }
    this.stats.analyzed = pending.length;
    for (const f of facts) this.factsByHash.set(this.hashes.get(f.path)!, f);
    return { facts, ahead };
  }

  private jobFor(rel: string): AnalyzeJob {
    return {
      input: { path: rel, text: this.texts.get(rel)! },
      cacheFile: this.cache.factsPathForWrite(this.cache.factsKey(this.hashes.get(rel)!)),
    };
  }

  /**
   * What the model may load on demand while linting `scope`, to analyze ahead on the workers:
   * the files outside `scope` its imports reach (`importClosure`) minus those whose facts are in
   * memory or cached; first what `scope` imports, then, as the lint loads a file, what it imports.
   */
  private aheadPlan(scope: readonly string[]): AheadPlan {
    const index = this.projectIndex();
    const textOf = (r: string): string | undefined => (this.load(r) ? this.texts.get(r) : undefined);
    const inScope = new Set(scope);
    const importsOf = (r: string): string[] => {
      const text = textOf(r);
      return text === undefined ? [] : this.memo.get(index, r, text).imports.flatMap((i) => i.targets).filter((t) => !inScope.has(t));
    };
    const jobs = importClosure(index, scope, textOf, this.memo)
      .filter((r) => {
        const hash = this.hashes.get(r)!;
        return !this.factsByHash.has(hash) && !this.cache.hasFacts(this.cache.factsKey(hash));
      })
      .map((r) => this.jobFor(r));
    return { jobs, first: [...new Set(scope.flatMap(importsOf))], next: importsOf };
  }

  /** The files to analyze (see the module comment), sorted. */
  private async scope(): Promise<string[]> {
    const all = this.requested.size === this.rels.length;
    if (!all) return [...this.requested].filter((r) => this.load(r)).sort();
    const index = this.projectIndex();
    const rels = this.rels.filter((r) => this.load(r));
    // The bulk of the pre-filter is scanning every text: do it in slices and let the event loop
    // run in between, so that the engine started before (compiling its grammars takes several
    // turns of the loop) is ready when the analysis starts instead of being waited for then.
    let slice = performance.now();
    for (const r of rels) {
      this.memo.get(index, r, this.texts.get(r)!);
      if (performance.now() - slice > SCAN_SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        slice = performance.now();
      }
    }
    return projectScope(index, rels, (r) => this.texts.get(r)!, this.memo).sort();
  }

  /** An index of every project file's path (built on first use: a large project takes tens of ms). */
  private projectIndex(): ProjectIndex {
    this.index ??= new ProjectIndex(this.rels.map((p) => ({ path: p, ir: EMPTY_IR })));
    return this.index;
  }

  /**
   * Facts of one file outside the analyzed set, when the model needs it to resolve a name:
   * memory, then a worker's analysis ahead, then the cache, then an in-process analysis
   * (written to the cache).
   */
  private factsNow(rel: string, engine: Engine, ahead: AheadResults): FileFacts | null {
    if (!this.load(rel)) return null;
    const hash = this.hashes.get(rel)!;
    const key = this.cache.factsKey(hash);
    const mem = this.factsByHash.get(hash);
    let facts = mem ? { ...mem, path: rel } : (ahead.take(rel) ?? this.cache.getFacts(key, rel));
    if (!facts) {
      this.stats.onDemandParsedDuringLint++;
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
    this.stats = noStats();
    const ms = this.stats.ms;
    let t0 = performance.now();
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
    ms.read = since(t0);
    if (cached && (cached.deps ?? []).every(([p, h]) => this.load(p) && this.hashes.get(p) === h)) {
      this.warnings = cached.warnings;
      return groupByFile(cached.diagnostics);
    }

    // Start the engine, and the workers the files not cached would need (an estimate: the scope
    // is some of these files), so that their start-up overlaps the pre-filter instead of
    // following it.
    this.ctx.engine().catch(() => undefined); // (awaited below, where a failure surfaces)
    const uncached = this.cache.enabled ? keyFiles.filter((r) => !this.cache.hasFacts(this.cache.factsKey(this.hashes.get(r)!))) : keyFiles;
    this.ctx.analyzer.warmUp(uncached.length, uncached.reduce((n, r) => n + this.texts.get(r)!.length, 0));

    t0 = performance.now();
    const rels = await this.scope();
    this.stats.scope = rels.length;
    ms.scope = since(t0);
    t0 = performance.now();
    const { facts, ahead } = await this.factsOf(rels);
    if (this.ctx.settleAhead) ahead.settle(60_000);
    ms.analysis = since(t0);
    const primary = new Set(rels);
    const onDemand: FileFacts[] = [];
    let raw: Diagnostic[];
    let engine: Engine;
    try {
      t0 = performance.now();
      engine = await this.ctx.engine();
      ms.engineWait = since(t0);
      t0 = performance.now();
      raw = engine.lint(facts, {
        configFor: (p) => this.configFor(p),
        textOf: (p) => this.texts.get(p) ?? '',
        lazy: {
          paths: this.rels.filter((r) => !primary.has(r)),
          load: (p) => {
            ahead.requested(p);
            const f = this.factsNow(p, engine, ahead);
            if (f) onDemand.push(f);
            return f;
          },
        },
      });
    } finally {
      ahead.stop();
    }
    ms.lint = since(t0);
    t0 = performance.now();
    this.stats.onDemand = onDemand.length;
    this.stats.ahead = ahead.stats;
    this.internalErrors = engine.lastErrors;
    const byFile = groupByFile(raw);
    const out: Diagnostic[] = [];
    const warnings: DirectiveWarning[] = [];
    for (const f of [...facts, ...onDemand]) {
      const done = finalizeFile(f, byFile.get(f.path) ?? [], this.configFor(f.path), this.texts.get(f.path)!, this.ctx.registry);
      out.push(...done.diagnostics);
      warnings.push(...done.warnings);
    }
    out.sort(compareDiagnostics);
    ms.finalize = since(t0);
    const deps = all ? [] : onDemand.map((f): [string, string] => [f.path, this.hashes.get(f.path)!]);
    // A run the engine had to recover in is not cached: the next run reports the error again.
    if (this.internalErrors.length === 0) this.cache.putRun(slot, { key: runKey, diagnostics: out, warnings, deps });
    this.warnings = warnings;
    return groupByFile(out);
  }
}
