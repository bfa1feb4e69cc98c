/**
 * The engine: per-file analysis (parse + lower) and per-project linting.
 * See `linter/src/index.ts` for the pipeline and invariants.
 */
import type { Severity } from './diagnostic';
import type { RuleOptions } from './rule';
import type { PyFile } from '../model/python/ir';
import type { Suppressions } from './suppression';
import type { LintReuse } from './lint-reuse';

/** WebAssembly bytes the adapter reads from `grammars/` and hands to the engine. */
export interface Grammars {
  /** web-tree-sitter's runtime (`web-tree-sitter.wasm`). */
  runtime: Uint8Array;
  /** tree-sitter-python's grammar (`tree-sitter-python.wasm`). */
  python: Uint8Array;
  /** tree-sitter-typescript's TypeScript grammar (`tree-sitter-typescript.wasm`). */
  typescript: Uint8Array;
  /** tree-sitter-typescript's TSX grammar (`tree-sitter-tsx.wasm`). */
  tsx: Uint8Array;
  /** tree-sitter-javascript's grammar, JSX included (`tree-sitter-javascript.wasm`). */
  javascript: Uint8Array;
}

/**
 * One source file. `path` is project-relative with `/` separators (e.g. `src/pkg/model.py`).
 * For a notebook (`nb.ipynb`) `text` is the notebook's Python program
 * (`notebook/notebook.ts`, `Notebook.program`), not its JSON.
 */
export interface FileInput {
  path: string;
  text: string;
}

/**
 * What `Engine.analyze` extracts from one file: plain JSON, cacheable by content hash.
 * `skipped` says why a file has no IR: `not-python` (unsupported extension),
 * `too-large`, `parse-failed`. (Which files to analyze at all is the adapter's choice, helped
 * by `model/python/prefilter.ts`.)
 */
export interface FileFacts {
  path: string;
  ir: PyFile | null;
  suppressions: Suppressions;
  skipped: null | 'not-python' | 'too-large' | 'parse-failed';
}

/** The rule set and options that apply to one file (after config files and flags). */
export interface FileConfig {
  /** Codes of the enabled rules. */
  enabled: ReadonlySet<string>;
  /** Per-code severity overrides. */
  severity: Readonly<Record<string, Severity>>;
  options: RuleOptions;
}

export { isPythonPath, isNotebookPath } from './source-kind';

export interface LintOptions {
  /** The configuration for a project-relative path (nearest config file wins). */
  configFor(path: string): FileConfig;
  /** The text of a project file, exactly as analyzed (rules build fixes from it). */
  textOf(path: string): string;
  /**
   * Other project files, analyzed only if an import resolves to them (their classes, helpers
   * and constants). `load` is synchronous and called at most once per path; findings may be
   * reported in these files too (e.g. a conv layer built in a helper module).
   */
  lazy?: { paths: readonly string[]; load(path: string): FileFacts | null };
  /**
   * Also compute the normalization layers' reports (the language server's hovers and code
   * lenses): `true` fills `Engine.lastLayers`; `'lazy'` sets `Engine.lastLayersLater`, which
   * computes them on its first call (keeping this run's model until then), so a keystroke's
   * diagnostics do not wait for hover data nobody may ask for.
   */
  collectLayers?: boolean | 'lazy';
  /**
   * State kept from this project's previous lint (see `LintReuse`): after an edit within some
   * module-level definitions of one file, only what depends on them is analyzed again. Never
   * used with `collectLayers: true`. The findings are those of a whole run.
   */
  reuse?: LintReuse;
}

export { Engine } from './engine-impl';
export { LintReuse, type LintKind } from './lint-reuse';
export type { ParsedDocument, TextChange } from './document';
export type { LayerReport, LayerArg, LayerUse } from '../model/python/layer-report';
