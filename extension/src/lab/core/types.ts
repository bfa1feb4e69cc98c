/**
 * Types shared by the BN Lab simulation core.
 *
 * Shape notation used throughout the core: `N` batch, `C` channels (features), `L` length,
 * `H`/`W` height/width, `D` depth. PyTorch is channels-first: `[N, C]`, `[N, C, L]`,
 * `[N, C, H, W]`, `[N, C, D, H, W]`. Keras and TensorFlow.js default to channels-last:
 * `[N, C]`, `[N, L, C]`, `[N, H, W, C]`, `[N, D, H, W, C]`. Every tensor is float32.
 *
 * Framework facts carry their source; the full comparison with citations is
 * `shared/golden/SEMANTICS.md` (PyTorch 1.13.1, Keras 2 = tf.keras in TF 2.0–2.15, Keras 3,
 * TensorFlow.js 4.22.0).
 */
import type * as tf from '@tensorflow/tfjs';

/**
 * A framework whose BatchNorm semantics the core reproduces.
 *
 * - `pytorch`: `torch.nn.BatchNorm{1,2,3}d` (PyTorch 1.13.1).
 * - `keras2`: `tf.keras.layers.BatchNormalization` in TF 2.0–2.15 (and `tf_keras`), including the
 *   fused path for rank-4/5 inputs.
 * - `keras3`: `keras.layers.BatchNormalization` (`keras>=3`, `tf.keras` from TF 2.16).
 * - `tfjs`: `tf.layers.batchNormalization` in @tensorflow/tfjs 4.22.0.
 */
export type Framework = 'pytorch' | 'keras2' | 'keras3' | 'tfjs';

/** The frameworks with Keras semantics (momentum is a decay, biased moving variance, no counter). */
export type KerasFamily = Exclude<Framework, 'pytorch'>;

/**
 * Forward mode. `'train'` is PyTorch's `module.train()` and Keras/TensorFlow.js's `training=True`;
 * `'eval'` is `module.eval()` and `training=False` (the default of a direct Keras/TensorFlow.js call).
 */
export type Mode = 'train' | 'eval';

/** Where the channel axis is: `1` (`'channels-first'`) or the last axis (`'channels-last'`). */
export type Layout = 'channels-first' | 'channels-last';

/** Spatial dimensions of a PyTorch BatchNorm class: 1 → `BatchNorm1d`, 2 → `BatchNorm2d`, 3 → `BatchNorm3d`. */
export type SpatialDims = 1 | 2 | 3;

/** Hyperparameters every framework has. */
interface BatchNormConfigBase {
  /** Number of channels `C` (PyTorch `num_features`; in Keras/TensorFlow.js the size of the channel axis). */
  readonly numFeatures: number;
  /**
   * Added to the variance inside the square root: `(x − mean) / sqrt(var + eps)`.
   * Defaults: PyTorch 1e-5, Keras/TensorFlow.js 1e-3 (see `FRAMEWORK_FACTS`).
   */
  readonly eps: number;
  /**
   * Momentum in the framework's OWN convention.
   * - PyTorch: weight of the NEW batch, `r ← (1 − m)·r + m·s`; `null` = cumulative moving average
   *   with factor `1/num_batches_tracked`.
   * - Keras/TensorFlow.js: weight of the OLD value (a decay), `r ← m·r + (1 − m)·s`. Keras has no
   *   `null` (the simulation rejects it); TensorFlow.js 4.22.0 silently replaces `null` by 0.99.
   */
  readonly momentum: number | null;
  /**
   * "Frozen" layer. PyTorch: `weight/bias.requires_grad_(False)`, which only removes the
   * gradients (the layer still uses batch statistics and updates its buffers in train mode).
   * Keras 2/3: `trainable = False`, which ALSO switches the layer to inference mode (since TF 2.0).
   * TensorFlow.js: `trainable = false`, which only removes γ/β from the gradients.
   */
  readonly frozen: boolean;
}

/** `torch.nn.BatchNorm{1,2,3}d(num_features, eps, momentum, affine, track_running_stats)`; always channels-first. */
export interface TorchBatchNormConfig extends BatchNormConfigBase {
  readonly framework: 'pytorch';
  /** Which class: `BatchNorm1d` accepts `[N, C]` or `[N, C, L]`, `BatchNorm2d` `[N, C, H, W]`, `BatchNorm3d` `[N, C, D, H, W]`. */
  readonly dims: SpatialDims;
  /** Learnable per-channel `weight` (γ) and `bias` (β). */
  readonly affine: boolean;
  /**
   * Keep `running_mean`/`running_var`/`num_batches_tracked` buffers. When false the buffers are
   * `None` and eval mode ALSO normalizes with batch statistics.
   */
  readonly trackRunningStats: boolean;
}

/** `BatchNormalization(axis, momentum, epsilon, center, scale)` of Keras 2, Keras 3 or TensorFlow.js. */
export interface KerasBatchNormConfig extends BatchNormConfigBase {
  readonly framework: KerasFamily;
  /** `'channels-last'` is the default `axis=-1`; `'channels-first'` is `axis=1`. */
  readonly layout: Layout;
  /** Learnable offset β (`center=True`). */
  readonly center: boolean;
  /** Learnable scale γ (`scale=True`). */
  readonly scale: boolean;
}

/** Configuration of a `BatchNormSim`: a discriminated union on `framework`. */
export type BatchNormConfig = TorchBatchNormConfig | KerasBatchNormConfig;

/**
 * Initial values for a `BatchNormSim`, each of length `C`. Missing entries take the framework
 * initial values: weight (γ) 1, bias (β) 0, running mean 0, running variance 1, counter 0.
 */
export interface BatchNormInit {
  readonly weight?: ArrayLike<number>;
  readonly bias?: ArrayLike<number>;
  readonly runningMean?: ArrayLike<number>;
  readonly runningVar?: ArrayLike<number>;
  /** PyTorch `num_batches_tracked` (ignored by frameworks without a counter). */
  readonly numBatchesTracked?: number;
}

/**
 * A copy of the simulation state, each array of length `C`. Names are PyTorch's; Keras and
 * TensorFlow.js call them `gamma`, `beta`, `moving_mean`, `moving_variance`.
 */
export interface BatchNormSnapshot {
  /** γ; `null` without `affine` (PyTorch) or without `scale` (Keras/TensorFlow.js). */
  readonly weight: Float32Array | null;
  /** β; `null` without `affine` (PyTorch) or without `center` (Keras/TensorFlow.js). */
  readonly bias: Float32Array | null;
  /** `null` for PyTorch with `trackRunningStats: false`. */
  readonly runningMean: Float32Array | null;
  /** `null` for PyTorch with `trackRunningStats: false`. */
  readonly runningVar: Float32Array | null;
  /** PyTorch `num_batches_tracked`; `null` when not tracking and for Keras/TensorFlow.js (no counter). */
  readonly numBatchesTracked: number | null;
}

/** Per-channel statistics of the current batch, each `[C]`. The caller owns the tensors. */
export interface BatchStatistics {
  /** Batch mean over every axis but the channel axis. */
  readonly mean: tf.Tensor1D;
  /** BIASED batch variance (÷n): what every framework normalizes with in train mode. */
  readonly variance: tf.Tensor1D;
  /** Unbiased variance `variance·n/(n−1)` (what PyTorch folds into `running_var`); `null` when n = 1. */
  readonly varianceUnbiased: tf.Tensor1D | null;
  /** Values per channel, n = N·∏spatial. */
  readonly count: number;
}
