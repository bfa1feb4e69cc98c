/**
 * Text pre-filters that decide, before parsing, which files of a project can matter to the
 * rules (PyTorch and Keras). Parsing dominates a cold run (see `shared/notes/performance.md`), and most
 * files of a large codebase never touch normalization, modes, batch sizes or DDP.
 *
 * A file is analyzed when it is a **seed** (its text mentions something a rule reacts to),
 * when it **imports a seed** (it may call the seed's functions with its own models), or when a
 * file already analyzed imports it (its classes, helpers and constants resolve names). A file
 * outside that set cannot produce a finding nor change one, except through code paths the
 * model does not follow anyway (dynamic imports, registries).
 */
import type { Span } from '../../core/diagnostic';
import type { ImportFact } from './ir';
import { isScriptPath } from '../../core/source-kind';
import { moduleOf } from '../ts/lower';

/**
 * Everything a rule reacts to, as text: normalization and dropout layers, mode switches,
 * inference contexts and evaluation-named functions, training steps, weight loading, exports,
 * data loaders, DDP/Lightning, freezing.
 */
const SEED = new RegExp(
  [
    'BatchNorm|GroupNorm|InstanceNorm|norm_layer|Dropout', // layers the rules reason about
    '\\.eval\\(|\\.train\\(', // mode switches
    'no_grad|inference_mode|set_grad_enabled', // inference contexts
    '\\bdef\\s+(?:eval|valid|val_|test\\s*\\(|test_(?:model|epoch)|predict|infer)', // evaluation functions
    '\\.backward\\(', // training steps
    'load_state_dict|torch\\.load\\(|pretrained|weights=', // weights
    'onnx\\.export\\(|jit\\.trace\\(|export\\.export\\(|dynamo_export\\(', // exports
    'DataLoader', // NL004
    'DistributedDataParallel|DDP\\(|convert_sync|Trainer\\(', // NL006
    'requires_grad_?\\(\\s*False|requires_grad\\s*=\\s*False', // NL010 freezing
  ].join('|'),
);

/**
 * What the Keras rules react to besides {@link SEED} (`BatchNormalization` and `Dropout` are
 * matched there): forced training flags (NL001, NL008), frozen base models (NL008), `fit` and
 * `tf.data` batches (NL004), `keras.applications` models.
 */
const KERAS_SEED = /training\s*=\s*True|trainable\s*=\s*False|\.fit\(|\.batch\(|batch_size\s*=|applications\./;

/** A framework normlint models (PyTorch, with Lightning, timm and torchvision). */
const FRAMEWORK = /\b(?:torch|torchvision|timm|lightning|pytorch_lightning)\b/;

/** Keras 3, `tf.keras` (through `tensorflow`) and `tf_keras`. */
const KERAS = /\b(?:keras|tensorflow|tf_keras)\b/;

/** TensorFlow.js packages (`@tensorflow/tfjs`, `-node`, `-layers`, `-data`...). */
const TFJS = /@tensorflow\/tfjs/;

/**
 * What the TensorFlow.js rules react to: normalization and dropout layers, training flags,
 * frozen models, `fit`/`fitDataset` and dataset batches, custom training steps, inference.
 */
const TFJS_SEED = /batchNormalization|dropout|training\s*:\s*true|trainable\s*=\s*false|\.fit(?:Dataset)?\(|\.batch\(|batchSize|\.minimize\(|variableGrads|\.predict\(|\.apply\(/;

/**
 * Does the file's text mention a framework and something a rule reacts to? (General Python
 * code, such as the standard library, has no seeds at all.)
 * @param path decides the language (default Python): a TypeScript/JavaScript file is a seed
 *   when it imports TensorFlow.js and mentions what the rules react to.
 */
export function isSeedText(text: string, path = ''): boolean {
  if (isScriptPath(path)) return TFJS.test(text) && TFJS_SEED.test(text);
  if (FRAMEWORK.test(text) && SEED.test(text)) return true;
  return KERAS.test(text) && (SEED.test(text) || KERAS_SEED.test(text));
}

const SCRIPT_IMPORT = /\b(?:import|export)\s+(?:type\s+)?([\w$*{}\s,]+?)\s+from\s*(['"])([^'"\n]+)\2|\brequire\s*\(\s*(['"])([^'"\n]+)\4\s*\)/g;

/**
 * The imports of a TypeScript/JavaScript text without parsing (`import ... from '...'`,
 * `export ... from '...'`, `require('...')`), as IR imports: one per imported name, or a
 * module import for namespace/default/`require` forms. Approximate, like {@link scanImportLines}.
 */
export function scanScriptImports(text: string): ImportFact[] {
  const out: ImportFact[] = [];
  SCRIPT_IMPORT.lastIndex = 0;
  for (let m = SCRIPT_IMPORT.exec(text); m; m = SCRIPT_IMPORT.exec(text)) {
    const span = { start: m.index, end: m.index };
    const { module, level } = moduleOf(m[3] ?? m[5]);
    const named = m[1] ? /\{([^}]*)\}/.exec(m[1]) : null;
    if (named) {
      for (const part of named[1].split(',')) {
        const [name, asname] = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/);
        if (/^[\w$]+$/.test(name)) out.push({ module, name, asname: asname && /^[\w$]+$/.test(asname) ? asname : null, level, span });
      }
    } else out.push({ module, name: null, asname: null, level, span });
  }
  return out;
}

const IMPORT_LINE = /^[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]+)|import[ \t]+([^\n#;]+))/gm;

/**
 * The imports of a file read from its text without parsing: `import a.b as c, d` and
 * `from ..x import (y, z as w)` at any indentation. Approximate (a line inside a string counts
 * too): used only to widen the set of analyzed files. Spans are zero-length at the line start.
 * @param extents when given, receives the text each import statement matched spans (every
 *   match, also one that yields no import), in order.
 */
export function scanImportLines(text: string, extents?: Span[]): ImportFact[] {
  const out: ImportFact[] = [];
  IMPORT_LINE.lastIndex = 0;
  for (let m = IMPORT_LINE.exec(text); m; m = IMPORT_LINE.exec(text)) {
    const span = { start: m.index, end: m.index };
    extents?.push({ start: m.index, end: m.index + m[0].length });
    if (m[4] !== undefined) {
      for (const part of m[4].split(',')) {
        const [name, asname] = part.trim().split(/\s+as\s+/);
        if (/^[\w.]+$/.test(name)) out.push({ module: name, name: null, asname: asname && /^\w+$/.test(asname) ? asname : null, level: 0, span });
      }
    } else {
      const level = m[1].length;
      const names = m[3].replace(/[()\\\n]/g, ' ');
      for (const part of names.split(',')) {
        const [name, asname] = part.trim().split(/\s+as\s+/);
        if (/^(\w+|\*)$/.test(name)) out.push({ module: m[2], name, asname: asname && /^\w+$/.test(asname) ? asname : null, level, span });
      }
    }
  }
  return out;
}

/**
 * Does `text` call or use an attribute of a name bound by `imports` (`build_model(`,
 * `trainer.fit(`), outside the import lines themselves? An importer that only subclasses or
 * annotates with what it imports cannot hand its objects to the imported code.
 */
export function usesImportedNames(text: string, imports: readonly ImportFact[]): boolean {
  const names = new Set<string>();
  for (const imp of imports) {
    if (imp.name === '*') return true;
    names.add(imp.asname ?? (imp.name ?? imp.module.split('.')[0]));
  }
  if (names.size === 0) return false;
  const escaped = [...names].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const use = new RegExp(`\\b(?:${escaped.join('|')})\\s*[.(]`);
  return use.test(text.replace(IMPORT_LINE, ''));
}

