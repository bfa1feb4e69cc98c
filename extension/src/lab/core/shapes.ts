/**
 * Shape helpers for channel-wise operations in either layout, plus tensor bookkeeping utilities.
 */
import * as tf from '@tensorflow/tfjs';
import { centerScaleShift, reductionShadersActive, sumAxes13, sumSquaredDeviations13 } from './kernels';
import type { Layout } from './types';

/** Index of the channel axis of a rank-`rank` tensor: 1 (channels-first) or `rank − 1` (channels-last). */
export function channelAxis(rank: number, layout: Layout): number {
  return layout === 'channels-first' ? 1 : rank - 1;
}

/** Every axis but the channel axis, ascending: `[0, 2, …, rank−1]` or `[0, …, rank−2]`. */
export function reductionAxes(rank: number, layout: Layout): number[] {
  const channel = channelAxis(rank, layout);
  return Array.from({ length: rank }, (_, i) => i).filter((i) => i !== channel);
}

/** Product of the dimensions of `shape` (1 for an empty shape). */
export function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Reshapes a per-channel `[C]` tensor so that it broadcasts against a rank-`rank` input:
 * `[1, C, 1, …]` for channels-first with rank > 2, unchanged otherwise (a trailing `[C]` broadcasts).
 */
export function broadcastPerChannel(t: tf.Tensor, rank: number, layout: Layout): tf.Tensor {
  if (layout === 'channels-last' || rank <= 2) return t;
  const shape = Array.from({ length: rank }, (_, i) => (i === 1 ? t.size : 1));
  return tf.reshape(t, shape);
}

/**
 * Per-channel arithmetic on a tensor of either layout. Channels-first `[N, C, *S]` is viewed as
 * `[N, C·S]` with per-channel operands tiled to `[C·S]`; channels-last `[…, C]` as `[M, C]` with
 * operands `[C]`. So every full-size binary op is 2-D or 3-D and broadcasts its operand along
 * TRAILING axes only: the TensorFlow.js CPU backend runs such ops on a flat-index fast path
 * (`i % operand.length`), while broadcasting along a middle axis (a `[1, C, 1, 1]` operand) converts
 * every index to coordinates and back, about 10× slower (`createSimpleBinaryKernelImpl`,
 * @tensorflow/tfjs-backend-cpu 4.22.0). With the WebGL shaders of `core/kernels.ts` active, the
 * means, variances and the normalization run there instead (one pass each, no tiles). Every method
 * is differentiable; call them inside `tf.tidy`.
 */
export class ChannelView {
  /** Number of channels C. */
  readonly channels: number;
  /** Values per channel, n = N·∏spatial. */
  readonly count: number;
  private readonly stack: StackedChannelView;

  /**
   * @param shape input shape (rank ≥ 2).
   * @param layout where the channel axis is.
   */
  constructor(
    readonly shape: readonly number[],
    readonly layout: Layout,
  ) {
    this.stack = new StackedChannelView(1, shape, layout);
    this.channels = this.stack.channels;
    this.count = this.stack.count;
  }

  /** The input as a 2-D view: `[N, C·S]` (channels-first) or `[M, C]` (channels-last). */
  flatten(x: tf.Tensor): tf.Tensor2D {
    const [, rows, cols] = this.stack.viewShape;
    return tf.reshape(x, [rows, cols]);
  }

  /** A 2-D view back in the input's shape. */
  unflatten(v: tf.Tensor): tf.Tensor {
    return tf.reshape(v, [...this.shape]);
  }

  /** A per-channel `[C]` tensor as an operand of the 2-D view (tiled to `[C·S]` for channels-first). */
  operand(perChannel: tf.Tensor): tf.Tensor {
    return this.stack.operand(perChannel);
  }

  /** Per-channel mean `[C]` of a 2-D view (sums accumulate in float64 on the CPU backend). */
  mean(v: tf.Tensor): tf.Tensor1D {
    return tf.reshape(this.stack.mean(v), [this.channels]);
  }

  /** Per-channel biased variance `[C]` of a 2-D view around `mean` `[C]`; see {@link StackedChannelView.variance}. */
  variance(v: tf.Tensor, mean: tf.Tensor, centered?: tf.Tensor): tf.Tensor1D {
    return tf.reshape(this.stack.variance(v, tf.reshape(mean, [1, this.channels]), centered), [this.channels]);
  }

  /** `(v − mean)·scale + bias` per channel (`[C]` each); see {@link StackedChannelView.normalize}. */
  normalize(v: tf.Tensor, mean: tf.Tensor, scale: tf.Tensor, bias: tf.Tensor | null, centered?: tf.Tensor): tf.Tensor {
    const perGroup = (t: tf.Tensor): tf.Tensor => tf.reshape(t, [1, this.channels]);
    return tf.reshape(this.stack.normalize(v, perGroup(mean), perGroup(scale), bias, centered), this.stack.viewShape.slice(1));
  }
}

/**
 * {@link ChannelView} for a stack of G independent batches `[G, ...shape]`, each with its own
 * per-channel statistics `[G, C]`; parameters shared by every batch (γ, β, running statistics) are
 * `[C]` operands. Channels-first `[G, N, C, *S]` is viewed as `[G, N, C·S]`, channels-last
 * `[G, …, C]` as `[G, M, C]`. Used to run many same-shaped batches in a few large tensor ops
 * instead of many small ones (each op is one shader dispatch on WebGL). Every method is
 * differentiable; call them inside `tf.tidy`.
 */
export class StackedChannelView {
  /** Number of channels C. */
  readonly channels: number;
  /** Values per channel in ONE batch, n = N·∏spatial. */
  readonly count: number;
  /** Shape of the 3-D view of the whole stack: `[G, N, C·S]` or `[G, M, C]`. */
  readonly viewShape: readonly [number, number, number];
  /** The same as 4-D `[G, rows, C, S]` (channel on axis 2): the layout of `core/kernels.ts`'s shaders. */
  readonly splitShape: readonly [number, number, number, number];
  private readonly spatial: number;
  private readonly rows: number;

  /**
   * @param groups number of stacked batches G.
   * @param shape shape of ONE batch (rank ≥ 2).
   * @param layout where the channel axis is.
   */
  constructor(
    readonly groups: number,
    readonly shape: readonly number[],
    readonly layout: Layout,
  ) {
    this.channels = shape[channelAxis(shape.length, layout)]!;
    this.count = product(shape) / this.channels;
    this.spatial = layout === 'channels-first' ? product(shape.slice(2)) : 1;
    this.rows = layout === 'channels-first' ? shape[0]! : this.count;
    this.viewShape = [groups, this.rows, this.channels * this.spatial];
    this.splitShape = [groups, this.rows, this.channels, this.spatial];
  }

  /** The stack as a 3-D view {@link StackedChannelView.viewShape}. */
  flatten(xs: tf.Tensor): tf.Tensor3D {
    return tf.reshape(xs, [...this.viewShape]);
  }

  /** A 3-D view back in the stack's shape `[G, ...shape]`. */
  unflatten(v: tf.Tensor): tf.Tensor {
    return tf.reshape(v, [this.groups, ...this.shape]);
  }

  /** A per-channel `[C]` tensor shared by every batch, as a `[C·S]` operand of the 3-D view. */
  operand(perChannel: tf.Tensor): tf.Tensor {
    if (this.spatial === 1) return perChannel;
    const tiled = tf.tile(tf.reshape(perChannel, [this.channels, 1]), [1, this.spatial]);
    return tf.reshape(tiled, [this.channels * this.spatial]);
  }

  /**
   * Per-batch, per-channel values `[G, C]` as a `[G, 1, C·S]` operand of the 3-D view (`[C·S]` for a
   * single batch, which keeps the CPU backend on its trailing-broadcast fast path).
   */
  groupOperand(perGroupChannel: tf.Tensor): tf.Tensor {
    if (this.groups === 1) return this.operand(tf.reshape(perGroupChannel, [this.channels]));
    if (this.spatial === 1) return tf.reshape(perGroupChannel, [this.groups, 1, this.channels]);
    const tiled = tf.tile(tf.reshape(perGroupChannel, [this.groups, this.channels, 1]), [1, 1, this.spatial]);
    return tf.reshape(tiled, [this.groups, 1, this.channels * this.spatial]);
  }

  /** Per-batch, per-channel mean `[G, C]` of a 3-D view (sums accumulate in float64 on the CPU backend). */
  mean(v: tf.Tensor): tf.Tensor2D {
    return sumAxes13(this.split(v), { divisor: this.count });
  }

  /**
   * Per-batch, per-channel biased variance `[G, C]` of a 3-D view around `mean` `[G, C]`: the mean of
   * squared deviations (the second pass of a two-pass variance). With the WebGL reduction shaders the
   * deviations are never stored; otherwise they are `centered` when given, else computed.
   */
  variance(v: tf.Tensor, mean: tf.Tensor, centered?: tf.Tensor): tf.Tensor2D {
    if (reductionShadersActive()) return sumSquaredDeviations13(this.split(v), mean, { divisor: this.count });
    return this.mean(tf.square(centered ?? tf.sub(v, this.groupOperand(mean))));
  }

  /**
   * `(v − mean)·scale + bias` per channel: BatchNorm's normalization of a 3-D view, with `mean` and
   * `scale` `[G, C]` (per batch) or `[1, C]` (shared) and `bias` `[C]` or `null`. With the WebGL
   * shaders one pass (`centerScaleShift`); otherwise tf ops on tiled operands, reusing `centered`
   * (`v − mean`) when given.
   */
  normalize(v: tf.Tensor, mean: tf.Tensor, scale: tf.Tensor, bias: tf.Tensor | null, centered?: tf.Tensor): tf.Tensor3D {
    if (reductionShadersActive()) return tf.reshape(centerScaleShift(this.split(v), mean, scale, bias), [...this.viewShape]);
    const operandOf = (t: tf.Tensor): tf.Tensor => (t.shape[0] === 1 && this.groups > 1 ? this.operand(tf.reshape(t, [this.channels])) : this.groupOperand(t));
    const scaled = tf.mul(centered ?? tf.sub(v, operandOf(mean)), operandOf(scale));
    return (bias ? tf.add(scaled, this.operand(bias)) : scaled) as tf.Tensor3D;
  }

  /** A 3-D view as `[G, rows, C, S]` (the 4-D layout the reductions read). */
  private split(v: tf.Tensor): tf.Tensor4D {
    return tf.reshape(v, [...this.splitShape]);
  }
}

/** Permutation that moves the channel axis from 1 to the end: `[0, 2, …, rank−1, 1]`. */
export function toChannelsLastPerm(rank: number): number[] {
  return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
}

/** Permutation that moves the channel axis from the end to 1: `[0, rank−1, 1, …, rank−2]`. */
export function toChannelsFirstPerm(rank: number): number[] {
  return [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
}

/**
 * Creates a kept float32 `[C]` tensor (it survives any enclosing `tf.tidy`; the creator must dispose it).
 *
 * @throws RangeError if `values.length !== length`.
 */
export function keptVector(values: ArrayLike<number>, length: number, what: string): tf.Tensor1D {
  if (values.length !== length) throw new RangeError(`${what} must have ${length} values, got ${values.length}`);
  return tf.keep(tf.tensor1d(Float32Array.from(values), 'float32'));
}

/**
 * Disposes every tensor found in the given values: tensors, and tensors nested in arrays and plain
 * objects (such as a `BatchNormForward` result). Other values are ignored.
 */
export function disposeAll(...values: unknown[]): void {
  const visit = (value: unknown): void => {
    if (value instanceof tf.Tensor) value.dispose();
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(visit);
  };
  values.forEach(visit);
}

/** @throws TypeError unless `x` is float32. */
export function assertFloat32(x: tf.Tensor, what: string): void {
  if (x.dtype !== 'float32') throw new TypeError(`${what} must be float32, got ${x.dtype}`);
}
