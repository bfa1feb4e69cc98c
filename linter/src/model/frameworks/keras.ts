/**
 * Keras facts as data: layer classes with their constructor signatures and defaults, the model
 * classes, and how the many import paths of Keras map to one qualified name.
 *
 * Sources: the Keras 3 API reference (https://keras.io/api/layers/) and the Keras 3.16 sources
 * (`keras/src/layers/**`, `__init__` signatures as written there); the `tf.keras` 2.x
 * (TensorFlow 2.15) and `tf_keras` 2.x signatures agree on every parameter listed here up to
 * the `*` entry (parameters after it differ between versions and are matched by keyword only).
 *
 * Shapes: Keras is channels-last by default. A `Conv2D` maps `[N, H, W, C]` to
 * `[N, H', W', filters]` (`data_format="channels_first"`: `[N, C, H, W]`); `Dense` maps
 * `[N, ..., F]` to `[N, ..., units]`; recurrent layers map `[N, T, F]` to `[N, units]`, or to
 * `[N, T, units]` with `return_sequences=True`. `BatchNormalization` normalizes `axis` (default
 * -1, the channels of channels-last data) over every other axis, and infers its channel count
 * when it is built, so it has no `num_features` to get wrong.
 */
import type { LayerKind, LayerSpec, ParamSpec } from './pytorch';
import { canonicalTfjsName } from './tfjs';

/**
 * `BatchNormalization` (and `SyncBatchNormalization`): `momentum` is the decay of the moving
 * average (`moving = momentum·moving + (1 − momentum)·batch`, default 0.99; PyTorch's 0.1 is
 * the weight of the new batch), `epsilon` 1e-3 (PyTorch: 1e-5). Keras 3.16
 * `keras/src/layers/normalization/batch_normalization.py`; `synchronized` (Keras ≥ 3.0) replaces
 * TF 2.x's `SyncBatchNormalization`.
 */
const BN_PARAMS: ParamSpec[] = [
  { name: 'axis', def: '-1' },
  { name: 'momentum', def: '0.99' },
  { name: 'epsilon', def: '0.001' },
  { name: 'center', def: 'True' },
  { name: 'scale', def: 'True' },
  { name: '*' },
  { name: 'synchronized', def: 'False' },
];

/** Convolutions: `(filters, kernel_size, strides, padding, data_format, dilation_rate, groups, activation, use_bias)`. */
function convParams(d: number): ParamSpec[] {
  const one = d === 1 ? '1' : `(${Array(d).fill('1').join(', ')})`;
  return [
    { name: 'filters' },
    { name: 'kernel_size' },
    { name: 'strides', def: one },
    { name: 'padding', def: "'valid'" },
    { name: 'data_format', def: 'None' },
    { name: 'dilation_rate', def: one },
    { name: 'groups', def: '1' },
    { name: 'activation', def: 'None' },
    { name: 'use_bias', def: 'True' },
  ];
}

/** Transposed convolutions: `(filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate, activation, use_bias)`. */
function convTransposeParams(d: number): ParamSpec[] {
  const one = d === 1 ? '1' : `(${Array(d).fill('1').join(', ')})`;
  return [
    { name: 'filters' },
    { name: 'kernel_size' },
    { name: 'strides', def: one },
    { name: 'padding', def: "'valid'" },
    { name: 'output_padding', def: 'None' },
    { name: 'data_format', def: 'None' },
    { name: 'dilation_rate', def: one },
    { name: 'activation', def: 'None' },
    { name: 'use_bias', def: 'True' },
  ];
}

/** `DepthwiseConv{1,2}D(kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate, activation, use_bias)`: output channels = input channels × `depth_multiplier`. */
function depthwiseParams(d: number): ParamSpec[] {
  const one = d === 1 ? '1' : '(1, 1)';
  return [
    { name: 'kernel_size' },
    { name: 'strides', def: one },
    { name: 'padding', def: "'valid'" },
    { name: 'depth_multiplier', def: '1' },
    { name: 'data_format', def: 'None' },
    { name: 'dilation_rate', def: one },
    { name: 'activation', def: 'None' },
    { name: 'use_bias', def: 'True' },
  ];
}

/** `SeparableConv{1,2}D(filters, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier, activation, use_bias)`. */
function separableParams(d: number): ParamSpec[] {
  const one = d === 1 ? '1' : '(1, 1)';
  return [
    { name: 'filters' },
    { name: 'kernel_size' },
    { name: 'strides', def: one },
    { name: 'padding', def: "'valid'" },
    { name: 'data_format', def: 'None' },
    { name: 'dilation_rate', def: one },
    { name: 'depth_multiplier', def: '1' },
    { name: 'activation', def: 'None' },
    { name: 'use_bias', def: 'True' },
  ];
}

/** `Dense(units, activation=None, use_bias=True, ...)`. */
const DENSE_PARAMS: ParamSpec[] = [{ name: 'units' }, { name: 'activation', def: 'None' }, { name: 'use_bias', def: 'True' }];

/**
 * Recurrent layers: `units` first; `return_sequences`/`return_state` come after a dozen
 * initializers and regularizers whose order differs between versions, so keyword only.
 */
const RNN_PARAMS: ParamSpec[] = [{ name: 'units' }, { name: '*' }, { name: 'return_sequences', def: 'False' }, { name: 'return_state', def: 'False' }];
/** `ConvLSTM{1,2,3}D(filters, kernel_size, ...)`, keyword-only `return_sequences`. */
const CONV_RNN_PARAMS: ParamSpec[] = [{ name: 'filters' }, { name: 'kernel_size' }, { name: '*' }, { name: 'data_format', def: 'None' }, { name: 'return_sequences', def: 'False' }, { name: 'return_state', def: 'False' }];

const K = 'keras.layers.';
type Draft = Omit<LayerSpec, 'framework'>;
const table: Record<string, Draft> = {};
const add = (names: string[], spec: Draft): void => {
  for (const n of names) table[`${K}${n}`] = spec;
};

add(['BatchNormalization', 'SyncBatchNormalization'], { kind: 'batchnorm', dims: null, params: BN_PARAMS });
add(['LayerNormalization'], {
  kind: 'layernorm', dims: null,
  params: [{ name: 'axis', def: '-1' }, { name: 'epsilon', def: '0.001' }, { name: 'center', def: 'True' }, { name: 'scale', def: 'True' }],
});
add(['GroupNormalization'], {
  kind: 'groupnorm', dims: null,
  params: [{ name: 'groups', def: '32' }, { name: 'axis', def: '-1' }, { name: 'epsilon', def: '0.001' }, { name: 'center', def: 'True' }, { name: 'scale', def: 'True' }],
});
for (const d of [1, 2, 3]) {
  add([`Conv${d}D`, `Convolution${d}D`], { kind: 'conv', dims: d, params: convParams(d), outParam: 'filters', biasParam: 'use_bias' });
  add([`Conv${d}DTranspose`, `Convolution${d}DTranspose`], { kind: 'convtranspose', dims: d, params: convTransposeParams(d), outParam: 'filters', biasParam: 'use_bias' });
  add([`MaxPooling${d}D`, `AveragePooling${d}D`, `MaxPool${d}D`, `AvgPool${d}D`], { kind: 'pool', dims: d, params: [] });
  add([`GlobalAveragePooling${d}D`, `GlobalMaxPooling${d}D`, `GlobalAvgPool${d}D`, `GlobalMaxPool${d}D`], { kind: 'pool', dims: d, params: [], reduces: true });
  add([`SpatialDropout${d}D`], { kind: 'dropout', dims: d, params: [{ name: 'rate' }] });
  add([`ConvLSTM${d}D`], { kind: 'recurrent', dims: d, params: CONV_RNN_PARAMS });
}
for (const d of [1, 2]) {
  add([`DepthwiseConv${d}D`], { kind: 'conv', dims: d, params: depthwiseParams(d), biasParam: 'use_bias' });
  add([`SeparableConv${d}D`, `SeparableConvolution${d}D`], { kind: 'conv', dims: d, params: separableParams(d), outParam: 'filters', biasParam: 'use_bias' });
}
add(['Dense'], { kind: 'linear', dims: null, params: DENSE_PARAMS, outParam: 'units', biasParam: 'use_bias' });
add(['Dropout', 'AlphaDropout', 'GaussianDropout'], { kind: 'dropout', dims: null, params: [{ name: 'rate' }] });
add(['Activation'], { kind: 'activation', dims: null, params: [{ name: 'activation' }] });
add(['ReLU', 'LeakyReLU', 'PReLU', 'ELU', 'Softmax', 'ThresholdedReLU'], { kind: 'activation', dims: null, params: [] });
add(['Flatten'], { kind: 'flatten', dims: null, params: [], reduces: true });
add(['Identity'], { kind: 'identity', dims: null, params: [] });
add(['LSTM', 'GRU', 'SimpleRNN', 'CuDNNLSTM', 'CuDNNGRU'], { kind: 'recurrent', dims: null, params: RNN_PARAMS });
add(['RNN'], { kind: 'recurrent', dims: null, params: [{ name: 'cell' }, { name: 'return_sequences', def: 'False' }, { name: 'return_state', def: 'False' }] });
add(['LSTMCell', 'GRUCell', 'SimpleRNNCell'], { kind: 'recurrent', dims: null, params: [{ name: 'units' }] });
add(['MultiHeadAttention'], { kind: 'attention', dims: null, params: [{ name: 'num_heads' }, { name: 'key_dim' }] });
add(['Attention', 'AdditiveAttention', 'GroupedQueryAttention'], { kind: 'attention', dims: null, params: [] });
add(['TimeDistributed'], { kind: 'container', dims: null, params: [{ name: 'layer' }], wrapper: true });
add(['Bidirectional'], { kind: 'container', dims: null, params: [{ name: 'layer' }, { name: 'merge_mode', def: "'concat'" }], wrapper: true });

/** Model classes: `Sequential(layers=None, ...)` (a container), `Model(inputs, outputs)` (functional). */
const MODEL_SPECS: Record<string, Draft> = {
  'keras.Sequential': { kind: 'container', dims: null, params: [{ name: 'layers', def: 'None' }] },
  'keras.Model': { kind: 'model', dims: null, params: [{ name: 'inputs' }, { name: 'outputs' }] },
};

/** Every other `keras.layers` class (Reshape, Embedding, Add, Lambda, preprocessing...): shape-changing or unmodelled. */
const OTHER: LayerSpec = { kind: 'other', framework: 'keras', dims: null, params: [] };

const specs: Record<string, LayerSpec> = {};
for (const [q, s] of Object.entries({ ...table, ...MODEL_SPECS })) specs[q] = { ...s, framework: 'keras' };

/** Keras layer and model classes by canonical qualified name (`keras.layers.BatchNormalization`, `keras.Sequential`). */
export const KERAS_LAYERS: Readonly<Record<string, LayerSpec>> = specs;

/** Keras packages and their aliases, longest first: each maps to `keras.` (Keras 3, `tf.keras`, `tf_keras`, internals). */
const KERAS_PREFIXES = [
  'tensorflow.compat.v1.keras',
  'tensorflow.compat.v2.keras',
  'tensorflow.python.keras',
  'keras.api._v2.keras',
  'tensorflow.keras',
  'tf_keras.src',
  'keras.src',
  'keras.api',
  'tf_keras',
];

/** Submodules that define the model classes (`keras.models.Sequential`, `keras.engine.training.Model`, `keras.src.models.functional.Functional`). */
const MODEL_MODULES = /^keras\.(?:models|engine|src\.models)(?:\.[a-z_]+)*\.(Sequential|Model|Functional)$/;

/**
 * Canonicalizes a Keras qualified name: every import path of Keras 3, `tf.keras` (through
 * `import tensorflow as tf`), `tf_keras` and their internal modules becomes `keras.…`;
 * `keras.layers.normalization.batch_normalization.BatchNormalization` → `keras.layers.BatchNormalization`;
 * `keras.models.Sequential` → `keras.Sequential`; `keras.applications.resnet50.ResNet50` →
 * `keras.applications.ResNet50`; `keras.layers.Input` → `keras.Input`. Other names are returned
 * unchanged. TensorFlow.js names (`tfjs.layers.batchNormalization`) map onto the same Keras
 * names (see `tfjs.ts`).
 */
export function canonicalKerasName(q: string): string {
  if (q === 'tfjs' || q.startsWith('tfjs.')) return canonicalTfjsName(q);
  let out = q;
  for (const p of KERAS_PREFIXES) {
    if (out === p) return 'keras';
    if (out.startsWith(`${p}.`)) {
      out = `keras.${out.slice(p.length + 1)}`;
      break;
    }
  }
  if (!out.startsWith('keras.')) return q;
  const last = out.slice(out.lastIndexOf('.') + 1);
  const capital = /^[A-Z]/.test(last);
  if (out === 'keras.layers.Input' || out === 'keras.layers.InputLayer' || (out.startsWith('keras.') && /\.input_layer\.Input$/.test(out))) return 'keras.Input';
  const m = MODEL_MODULES.exec(out);
  if (m) return m[1] === 'Sequential' ? 'keras.Sequential' : 'keras.Model';
  if (capital && out.startsWith('keras.layers.') && out.split('.').length > 3) {
    // keras.layers.normalization.batch_normalization.BatchNormalization, keras.layers.experimental.SyncBatchNormalization
    if (out.split('.').slice(2, -1).every((s) => /^[a-z_0-9]+$/.test(s))) return `${K}${last}`;
  }
  if (capital && out.startsWith('keras.applications.') && out.split('.').length === 4) return `keras.applications.${last}`;
  if (out === 'keras.engine.base_layer.Layer' || out === 'keras.layers.layer.Layer') return 'keras.layers.Layer';
  return out;
}

/** Is `q` (canonical) a Keras name? */
export function isKerasName(q: string): boolean {
  return q === 'keras' || q.startsWith('keras.');
}

/**
 * The spec of a Keras layer or model class (canonical name), or undefined. Any other
 * capitalized `keras.layers` class is an `other` layer: it ends adjacency and keeps the path.
 */
export function kerasLayer(q: string): LayerSpec | undefined {
  const s = KERAS_LAYERS[q];
  if (s) return s;
  if (q.startsWith(K) && /^[A-Z]/.test(q.slice(K.length)) && !q.slice(K.length).includes('.') && !KERAS_BASES.has(q)) return OTHER;
  return undefined;
}

/** Keras base classes: a project class deriving from one is a Keras layer or model (its forward pass is `call()`). */
export const KERAS_BASES: ReadonlySet<string> = new Set(['keras.Model', 'keras.Sequential', 'keras.layers.Layer', 'keras.Layer', 'keras.layers.Wrapper']);

/** `keras.Input(shape=...)`: a symbolic tensor, the start of a functional model. */
export const KERAS_INPUT = 'keras.Input';

/** Keras functions that load a saved model (contents unknown). */
export const KERAS_LOADERS: ReadonlySet<string> = new Set(['keras.models.load_model', 'keras.saving.load_model']);

/**
 * Dataset builders with a batch size, by canonical name: parameter position and default.
 * Keras 3.16 `keras/src/utils/*_dataset_utils.py` (`image_dataset_from_directory(directory,
 * labels, label_mode, class_names, color_mode, batch_size=32, ...)`, `text_...`/`audio_...`
 * `batch_size=32`, `timeseries_dataset_from_array(..., batch_size=128)`); the legacy
 * `ImageDataGenerator.flow(x, y, batch_size=32)` and `flow_from_directory(directory,
 * target_size, color_mode, classes, class_mode, batch_size=32)` (tf.keras 2.15).
 */
export const KERAS_BATCHED_DATASETS: Readonly<Record<string, { index: number; def: number }>> = {
  'keras.utils.image_dataset_from_directory': { index: 5, def: 32 },
  'keras.preprocessing.image_dataset_from_directory': { index: 5, def: 32 },
  'keras.utils.text_dataset_from_directory': { index: 5, def: 32 },
  'keras.preprocessing.text_dataset_from_directory': { index: 5, def: 32 },
  'keras.utils.audio_dataset_from_directory': { index: 5, def: 32 },
  'keras.utils.timeseries_dataset_from_array': { index: 6, def: 128 },
  'keras.preprocessing.timeseries_dataset_from_array': { index: 6, def: 128 },
};

/** `ImageDataGenerator` iterator methods: position and default of `batch_size`. */
export const KERAS_GENERATOR_FLOWS: Readonly<Record<string, { index: number; def: number }>> = {
  flow: { index: 2, def: 32 },
  flow_from_directory: { index: 5, def: 32 },
  flow_from_dataframe: { index: 6, def: 32 },
};

/** `Model.fit(x, y, batch_size=None, epochs=1, ...)`: position of `batch_size` (Keras 3.16 `keras/src/trainers/trainer.py`). */
export const FIT_BATCH_INDEX = 2;

/** Methods of `tf.data.Dataset` that keep the batch structure of their receiver. */
export const DATASET_KEEPS_BATCH: ReadonlySet<string> = new Set([
  'shuffle', 'map', 'prefetch', 'cache', 'repeat', 'filter', 'take', 'skip', 'with_options', 'apply', 'shard', 'ignore_errors', 'cardinality', 'assert_cardinality', 'options',
]);

/** Keras layer names (the last segment), for the syntactic pre-passes. */
export const KERAS_LAYER_NAMES: ReadonlySet<string> = new Set(Object.keys(table).map((q) => q.slice(q.lastIndexOf('.') + 1)));

/** Layer kinds whose output keeps the channel count and layout (activations, dropout). */
export const KERAS_PRESERVING: ReadonlySet<LayerKind> = new Set<LayerKind>(['activation', 'dropout', 'identity']);
