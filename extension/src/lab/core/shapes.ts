/**
 * Shape helpers for channel-wise operations in either layout, plus tensor bookkeeping utilities.
 */
import * as tf from '@tensorflow/tfjs';
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
 * Per-channel arithmetic on a tensor of either layout, arranged so that every full-size binary op
 * broadcasts its per-channel operand along TRAILING axes only. The TensorFlow.js CPU backend runs
 * such ops on a flat-index fast path (`i % operand.length`), while broadcasting along a middle axis
 * (a `[1, C, 1, 1]` operand) converts every index to coordinates and back, about 10× slower
 * (`createSimpleBinaryKernelImpl`, @tensorflow/tfjs-backend-cpu 4.22.0). Channels-first
 * `[N, C, *S]` is viewed as `[N, C·S]` with operands tiled to `[C·S]`; channels-last `[…, C]`
 * as `[M, C]` with operands `[C]`. Every method is differentiable; call them inside `tf.tidy`.
 */
export class ChannelView {
  /** Number of channels C. */
  readonly channels: number;
  /** Values per channel, n = N·∏spatial. */
  readonly count: number;
  private readonly spatial: number;

  /**
   * @param shape input shape (rank ≥ 2).
   * @param layout where the channel axis is.
   */
  constructor(
    readonly shape: readonly number[],
    readonly layout: Layout,
  ) {
    this.channels = shape[channelAxis(shape.length, layout)]!;
    this.count = product(shape) / this.channels;
    this.spatial = layout === 'channels-first' ? product(shape.slice(2)) : 1;
  }

  /** The input as a 2-D view: `[N, C·S]` (channels-first) or `[M, C]` (channels-last). */
  flatten(x: tf.Tensor): tf.Tensor2D {
    const rows = this.layout === 'channels-first' ? this.shape[0]! : this.count;
    return tf.reshape(x, [rows, product(this.shape) / rows]);
  }

  /** A 2-D view back in the input's shape. */
  unflatten(v: tf.Tensor): tf.Tensor {
    return tf.reshape(v, [...this.shape]);
  }

  /** A per-channel `[C]` tensor as an operand of the 2-D view (tiled to `[C·S]` for channels-first). */
  operand(perChannel: tf.Tensor): tf.Tensor {
    if (this.layout === 'channels-last' || this.spatial === 1) return perChannel;
    const tiled = tf.tile(tf.reshape(perChannel, [this.channels, 1]), [1, this.spatial]);
    return tf.reshape(tiled, [this.channels * this.spatial]);
  }

  /** Per-channel mean `[C]` of a 2-D view (sums accumulate in float64 on the CPU backend). */
  mean(v: tf.Tensor): tf.Tensor1D {
    const sums =
      this.layout === 'channels-first'
        ? tf.sum(tf.sum(tf.reshape(v, [this.shape[0]!, this.channels, this.spatial]), 2), 0) // innermost reductions: no transpose
        : tf.sum(v, 0);
    return tf.div(sums, this.count);
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
