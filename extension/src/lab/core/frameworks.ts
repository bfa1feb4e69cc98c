/**
 * Framework facts (defaults and conventions) with their sources, and config helpers.
 *
 * Tags: [run] observed by the golden generators (PyTorch 1.13.1 CPU float32; @tensorflow/tfjs 4.22.0
 * CPU backend), [doc] official documentation, [src] framework source. Details and URLs:
 * `shared/golden/SEMANTICS.md` §1 and §6.
 */
import type {
  BatchNormConfig,
  Framework,
  KerasBatchNormConfig,
  KerasFamily,
  Layout,
  SpatialDims,
  TorchBatchNormConfig,
} from './types';

/** How a framework turns batch statistics `s` into running statistics `r`. */
export type MomentumMeaning =
  /** PyTorch: `r ← (1 − m)·r + m·s` (momentum weighs the NEW batch). */
  | 'weight-of-new-batch'
  /** Keras/TensorFlow.js: `r ← m·r + (1 − m)·s` (momentum is a decay of the OLD value). */
  | 'weight-of-old-value';

/** Which batch variance a framework folds into the running/moving variance. */
export type RunningVarianceEstimator =
  /** Unbiased `var_B·n/(n−1)` (PyTorch). */
  | 'unbiased'
  /** Biased `var_B` (Keras 3, TensorFlow.js). */
  | 'biased'
  /** Unbiased on the fused path (rank-4/5 input), biased otherwise (Keras 2; tensorflow/tensorflow#55545). */
  | 'unbiased-when-fused';

/** Defaults and conventions of one framework's BatchNorm layer. */
export interface FrameworkFacts {
  /** Display name with the version the facts were established for. */
  readonly label: string;
  /** Default `eps`/`epsilon`. */
  readonly defaultEps: number;
  /** Default momentum in the framework's own convention. */
  readonly defaultMomentum: number;
  readonly momentumMeaning: MomentumMeaning;
  readonly runningVariance: RunningVarianceEstimator;
  /** Default channel layout. */
  readonly defaultLayout: Layout;
  /** Default epsilon of the framework's LayerNormalization. */
  readonly layerNormDefaultEps: number;
  /** Names of γ, β, running mean, running variance. */
  readonly names: { readonly weight: string; readonly bias: string; readonly runningMean: string; readonly runningVar: string };
  /** Where the facts come from. */
  readonly sources: readonly string[];
}

const KERAS_NAMES = { weight: 'gamma', bias: 'beta', runningMean: 'moving_mean', runningVar: 'moving_variance' } as const;

/** Facts per framework. See SEMANTICS.md §1 for the full table. */
export const FRAMEWORK_FACTS: Readonly<Record<Framework, FrameworkFacts>> = {
  pytorch: {
    label: 'PyTorch 1.13.1',
    defaultEps: 1e-5, // [doc][run]
    defaultMomentum: 0.1, // [doc][run]
    momentumMeaning: 'weight-of-new-batch', // [doc][run]
    runningVariance: 'unbiased', // [doc][run]
    defaultLayout: 'channels-first', // [doc]
    layerNormDefaultEps: 1e-5, // [doc]
    names: { weight: 'weight', bias: 'bias', runningMean: 'running_mean', runningVar: 'running_var' },
    sources: [
      'https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm1d.html',
      'https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html',
      'https://github.com/pytorch/pytorch/blob/main/torch/nn/modules/batchnorm.py',
      'https://github.com/pytorch/pytorch/blob/main/torch/nn/functional.py',
    ],
  },
  keras2: {
    label: 'Keras 2 (tf.keras, TF 2.0–2.15)',
    defaultEps: 1e-3, // [doc]
    defaultMomentum: 0.99, // [doc]
    momentumMeaning: 'weight-of-old-value', // [doc]
    runningVariance: 'unbiased-when-fused', // [src] fused kernel applies Bessel's correction
    defaultLayout: 'channels-last', // [doc] axis=-1
    layerNormDefaultEps: 1e-3, // [doc]
    names: KERAS_NAMES,
    sources: [
      'https://www.tensorflow.org/api_docs/python/tf/keras/layers/BatchNormalization',
      'https://github.com/keras-team/keras/blob/ef2b7f8b315e7c759e421966a9293270ee39f86b/keras/layers/normalization/batch_normalization.py',
      'https://github.com/tensorflow/tensorflow/blob/master/tensorflow/core/kernels/fused_batch_norm_op.cc',
      'https://github.com/tensorflow/tensorflow/issues/55545',
    ],
  },
  keras3: {
    label: 'Keras 3',
    defaultEps: 1e-3, // [src]
    defaultMomentum: 0.99, // [src]
    momentumMeaning: 'weight-of-old-value', // [src]
    runningVariance: 'biased', // [src] ops.moments, no fused path
    defaultLayout: 'channels-last', // [src] axis=-1
    layerNormDefaultEps: 1e-3, // [src]
    names: KERAS_NAMES,
    sources: ['https://github.com/keras-team/keras/blob/master/keras/src/layers/normalization/batch_normalization.py'],
  },
  tfjs: {
    label: 'TensorFlow.js 4.22.0',
    defaultEps: 1e-3, // [run]
    defaultMomentum: 0.99, // [run]
    momentumMeaning: 'weight-of-old-value', // [src][run]
    runningVariance: 'biased', // [run] matches an EMA of the biased batch variance to 7e-7
    defaultLayout: 'channels-last', // [run] axis=-1
    layerNormDefaultEps: 1e-3, // [run]
    names: KERAS_NAMES,
    sources: [
      'https://app.unpkg.com/@tensorflow/tfjs-layers@4.22.0/files/dist/layers/normalization.js',
      'https://js.tensorflow.org/api/latest/#layers.batchNormalization',
    ],
  },
};

/** PyTorch `BatchNorm{1,2,3}d` class name for a spatial dimension count. */
export function torchClassName(dims: SpatialDims): string {
  return `BatchNorm${dims}d`;
}

/**
 * A framework's default BatchNorm configuration for `numFeatures` channels (override fields with a
 * spread: `{ ...defaultBatchNormConfig('pytorch', 4), momentum: null }`).
 *
 * @param dims PyTorch only: the class (`BatchNorm1d` by default).
 * @throws RangeError if `numFeatures` is not a positive integer.
 */
export function defaultBatchNormConfig(framework: 'pytorch', numFeatures: number, dims?: SpatialDims): TorchBatchNormConfig;
export function defaultBatchNormConfig(framework: KerasFamily, numFeatures: number): KerasBatchNormConfig;
export function defaultBatchNormConfig(framework: Framework, numFeatures: number, dims?: SpatialDims): BatchNormConfig;
export function defaultBatchNormConfig(framework: Framework, numFeatures: number, dims: SpatialDims = 1): BatchNormConfig {
  const facts = FRAMEWORK_FACTS[framework];
  const common = { numFeatures, eps: facts.defaultEps, momentum: facts.defaultMomentum, frozen: false };
  const config: BatchNormConfig =
    framework === 'pytorch'
      ? { framework, dims, affine: true, trackRunningStats: true, ...common }
      : { framework, layout: facts.defaultLayout, center: true, scale: true, ...common };
  validateBatchNormConfig(config);
  return config;
}

/**
 * Checks that a config is one the framework accepts.
 *
 * @throws RangeError for a non-positive or non-integer `numFeatures`, a negative or non-finite
 *   `eps`, a non-finite momentum, `momentum: null` in Keras 2/3 (no cumulative-average mode), or
 *   `dims` outside 1–3.
 */
export function validateBatchNormConfig(config: BatchNormConfig): void {
  if (!Number.isInteger(config.numFeatures) || config.numFeatures < 1) {
    throw new RangeError(`numFeatures must be a positive integer, got ${config.numFeatures}`);
  }
  if (!Number.isFinite(config.eps) || config.eps < 0) {
    throw new RangeError(`eps must be a finite number >= 0, got ${config.eps}`);
  }
  if (config.momentum !== null && !Number.isFinite(config.momentum)) {
    throw new RangeError(`momentum must be a finite number or null, got ${config.momentum}`);
  }
  if (config.framework === 'pytorch') {
    if (config.dims !== 1 && config.dims !== 2 && config.dims !== 3) {
      throw new RangeError(`dims must be 1, 2 or 3, got ${String(config.dims)}`);
    }
  } else if (config.momentum === null && config.framework !== 'tfjs') {
    throw new RangeError(`${FRAMEWORK_FACTS[config.framework].label} has no cumulative moving average (momentum=None); give a decay such as 0.99`);
  }
}

/**
 * The momentum a layer actually uses, in its own convention. TensorFlow.js 4.22.0 replaces a
 * `null`/`undefined` momentum by its default 0.99 without a warning [run]; PyTorch keeps `null`
 * (cumulative moving average).
 */
export function effectiveMomentum(config: BatchNormConfig): number | null {
  if (config.momentum === null && config.framework === 'tfjs') return FRAMEWORK_FACTS.tfjs.defaultMomentum;
  return config.momentum;
}

/**
 * Converts a Keras/TensorFlow.js momentum (decay of the old value) to PyTorch's (weight of the new
 * batch): `m_torch = 1 − m_keras`. Keras 0.99 ⇔ PyTorch 0.01; PyTorch 0.1 ⇔ Keras 0.9.
 */
export function torchMomentumFromKeras(kerasMomentum: number): number {
  return 1 - kerasMomentum;
}

/** Inverse of {@link torchMomentumFromKeras}: `m_keras = 1 − m_torch`. */
export function kerasMomentumFromTorch(torchMomentum: number): number {
  return 1 - torchMomentum;
}

/** Channel layout of a config (PyTorch is always channels-first). */
export function layoutOf(config: BatchNormConfig): Layout {
  return config.framework === 'pytorch' ? 'channels-first' : config.layout;
}

/** Whether the layer has a learnable γ (PyTorch `affine`, Keras `scale`). */
export function hasWeight(config: BatchNormConfig): boolean {
  return config.framework === 'pytorch' ? config.affine : config.scale;
}

/** Whether the layer has a learnable β (PyTorch `affine`, Keras `center`). */
export function hasBias(config: BatchNormConfig): boolean {
  return config.framework === 'pytorch' ? config.affine : config.center;
}

/** Whether the layer keeps running/moving statistics (only PyTorch can turn them off). */
export function tracksRunningStats(config: BatchNormConfig): boolean {
  return config.framework === 'pytorch' ? config.trackRunningStats : true;
}
