/**
 * One workspace folder as the language server sees it: its Python files and notebooks (from
 * disk, or from the editor when open; a notebook is its program, see `notebooks.ts`), their
 * facts, and incremental linting.
 *
 * The first analysis lints the whole folder exactly like `normlint check <folder>` (same scope
 * rules, see `linter/src/project/scope.ts`). After that, a change to file F re-lints F's
 * *component*: the files connected to F by imports in either direction (through any project
 * file), which are the only files whose findings a change in F can affect, plus the files the
 * previous analysis of F covered (an import removed splits a component). Files outside the
 * scope are still loaded on demand when the model resolves a name into them.
 */
import { groupByFile, type Diagnostic } from '../../linter/src/core/diagnostic';
import type { Engine, FileConfig, FileFacts, LayerReport, ParsedDocument, TextChange } from '../../linter/src/core/engine';
import { LintReuse } from '../../linter/src/core/lint-reuse';
import type { SelectionFlags } from '../../linter/src/core/config';
import type { PyFile } from '../../linter/src/model/python/ir';
import { ProjectIndex } from '../../linter/src/model/python/project';
import { projectScope, sameScan, ScopeMemo, type ScanFacts } from '../../linter/src/project/scope';
import { finalizeFile, type FileWarning } from '../../linter/src/project/finalize';
import { RULES } from '../../linter/src/rules/index';
import type { Notebook } from '../../linter/src/notebook/notebook';
import type { Configs, Host } from './host';

const EMPTY_IR: PyFile = { body: [], errors: [] };
const REGISTRY = RULES;

/** What one analysis says about one file. */
export interface FileResult {
  rel: string;
  uri: string;
  /** The editor's version of the text analyzed, or null when it came from disk. */
  version: number | null;
  /** The text analyzed (every span refers to it). */
  text: string;
  diagnostics: Diagnostic[];
  warnings: FileWarning[];
  /**
   * Normalization layers constructed in this file (hover, code lens). After an edit they are
   * computed on first read; read them only while the result is current (its `version` is the
   * document's): the document's next analysis moves the IR they are computed from.
   */
  readonly layers: LayerReport[];
}

/** A file as read from disk: its text (a notebook's program), facts once analyzed, and the notebook. */
interface DiskEntry {
  text: string;
  facts: FileFacts | null;
  notebook: Notebook | null;
}

/** An open editor document. */
interface OpenDoc {
  uri: string;
  version: number;
  doc: ParsedDocument;
}

/** Yield to the event loop so requests (hover, code actions) and newer edits get a turn. */
function yieldNow(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export class WorkspaceFolder {
  private rels: string[] = [];
  private relSet = new Set<string>();
  /** Files found by the last listing of the folder (open documents may add others). */
  private listed = new Set<string>();
  private readonly open = new Map<string, OpenDoc>();
  private readonly disk = new Map<string, DiskEntry | null>();
  private readonly memo = new ScopeMemo();
  private index = new ProjectIndex([]);
  private configs: Configs;
  /** Per file: the files of the analysis that last covered it. */
  private readonly groups = new Map<string, ReadonlySet<string>>();
  /** Latest result per file (files without findings included once analyzed). */
  readonly results = new Map<string, FileResult>();
  /** The previous analysis, for the next one (see `LintReuse`). */
  readonly reuse = new LintReuse();
  /** Internal errors of the last analysis (normlint bugs; logged by the server). */
  internalErrors: string[] = [];

  /**
   * @param rootUri the folder (URI, no trailing slash).
   * @param walk list the folder's Python files (workspace folders); false for the implicit
   *   folder of loose files, which holds only the documents opened in it.
   */
  constructor(
    readonly rootUri: string,
    private readonly host: Host,
    private readonly engine: Engine,
    flags: SelectionFlags,
    private minBatchSize: number | null,
    readonly walk: boolean,
  ) {
    this.configs = host.createConfigs(rootUri, flags);
    this.rescan();
  }

  /** Number of Python files known. */
  get fileCount(): number {
    return this.rels.length;
  }

  /** The project-relative path of a URI in this folder, or null. */
  relOf(uri: string): string | null {
    return this.host.relativePath(this.rootUri, uri);
  }

  /** The URI to publish for a file (the editor's own spelling when the file is open). */
  uriOf(rel: string): string {
    return this.open.get(rel)?.uri ?? this.host.uriOf(this.rootUri, rel);
  }

  /** Lists the folder's files again (after files were created or deleted). */
  rescan(): void {
    const listed = this.walk ? this.host.listPythonFiles(this.rootUri, this.configs).map((u) => this.relOf(u)!).filter((r) => r !== null) : [];
    this.listed = new Set(listed);
    this.setFiles(new Set([...listed, ...this.open.keys()]));
    for (const rel of [...this.disk.keys()]) if (!this.relSet.has(rel)) this.disk.delete(rel);
  }

  private setFiles(all: Set<string>): void {
    this.relSet = all;
    this.rels = [...all].sort();
    this.index = new ProjectIndex(this.rels.map((p) => ({ path: p, ir: EMPTY_IR })));
    this.memo.clear();
    this.graph = null;
  }

  /** New settings or changed config files: re-read the configs (the caller re-lints everything). */
  reconfigure(flags: SelectionFlags, minBatchSize: number | null): void {
    this.minBatchSize = minBatchSize;
    this.configs = this.host.createConfigs(this.rootUri, flags);
  }

  /** Problems in the config files read so far. */
  configProblems(): ReturnType<Configs['problems']> {
    return this.configs.problems();
  }

  private readonly withOverride = new WeakMap<FileConfig, FileConfig>();

  /** The configuration of a file, with the `normlint.minBatchSize` setting applied. */
  configFor(rel: string): FileConfig {
    const fc = this.configs.fileConfig(this.host.uriOf(this.rootUri, rel));
    if (this.minBatchSize === null) return fc;
    let o = this.withOverride.get(fc);
    if (!o) this.withOverride.set(fc, (o = { ...fc, options: { ...fc.options, minBatchSize: this.minBatchSize } }));
    return o;
  }

  // ---------------------------------------------------------------------------------------
  // Documents

  /** An editor opened `uri` (returns its rel path, or null when outside this folder). */
  openDocument(uri: string, version: number, text: string): string | null {
    const rel = this.relOf(uri);
    if (rel === null) return null;
    this.open.get(rel)?.doc.dispose();
    this.open.set(rel, { uri, version, doc: this.engine.openDocument(rel, text) });
    if (!this.relSet.has(rel)) this.setFiles(new Set([...this.relSet, rel]));
    return rel;
  }

  /**
   * Lowers an open document's current text ahead of its first edit, so that edit lowers only
   * the statements it touched (on a 5,000-line file this moves ~70 ms off the first keystroke).
   * A no-op when the document's facts are current or it is not open.
   */
  prepareDocument(rel: string): void {
    this.open.get(rel)?.doc.facts();
  }

  /**
   * Applies an editor change. `changes` are offsets into the previous text (see `TextChange`).
   * @throws RangeError on a change outside the document (the caller resyncs).
   */
  changeDocument(rel: string, version: number, changes: readonly TextChange[] | { full: string }): void {
    const d = this.open.get(rel);
    if (!d) return;
    if ('full' in changes) d.doc.setText(changes.full);
    else {
      const prev = d.doc.text;
      d.doc.update(changes);
      // A keystroke: the scope's scan of the file may keep its imports (see `ScopeMemo.noteChange`).
      if (changes.length === 1) {
        const c = changes[0];
        this.memo.noteChange(rel, prev, d.doc.text, c.start, c.end, c.start + c.text.length);
      }
    }
    d.version = version;
  }

  /** The editor closed the document: from now on the file is read from disk again. */
  closeDocument(rel: string): void {
    const d = this.open.get(rel);
    if (!d) return;
    d.doc.dispose();
    this.open.delete(rel);
    this.disk.delete(rel);
    // A file the folder listing does not have (excluded, or a loose file) is forgotten.
    if (!this.listed.has(rel)) this.setFiles(new Set([...this.relSet].filter((r) => r !== rel)));
  }

  /**
   * Syntax errors (ERROR/MISSING spans) in the current text of a file: from the open
   * document's facts (already parsed), else by parsing the disk text.
   */
  syntaxErrorCount(rel: string): number {
    const d = this.open.get(rel);
    if (d) return d.doc.facts().ir?.errors.length ?? 0;
    const text = this.textOf(rel);
    return text === null ? 0 : this.engine.countParseErrors(text, rel);
  }

  /** The open document of a path, if any. */
  document(rel: string): { uri: string; version: number; text: string } | null {
    const d = this.open.get(rel);
    return d ? { uri: d.uri, version: d.version, text: d.doc.text } : null;
  }

  /** Paths of the open documents. */
  openPaths(): string[] {
    return [...this.open.keys()];
  }

  /** A file changed on disk (not through the editor). */
  diskChanged(rel: string): void {
    this.disk.delete(rel);
  }

  /** Whether a path is one of this folder's Python files. */
  has(rel: string): boolean {
    return this.relSet.has(rel);
  }

  // ---------------------------------------------------------------------------------------
  // Texts and facts

  /** Current text: the editor's when open, else the disk's (null when unreadable). */
  textOf(rel: string): string | null {
    const d = this.open.get(rel);
    if (d) return d.doc.text;
    return this.diskEntry(rel)?.text ?? null;
  }

  /**
   * The notebook read from disk for a `.ipynb` path that is not open in the editor (its
   * `program` is the text analyzed), else null.
   */
  diskNotebook(rel: string): Notebook | null {
    if (this.open.has(rel)) return null;
    return this.diskEntry(rel)?.notebook ?? null;
  }

  private diskEntry(rel: string): DiskEntry | null {
    let e = this.disk.get(rel);
    if (e === undefined) {
      const r = this.host.readFile(this.host.uriOf(this.rootUri, rel));
      e = r.ok ? { text: r.text, facts: null, notebook: r.notebook ?? null } : null;
      this.disk.set(rel, e);
    }
    return e;
  }

  private factsOf(rel: string): FileFacts | null {
    const d = this.open.get(rel);
    if (d) return d.doc.facts();
    const e = this.diskEntry(rel);
    if (!e) return null;
    e.facts ??= this.engine.analyze({ path: rel, text: e.text });
    return e.facts;
  }

  // ---------------------------------------------------------------------------------------
  // Linting

  /**
   * The files to analyze for a change to `changed` (all: the whole scope).
   * @returns primary files (analyzed up front) and every file the analysis covers.
   */
  private plan(changed: ReadonlySet<string> | 'all'): { primary: string[]; covered: Set<string> } {
    const readable = this.rels.filter((r) => this.textOf(r) !== null);
    const textOf = (r: string): string => this.textOf(r)!;
    const scope = projectScope(this.index, readable, textOf, this.memo);
    if (changed === 'all') return { primary: scope, covered: new Set(this.rels) };
    const adj = this.importGraph(readable, this.memo.factsOf(this.index, readable, textOf));
    const covered = new Set<string>();
    const stack: string[] = [];
    for (const c of changed) {
      stack.push(c);
      for (const g of this.groups.get(c) ?? []) stack.push(g);
    }
    while (stack.length) {
      const r = stack.pop()!;
      if (covered.has(r)) continue;
      covered.add(r);
      for (const n of adj.get(r) ?? []) if (!covered.has(n)) stack.push(n);
    }
    return { primary: scope.filter((r) => covered.has(r)), covered };
  }

  /** The last import graph built, and the files and scan facts it was built from. */
  private graph: { rels: readonly string[]; facts: readonly ScanFacts[]; adj: ReadonlyMap<string, readonly string[]> } | null = null;

  /**
   * The undirected import graph over `rels` (every readable file), from their scan facts;
   * the previous one while the files and their facts are the same objects (a keystroke that
   * changes no import line, see `ScopeMemo`).
   */
  private importGraph(rels: readonly string[], facts: readonly ScanFacts[]): ReadonlyMap<string, readonly string[]> {
    if (this.graph && sameScan(this.graph, rels, facts)) return this.graph.adj;
    const adj = new Map<string, string[]>();
    const link = (a: string, b: string): void => {
      let l = adj.get(a);
      if (!l) adj.set(a, (l = []));
      l.push(b);
    };
    rels.forEach((r, i) => {
      for (const imp of facts[i].imports) {
        for (const t of imp.targets) if (t !== r) {
          link(r, t);
          link(t, r);
        }
      }
    });
    this.graph = { rels: [...rels], facts: [...facts], adj };
    return adj;
  }

  /**
   * Analyzes the folder (`'all'`) or what a change to some files can affect.
   *
   * @param isStale polled between files; when it returns true the analysis is abandoned.
   * @returns the new results of every covered file, or null when abandoned.
   */
  async lint(changed: ReadonlySet<string> | 'all', isStale: () => boolean): Promise<FileResult[] | null> {
    const { primary, covered } = this.plan(changed);
    const current = (rel: string): { text: string; version: number | null } => {
      const d = this.open.get(rel);
      return { text: this.textOf(rel) ?? '', version: d ? d.version : null };
    };
    const facts: FileFacts[] = [];
    /**
     * The text (and editor version) each primary file's facts were taken from. This loop
     * yields, and a document edited, opened or closed meanwhile does not always abandon the
     * analysis (a whole-folder one goes on): its facts must not be labeled with the newer
     * text and version, or findings at the old offsets would be published as current.
     */
    const factsFrom = new Map<string, { text: string; version: number | null }>();
    let sinceYield = 0;
    for (const rel of primary) {
      const cached = this.open.has(rel) || this.disk.get(rel)?.facts;
      const f = this.factsOf(rel);
      if (f) {
        facts.push(f);
        factsFrom.set(rel, current(rel));
      }
      if (!cached && ++sinceYield >= 8) {
        sinceYield = 0;
        await yieldNow();
        if (isStale()) return null;
      }
    }
    if (isStale()) return null;
    const inPrimary = new Set(primary);
    const onDemand: FileFacts[] = [];
    const snapshot = new Map<string, { text: string; version: number | null }>();
    /** The text a file is analyzed as, and the editor version it is (null: from disk). */
    const snap = (rel: string): { text: string; version: number | null } => {
      let s = snapshot.get(rel);
      if (!s) {
        const now = current(rel);
        const then = factsFrom.get(rel);
        // Text unchanged since its facts were taken (or taken just now): the current version
        // (a document opened on the file as analyzed gets its editor version). Changed: the
        // version the facts are of, never published nor answered from as current (the server
        // queued the file again on that change, or deferred it to saving).
        s = !then || then.text === now.text ? now : then;
        snapshot.set(rel, s);
      }
      return s;
    };
    const raw = this.engine.lint(facts, {
      configFor: (p) => this.configFor(p),
      textOf: (p) => snap(p).text,
      lazy: {
        paths: this.rels.filter((r) => !inPrimary.has(r)),
        load: (p) => {
          const f = this.factsOf(p);
          if (f) onDemand.push(f);
          return f;
        },
      },
      // A whole-folder run computes the layer reports at once (its model is large: not kept);
      // an edit's run leaves them until a hover or code lens asks (see `FileResult.layers`).
      collectLayers: changed === 'all' ? true : 'lazy',
      // After a keystroke in some definitions of one file, only what depends on them is analyzed again.
      reuse: this.reuse,
    });
    this.internalErrors = this.engine.lastErrors;
    const byFile = groupByFile(raw);
    const later = this.engine.lastLayersLater;
    let layersByFile: ReadonlyMap<string, LayerReport[]> | null = later ? null : groupByFile(this.engine.lastLayers);
    const layersOf = (rel: string): LayerReport[] => (layersByFile ??= groupByFile(later!())).get(rel) ?? [];
    const out: FileResult[] = [];
    const done = new Set<string>();
    for (const f of [...facts, ...onDemand]) {
      if (done.has(f.path)) continue;
      done.add(f.path);
      const s = snap(f.path);
      const fin = finalizeFile(f, byFile.get(f.path) ?? [], this.configFor(f.path), s.text, REGISTRY);
      const rel = f.path;
      out.push({
        rel, uri: this.uriOf(rel), version: s.version, text: s.text, diagnostics: fin.diagnostics, warnings: fin.warnings,
        get layers() {
          return layersOf(rel);
        },
      });
    }
    for (const rel of covered) {
      if (done.has(rel)) continue;
      done.add(rel);
      const s = snap(rel);
      out.push({ rel, uri: this.uriOf(rel), version: s.version, text: s.text, diagnostics: [], warnings: [], layers: [] });
    }
    // Files that are gone (deleted) but had results: clear them.
    for (const rel of [...this.results.keys()]) {
      if (!this.relSet.has(rel) && !done.has(rel)) {
        out.push({ rel, uri: this.uriOf(rel), version: null, text: '', diagnostics: [], warnings: [], layers: [] });
        done.add(rel);
      }
    }
    const group: ReadonlySet<string> = new Set(done);
    for (const r of out) {
      this.groups.set(r.rel, group);
      if (this.relSet.has(r.rel)) this.results.set(r.rel, r);
      else {
        this.results.delete(r.rel);
        this.groups.delete(r.rel);
      }
    }
    return out;
  }

  /** Internal errors of deferred work (layer reports computed on a hover) since the last call. */
  takeLateErrors(): string[] {
    return this.engine.lateErrors.splice(0);
  }

  /** Frees every open document's tree. */
  dispose(): void {
    for (const d of this.open.values()) d.doc.dispose();
    this.open.clear();
  }
}
