/**
 * What the normlint language server and its clients (the VS Code extension, tests) share:
 * command identifiers, settings, the payload of `Diagnostic.data`, and custom notifications.
 * Imports nothing, so the extension bundle can use it without pulling in the server.
 */

/** Server-side commands (`workspace/executeCommand`). */
export const Commands = {
  /** `[code: string]`: opens the rule's documentation page (`window/showDocument`, external). */
  showDocumentation: 'normlint.showDocumentation',
  /** `[uri: string]`: applies every safe fix of the document (`workspace/applyEdit`). */
  applyAutofix: 'normlint.applyAutofix',
  /**
   * `[SimulateLayerArgs]`: the code lens "Simulate in BN Lab". Until BN Lab exists the server
   * opens the layer's PyTorch documentation.
   */
  simulateLayer: 'normlint.simulateLayer',
} as const;

/** The code action kind of "fix all safe normlint findings". */
export const FIX_ALL_KIND = 'source.fixAll.normlint';

/** When to lint an open document. */
export type RunMode = 'onType' | 'onSave';

/**
 * Settings (`workspace/configuration`, section `normlint`), mirroring the CLI flags. Config
 * files (`normlint.toml`, `pyproject.toml` `[tool.normlint]`) apply first; `select`/`ignore`
 * then act like `--select`/`--ignore`, and `minBatchSize` overrides `min-batch-size`.
 */
export interface Settings {
  enable: boolean;
  /** Rule selectors (codes, prefixes, names, `ALL`); empty = the configured set. */
  select: string[];
  ignore: string[];
  /** NL004's threshold; null = from config files (default 16). */
  minBatchSize: number | null;
  run: RunMode;
  /** Milliseconds between the last keystroke and re-analysis (`onType`). */
  debounceMs: number;
}

export const DEFAULT_SETTINGS: Settings = {
  enable: true,
  select: [],
  ignore: [],
  minBatchSize: null,
  run: 'onType',
  debounceMs: 150,
};

/** One fix as carried in `Diagnostic.data` (edits already in LSP positions of the linted version). */
export interface FixData {
  title: string;
  applicability: 'safe' | 'unsafe' | 'display';
  edits: Array<{ range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }>;
}

/** `Diagnostic.data` of a normlint diagnostic: its fixes travel with it, so code actions never re-lint. */
export interface DiagnosticData {
  /** Rule name (`missing-eval`). */
  name: string;
  /**
   * Document version the positions refer to (null for files not open in the editor); for a
   * notebook cell, the version of the cell's text document.
   */
  version: number | null;
  /** Primary fix first, then the alternatives. */
  fixes: FixData[];
}

/**
 * A normalization layer as the server resolved it (the JSON of the engine's `LayerReport`):
 * what hovers show and what BN Lab simulates. Offsets are UTF-16 code units of the analyzed text.
 */
export interface LayerInfo {
  /** Project-relative path of the file that constructs the layer. */
  file: string;
  span: { start: number; end: number };
  /** Qualified class, e.g. `torch.nn.BatchNorm2d`. */
  q: string;
  kind: 'batchnorm' | 'groupnorm' | 'instancenorm' | 'layernorm' | string;
  /** 1 → `[N, C]`/`[N, C, L]`, 2 → `[N, C, H, W]`, 3 → `[N, C, D, H, W]`; null: any. */
  dims: number | null;
  args: Array<{ name: string; value: string; constant?: number | string | boolean | null; defaulted: boolean }>;
  /** PyTorch momentum (weight of the new batch) and its Keras/TF.js reading (decay, `1 − torch`). */
  momentum: { torch: number | null; keras: number | null; cumulative: boolean } | null;
  uses: Array<{ kind: 'train-step' | 'inference'; file: string; span: { start: number; end: number }; modes: string[] }>;
  producer: { q: string; file: string; span: { start: number; end: number }; bias: boolean | null } | null;
  /** Training batch sizes resolved for modules containing the layer, ascending. */
  batchSizes: number[];
  framework: 'pytorch' | 'keras' | 'tfjs';
}

/** Arguments of {@link Commands.simulateLayer} (and the result of {@link LAYER_AT_REQUEST}). */
export interface SimulateLayerArgs {
  /** The document the layer was asked from: a file, or a notebook cell (`vscode-notebook-cell:` in VS Code). */
  uri: string;
  /**
   * The layer. `layer.span` is in UTF-16 offsets of the text of `uri`: for a notebook cell, the
   * cell's own text. Its other spans (`uses`, `producer`) are offsets of the analyzed text of
   * their `file` (a notebook's program for a `.ipynb`).
   */
  layer: LayerInfo;
}

/**
 * Request `normlint/layerAt` (client → server): the normalization layer whose constructor call
 * contains the position, or null. Params: `TextDocumentPositionParams` (a file or a notebook
 * cell).
 */
export const LAYER_AT_REQUEST = 'normlint/layerAt';

/** Notification `normlint/status` (server → client) after each analysis. */
export const STATUS_NOTIFICATION = 'normlint/status';

/** Payload of {@link STATUS_NOTIFICATION}. */
export interface StatusParams {
  state: 'indexing' | 'idle' | 'disabled';
  /** Python files and notebooks known in the workspace folders. */
  files: number;
  /** Findings currently published (all files). */
  findings: number;
  /** Duration of the last analysis, milliseconds. */
  lastRunMs: number;
  /** Resident set size of the server process in bytes (null where unknown, e.g. a web worker). */
  rssBytes: number | null;
}
