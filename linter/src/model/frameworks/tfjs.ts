/**
 * TensorFlow.js facts as data: how the names of `@tensorflow/tfjs` (lowered by
 * `model/ts/lower.ts` to the module `tfjs`) map onto the Keras names the interpreter models.
 * tfjs-layers is a port of Keras: `tf.layers.batchNormalization({momentum: 0.99, epsilon:
 * 0.001})` is Keras's `BatchNormalization(momentum=0.99, epsilon=0.001)` with the same
 * semantics (momentum is the decay of the moving average; `apply(x, {training})` is Keras's
 * `layer(x, training=...)`, and without `training` a layer runs in inference mode), and its
 * config keys are Keras's in camelCase (the lowering turns `useBias` into `use_bias`).
 *
 * Source: the TensorFlow.js 4.22 API reference (https://js.tensorflow.org/api/4.22.0/),
 * sections Layers, Models, Training (optimizers, `tf.variableGrads`) and Data.
 */

/** `tf.layers.<name>` factories → Keras layer class names (`keras.layers.<Class>`). */
const LAYERS: Readonly<Record<string, string>> = {
  batchNormalization: 'BatchNormalization',
  layerNormalization: 'LayerNormalization',
  dense: 'Dense',
  dropout: 'Dropout',
  spatialDropout1d: 'SpatialDropout1D',
  alphaDropout: 'AlphaDropout',
  gaussianDropout: 'GaussianDropout',
  gaussianNoise: 'GaussianNoise',
  conv1d: 'Conv1D',
  conv2d: 'Conv2D',
  conv3d: 'Conv3D',
  conv2dTranspose: 'Conv2DTranspose',
  conv3dTranspose: 'Conv3DTranspose',
  depthwiseConv2d: 'DepthwiseConv2D',
  separableConv2d: 'SeparableConv2D',
  maxPooling1d: 'MaxPooling1D',
  maxPooling2d: 'MaxPooling2D',
  maxPooling3d: 'MaxPooling3D',
  maxPool1d: 'MaxPooling1D',
  maxPool2d: 'MaxPooling2D',
  averagePooling1d: 'AveragePooling1D',
  averagePooling2d: 'AveragePooling2D',
  averagePooling3d: 'AveragePooling3D',
  avgPool1d: 'AveragePooling1D',
  avgPool2d: 'AveragePooling2D',
  avgPool3d: 'AveragePooling3D',
  globalAveragePooling1d: 'GlobalAveragePooling1D',
  globalAveragePooling2d: 'GlobalAveragePooling2D',
  globalMaxPooling1d: 'GlobalMaxPooling1D',
  globalMaxPooling2d: 'GlobalMaxPooling2D',
  globalMaxPool1d: 'GlobalMaxPooling1D',
  globalMaxPool2d: 'GlobalMaxPooling2D',
  activation: 'Activation',
  reLU: 'ReLU',
  leakyReLU: 'LeakyReLU',
  prelu: 'PReLU',
  elu: 'ELU',
  softmax: 'Softmax',
  thresholdedReLU: 'ThresholdedReLU',
  flatten: 'Flatten',
  reshape: 'Reshape',
  permute: 'Permute',
  repeatVector: 'RepeatVector',
  embedding: 'Embedding',
  lstm: 'LSTM',
  gru: 'GRU',
  simpleRNN: 'SimpleRNN',
  rnn: 'RNN',
  lstmCell: 'LSTMCell',
  gruCell: 'GRUCell',
  simpleRNNCell: 'SimpleRNNCell',
  convLstm2d: 'ConvLSTM2D',
  timeDistributed: 'TimeDistributed',
  bidirectional: 'Bidirectional',
  add: 'Add',
  concatenate: 'Concatenate',
  multiply: 'Multiply',
  average: 'Average',
  maximum: 'Maximum',
  minimum: 'Minimum',
  dot: 'Dot',
  zeroPadding2d: 'ZeroPadding2D',
  cropping2D: 'Cropping2D',
  upSampling2d: 'UpSampling2D',
  masking: 'Masking',
  rescaling: 'Rescaling',
  resizing: 'Resizing',
  centerCrop: 'CenterCrop',
  inputLayer: 'InputLayer',
};

/** Keras class → the tfjs factory name (the first listed wins: `maxPooling2d` over `maxPool2d`). */
const FACTORY_OF: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>();
  for (const [f, k] of Object.entries(LAYERS)) if (!m.has(k)) m.set(k, f);
  return m;
})();

/** Model-level functions of `tf` → Keras names. */
const TOP: Readonly<Record<string, string>> = {
  sequential: 'keras.Sequential',
  model: 'keras.Model',
  input: 'keras.Input',
  loadLayersModel: 'keras.models.load_model',
  Sequential: 'keras.Sequential',
  LayersModel: 'keras.Model',
};

/**
 * Canonicalizes a TensorFlow.js qualified name (`tfjs.layers.batchNormalization`) to the Keras
 * name the interpreter models (`keras.layers.BatchNormalization`): layer factories, the model
 * builders (`tf.sequential` → `keras.Sequential`, `tf.model` → `keras.Model`, `tf.input` →
 * `keras.Input`), `tf.loadLayersModel` (a model whose contents are unknown), `tf.layers.Layer`
 * (the base class of custom layers) and the dataset builders of `tf.data` (`array`, `zip`,
 * `generator`, `csv`..., unbatched: `tensorflow.data.Dataset.from_tensor_slices`). Other names
 * are returned unchanged.
 */
export function canonicalTfjsName(q: string): string {
  if (q === 'tfjs') return q;
  const rest = q.slice('tfjs.'.length);
  if (rest.startsWith('layers.')) {
    const name = rest.slice('layers.'.length);
    if (name === 'Layer') return 'keras.layers.Layer';
    if (name === 'input') return 'keras.Input';
    const k = LAYERS[name];
    return k ? `keras.layers.${k}` : q;
  }
  if (rest.startsWith('data.') && !rest.slice(5).includes('.')) return 'tensorflow.data.Dataset.from_tensor_slices';
  return TOP[rest] ?? q;
}

/** Whether a canonical name came from TensorFlow.js's own namespace (`tfjs.…`, not mapped). */
export function isTfjsName(q: string): boolean {
  return q === 'tfjs' || q.startsWith('tfjs.');
}

/**
 * Methods of tfjs models and datasets under their Keras names: `fitDataset` trains like
 * `fit` on a dataset, `trainOnBatch` is `train_on_batch`, `evaluateDataset` is `evaluate`,
 * `predictOnBatch` is `predict_on_batch`.
 */
const METHODS: Readonly<Record<string, string>> = {
  fitDataset: 'fit',
  trainOnBatch: 'train_on_batch',
  evaluateDataset: 'evaluate',
  predictOnBatch: 'predict_on_batch',
};

/** The Keras name of a method called in TypeScript/JavaScript code (see {@link METHODS}); others unchanged. */
export function kerasMethodName(m: string): string {
  return METHODS[m] ?? m;
}

/**
 * Functions that differentiate a closure (TensorFlow.js 4.22, Training → Gradients and
 * Optimizers): `optimizer.minimize(f)`, `tf.variableGrads(f)`, `tf.grads(f)`, `tf.grad(f)`,
 * `tf.valueAndGrads(f)`, `tf.valueAndGrad(f)`. The closure runs a training step: a layer applied
 * in it without `{training: true}` runs in inference mode.
 */
export const TFJS_GRADIENT_FUNCTIONS: ReadonlySet<string> = new Set(['tfjs.variableGrads', 'tfjs.grads', 'tfjs.grad', 'tfjs.valueAndGrads', 'tfjs.valueAndGrad']);

/** Display name of a Keras layer or model class in TensorFlow.js code (`BatchNormalization` → `tf.layers.batchNormalization`). */
export function tfjsDisplayName(kerasQ: string): string {
  if (kerasQ === 'keras.Sequential') return 'tf.sequential';
  if (kerasQ === 'keras.Model') return 'tf.model';
  if (kerasQ === 'keras.Input') return 'tf.input';
  const cls = kerasQ.slice(kerasQ.lastIndexOf('.') + 1);
  const f = FACTORY_OF.get(cls);
  return f ? `tf.layers.${f}` : cls;
}

/** A Keras option in TensorFlow.js's spelling: `use_bias` → `useBias` (tfjs-layers configs are Keras's in camelCase). */
export function tfjsOptionName(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A Python literal as TensorFlow.js writes it: `True` → `true`, `False` → `false`, `None` → `null`; others unchanged. */
export function tfjsLiteral(value: string): string {
  return value === 'True' ? 'true' : value === 'False' ? 'false' : value === 'None' ? 'null' : value;
}

/** The tfjs factory name of a Keras layer class (`LayerNormalization` → `layerNormalization`), or undefined. */
export function tfjsFactoryOf(kerasClass: string): string | undefined {
  return FACTORY_OF.get(kerasClass);
}
