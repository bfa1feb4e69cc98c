/**
 * The engine implementation (see `engine.ts` for the contract and `linter/src/index.ts` for the
 * pipeline). Pure: grammar bytes and texts come from the adapter.
 */
import type { Tree } from 'web-tree-sitter';
import type { Diagnostic } from './diagnostic';
import { compareDiagnostics } from './diagnostic';
import type { FileFacts, FileInput, Grammars, LintOptions } from './engine';
import { initTreeSitter, type PythonParser } from '../parse/parser';
import { lowerPython } from '../model/python/lower';
import { emptySuppressions } from './suppression';
import { scanSuppressionsFor } from './suppression-script';
import { sourceLangOf } from './source-kind';
import { lowerTypeScript } from '../model/ts/lower';
import { ProjectIndex } from '../model/python/project';
import { PyTorchModel } from '../model/python/interp';
import { RULE_IMPLS } from '../rules/index';
import { toDiagnostic, type Report } from '../rules/define';
import type { PyFile } from '../model/python/ir';
import { ParsedDocument } from './document';
import { layerReports, layerReportsOf, type LayerReport } from '../model/python/layer-report';
import type { Span } from './diagnostic';
import { planSplit } from './lint-reuse';

/** Files larger than this (UTF-16 code units) are not parsed (`skipped: 'too-large'`). */
export const MAX_ANALYZED_CHARS = 8 * 1024 * 1024;

/** The normlint engine. Create one per thread with {@link Engine.create}. */
export class Engine {
  /**
   * Internal errors of the last {@link Engine.lint} (bugs in normlint: the analysis of the body
   * or the rule concerned was dropped, the rest completed). Empty when all went well.
   */
  lastErrors: string[] = [];

  /**
   * The normalization layers of the last {@link Engine.lint} called with `collectLayers: true`
   * (empty otherwise): resolved configuration and train/eval uses, for hovers and BN Lab.
   */
  lastLayers: LayerReport[] = [];

  /**
   * After an {@link Engine.lint} called with `collectLayers: 'lazy'`: computes that run's layer
   * reports on the first call (memoized), else null. Call it only while the analyzed files'
   * IR is unchanged (an open document moves its IR in place when it is analyzed again).
   * Errors (normlint bugs) give an empty list and are added to {@link lateErrors}.
   */
  lastLayersLater: (() => LayerReport[]) | null = null;

  /** Internal errors of deferred work ({@link lastLayersLater}) since the caller last emptied it. */
  readonly lateErrors: string[] = [];

  private constructor(private readonly parser: PythonParser) {}

  /**
   * Loads web-tree-sitter and the grammars from the given bytes.
   * @throws Error when the WASM bytes are not a compatible tree-sitter runtime/grammar.
   */
  static async create(grammars: Grammars): Promise<Engine> {
    return new Engine(await initTreeSitter(grammars));
  }

  /**
   * Parses and lowers one file. Never throws: a file that cannot be analyzed comes back with
   * `ir: null` and a `skipped` reason. Pure function of `(path, text)`: cacheable by content.
   */
  analyze(input: FileInput): FileFacts {
    const lang = sourceLangOf(input.path);
    if (lang === null) return { path: input.path, ir: null, suppressions: emptySuppressions(), skipped: 'not-python' };
    if (input.text.length > MAX_ANALYZED_CHARS) return { path: input.path, ir: null, suppressions: emptySuppressions(), skipped: 'too-large' };
    let tree: Tree | null = null;
    try {
      tree = this.parser.parse(input.text, null, lang);
      const ir = lang === 'python' ? lowerPython(tree, input.text) : lowerTypeScript(tree, input.text);
      return { path: input.path, ir, suppressions: scanSuppressionsFor(input.path, input.text), skipped: null };
    } catch {
      return { path: input.path, ir: null, suppressions: emptySuppressions(), skipped: 'parse-failed' };
    } finally {
      tree?.delete();
    }
  }

  /**
   * Opens a document for incremental re-parsing (the language server keeps one per open
   * editor). Its `facts()` equal {@link analyze}'s for the same path and text.
   */
  openDocument(path: string, text: string): ParsedDocument {
    return new ParsedDocument(this.parser, path, text, MAX_ANALYZED_CHARS);
  }

  /**
   * The number of ERROR/MISSING spans tree-sitter finds in `text` (the `--fix` re-parse guard).
   * @param path the file's path: decides the grammar (see `sourceLangOf`; Python when unknown).
   */
  countParseErrors(text: string, path: string): number {
    const lang = sourceLangOf(path) ?? 'python';
    const tree = this.parser.parse(text, null, lang);
    try {
      return (lang === 'python' ? lowerPython(tree, text) : lowerTypeScript(tree, text)).errors.length;
    } finally {
      tree.delete();
    }
  }

  /**
   * Lints a project: builds the cross-file model from the files' facts, runs the rules enabled
   * for each file, and drops findings inside syntax errors. Suppression comments are applied by
   * the adapter (it has the texts and reports unused ones). Sorted by file, offset, code.
   */
  lint(files: readonly FileFacts[], opts: LintOptions): Diagnostic[] {
    const inputs: Array<{ path: string; ir: PyFile }> = [];
    for (const f of files) if (f.ir) inputs.push({ path: f.path, ir: f.ir });
    const lazy = opts.lazy;
    const newIndex = (): ProjectIndex => new ProjectIndex(inputs, lazy && { paths: lazy.paths, load: (p) => lazy.load(p)?.ir ?? null });
    const anyUnknown = files.some((f) => opts.configFor(f.path).options.assumeUnknownModulesNormalize);
    const errorsOf = new Map(inputs.map((f) => [f.path, f.ir.errors]));
    const reuse = opts.reuse && opts.collectLayers !== true ? opts.reuse : null;
    if (opts.reuse && !reuse) opts.reuse.whyWhole = 'layer reports asked for (one whole model)';
    const split = reuse ? planSplit(reuse, inputs, opts, anyUnknown, newIndex) : null;
    if (split) {
      const errors = split.models.flatMap((m) => m.internalErrors);
      const out = this.runRules(split.models, opts, errorsOf, errors);
      // Rules may resolve names too: a split must still hold after them.
      const violation = split.models.length === 2 ? split.models[1].sliceViolation : null;
      if (violation === null) {
        this.lastErrors = errors;
        this.lastLayers = [];
        let memo: LayerReport[] | null = null;
        // Layer reports merge every analysis of a layer: after a split, both sides' (the rest's
        // first, the order of a whole run's module bodies and files).
        const models = split.models.length === 2 ? [split.models[1], split.models[0]] : split.models;
        this.lastLayersLater = opts.collectLayers === 'lazy' ? () => (memo ??= this.layersOf(models, opts.textOf)) : null;
        reuse!.record(inputs, opts, anyUnknown, split.models, split.rest, split.kind);
        return out;
      }
      reuse!.rest = { ...split.rest!, conflict: violation };
      reuse!.whyWhole = violation;
    }
    const model = new PyTorchModel(newIndex(), { assumeUnknownModulesNormalize: anyUnknown }).run();
    this.lastErrors = [...model.internalErrors];
    this.lastLayers = [];
    this.lastLayersLater = null;
    if (opts.collectLayers === 'lazy') {
      let memo: LayerReport[] | null = null;
      this.lastLayersLater = () => (memo ??= this.layersOf([model], opts.textOf));
    } else if (opts.collectLayers) {
      try {
        this.lastLayers = layerReports(model, opts.textOf);
      } catch (e) {
        this.lastErrors.push(`layer reports: ${(e as Error).stack ?? String(e)}`);
      }
    }
    const out = this.runRules([model], opts, errorsOf, this.lastErrors);
    opts.reuse?.record(inputs, opts, anyUnknown, [model], opts.reuse.rest?.conflict ? opts.reuse.rest : null, 'full');
    return out;
  }

  /** Layer reports of a run's models computed after it (see {@link lastLayersLater}); errors give none. */
  private layersOf(models: readonly PyTorchModel[], textOf: (path: string) => string): LayerReport[] {
    try {
      return layerReportsOf(models, textOf);
    } catch (e) {
      this.lateErrors.push(`layer reports: ${(e as Error).stack ?? String(e)}`);
      return [];
    }
  }

  /**
   * Runs the rules enabled for each file over the models (one whole model, or both sides of a
   * split, whose findings are merged as one run's), drops findings inside syntax errors and
   * duplicates. Rule errors (normlint bugs) are added to `ruleErrors`.
   */
  private runRules(models: readonly PyTorchModel[], opts: LintOptions, errorsOf: ReadonlyMap<string, readonly Span[]>, ruleErrors: string[]): Diagnostic[] {
    const out: Diagnostic[] = [];
    const seen = new Set<string>();
    for (const rule of RULE_IMPLS) {
      for (const model of models) {
        const report = (r: Report): void => {
          const cfg = opts.configFor(r.site.file.path);
          if (!cfg.enabled.has(rule.meta.code)) return;
          const d = toDiagnostic(rule.meta, r);
          const sev = cfg.severity[d.code];
          if (sev) d.severity = sev;
          const errs = errorsOf.get(d.file) ?? model.index.file(d.file)?.ir.errors ?? [];
          if (errs.some((e) => e.start < d.span.end && d.span.start < e.end)) return;
          const key = `${d.code}|${d.file}|${d.span.start}|${d.span.end}|${d.message}`;
          if (seen.has(key)) return;
          seen.add(key);
          out.push(d);
        };
        try {
          rule.check({ model, text: opts.textOf, config: opts.configFor, report });
        } catch (e) {
          ruleErrors.push(`rule ${rule.meta.code}: ${(e as Error).stack ?? String(e)}`);
        }
      }
    }
    return out.sort(compareDiagnostics);
  }
}
