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
import { compareDiagnostics, groupByFile } from '../core/diagnostic';
import type { RuleMeta } from '../core/rule';
import type { Engine, FileConfig, FileFacts } from '../core/engine';
import type { PyFile } from '../model/python/ir';
import { ProjectIndex } from '../model/python/project';
import { finalizeFile } from '../project/finalize';
import { projectScope } from '../project/scope';
import { Cache, hashParts, writeJsonAtomic, type DirectiveWarning } from './cache';
import type { ConfigResolver } from './config-files';
import type { Analyzer } from './analyzer';
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
  /** Called when analysis of a batch of files is over (to clear the progress bar). */
  afterAnalysis: () => void;
}

const EMPTY_IR: PyFile = { body: [], errors: [] };

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
   * changes are written into the cells they fall in.
   * @throws NotebookError when a notebook's change spans cells or touches IPython syntax
   *   (nothing is changed then).
   */
  setText(rel: string, text: string): void {
    const nb = this.notebooks.get(rel);
    if (nb) {
      const next = nb.applyProgramEdits(programEdits(nb.program, text));
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

  /** The files to analyze (see the module comment), sorted. */
  private scope(): string[] {
    this.index ??= new ProjectIndex(this.rels.map((p) => ({ path: p, ir: EMPTY_IR })));
    const all = this.requested.size === this.rels.length;
    return (all ? projectScope(this.index, this.rels.filter((r) => this.load(r)), (r) => this.texts.get(r)!) : [...this.requested].filter((r) => this.load(r))).sort();
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
      return groupByFile(cached.diagnostics);
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
    const byFile = groupByFile(raw);
    const out: Diagnostic[] = [];
    const warnings: DirectiveWarning[] = [];
    for (const f of [...facts, ...onDemand]) {
      const done = finalizeFile(f, byFile.get(f.path) ?? [], this.configFor(f.path), this.texts.get(f.path)!, this.ctx.registry);
      out.push(...done.diagnostics);
      warnings.push(...done.warnings);
    }
    out.sort(compareDiagnostics);
    const deps = all ? [] : onDemand.map((f): [string, string] => [f.path, this.hashes.get(f.path)!]);
    // A run the engine had to recover in is not cached: the next run reports the error again.
    if (this.internalErrors.length === 0) this.cache.putRun(slot, { key: runKey, diagnostics: out, warnings, deps });
    this.warnings = warnings;
    return groupByFile(out);
  }
}
