/**
 * Seeded random numbers and synthetic batches for the experiments. Data is generated in plain
 * JavaScript (not with tf's random ops), so the WebGL and CPU backends see bit-identical inputs.
 */
import * as tf from '@tensorflow/tfjs';
import { layoutOf } from '../core/frameworks';
import { toChannelsFirstPerm, toChannelsLastPerm } from '../core/shapes';
import type { BatchNormConfig } from '../core/types';
import { inputShape, spatialSize, type LabConfig } from './config';

/** A seeded pseudo-random generator (mulberry32) with uniform and Gaussian draws. */
export class Rng {
  private state: number;
  private spare: number | null = null;

  /** @param seed any number; the same seed gives the same sequence. */
  constructor(seed: number) {
    this.state = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u = 1 - this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** `n` standard normal draws. */
  normals(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal();
    return out;
  }
}

/** A sub-seed for an independent stream (`stream` names the purpose). */
export function subSeed(seed: number, stream: number): number {
  return (Math.imul(seed >>> 0, 0x85ebca6b) ^ Math.imul(stream + 1, 0xc2b2ae35)) >>> 0;
}

/** True per-channel statistics of the training distribution. */
export interface ChannelStats {
  /** Per-channel means `[C]`. */
  readonly mean: Float64Array;
  /** Per-channel standard deviations `[C]`. */
  readonly std: Float64Array;
}

/** The per-channel means and standard deviations of `cfg.distribution` (train data; test adds `shift·std`). */
export function channelStats(cfg: LabConfig): ChannelStats {
  const rng = new Rng(subSeed(cfg.seed, 1));
  const { mean, std, channelSpread } = cfg.distribution;
  const C = cfg.channels;
  const m = new Float64Array(C);
  const s = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    m[c] = mean + channelSpread * std * (2 * rng.uniform() - 1);
    s[c] = std * Math.exp((channelSpread * (2 * rng.uniform() - 1)) / 2);
  }
  return { mean: m, std: s };
}

/** Which data a batch is drawn from. */
export type Split = 'train' | 'test';

/**
 * Draws `n` samples, channels-first `[n, C, …spatial]` flattened row-major.
 *
 * @param offset extra shift of every channel mean, in units of its standard deviation.
 */
export function drawSamples(cfg: LabConfig, stats: ChannelStats, rng: Rng, n: number, split: Split = 'train', offset = 0): Float32Array {
  const C = cfg.channels;
  const S = spatialSize(cfg);
  const out = new Float32Array(n * C * S);
  const shift = (split === 'test' ? cfg.distribution.shift : 0) + offset;
  let i = 0;
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < C; c++) {
      const mu = stats.mean[c]! + shift * stats.std[c]!;
      const sd = stats.std[c]!;
      for (let k = 0; k < S; k++) out[i++] = mu + sd * rng.normal();
    }
  }
  return out;
}

/** A channels-first tensor `[n, C, …spatial]` from flattened samples. The caller owns it. */
export function channelsFirstTensor(cfg: LabConfig, values: Float32Array): tf.Tensor {
  const sample = cfg.channels * spatialSize(cfg);
  return tf.tensor(values, inputShape(cfg, values.length / sample), 'float32');
}

/**
 * Flattened channels-first samples `[n, C, …spatial]` rearranged into the layout of `bn` (what
 * {@link toLayout} does, in JavaScript: the data is generated here anyway, and a transpose on WebGL
 * is one more shader compiled per batch size). Returns `values` itself when nothing moves.
 */
export function layoutArray(cfg: LabConfig, bn: BatchNormConfig, values: Float32Array): Float32Array {
  const C = cfg.channels;
  const S = spatialSize(cfg);
  if (layoutOf(bn) === 'channels-first' || inputShape(cfg, 1).length === 2) return values;
  const out = new Float32Array(values.length);
  const n = values.length / (C * S);
  for (let b = 0; b < n; b++) {
    const base = b * C * S;
    for (let c = 0; c < C; c++) for (let k = 0; k < S; k++) out[base + k * C + c] = values[base + c * S + k]!;
  }
  return out;
}

/**
 * A batch of flattened channels-first samples (from {@link drawSamples}) as a tensor in the layout of
 * `bn`: `toLayout(channelsFirstTensor(cfg, values), bn)` without a transpose on the backend. The
 * caller owns it.
 */
export function layoutTensor(cfg: LabConfig, bn: BatchNormConfig, values: Float32Array): tf.Tensor {
  const n = values.length / (cfg.channels * spatialSize(cfg));
  return tf.tensor(layoutArray(cfg, bn, values), layerShape(bn, inputShape(cfg, n)), 'float32');
}

/**
 * Several batches of the same size as one tensor `[G, n, …]` in the layout of `bn` (for the core's
 * `computeStack`): batch `g` equals `layoutTensor(cfg, bn, batches[g])`. One upload instead of G.
 * The caller owns the tensor.
 *
 * @param batches G flattened channels-first batches `[n, C, …spatial]` of equal length (from {@link drawSamples}).
 */
export function stackedTensor(cfg: LabConfig, bn: BatchNormConfig, batches: readonly Float32Array[]): tf.Tensor {
  const size = batches[0]?.length ?? 0;
  if (batches.length === 0 || batches.some((b) => b.length !== size)) throw new RangeError('stackedTensor needs at least one batch, all of the same size');
  const joined = new Float32Array(size * batches.length);
  batches.forEach((b, g) => joined.set(layoutArray(cfg, bn, b), g * size));
  const n = size / (cfg.channels * spatialSize(cfg));
  return tf.tensor(joined, [batches.length, ...layerShape(bn, inputShape(cfg, n))], 'float32');
}

/** Converts a channels-first tensor to the layout of `bn` (channels-last for Keras/TF.js by default). */
export function toLayout(x: tf.Tensor, bn: BatchNormConfig): tf.Tensor {
  return layoutOf(bn) === 'channels-first' || x.rank === 2 ? x : tf.transpose(x, toChannelsLastPerm(x.rank));
}

/** Converts a tensor in the layout of `bn` back to channels-first. */
export function fromLayout(y: tf.Tensor, bn: BatchNormConfig): tf.Tensor {
  return layoutOf(bn) === 'channels-first' || y.rank === 2 ? y : tf.transpose(y, toChannelsFirstPerm(y.rank));
}

/** The shape `toLayout` gives a channels-first shape, without creating a tensor. */
export function layerShape(bn: BatchNormConfig, channelsFirstShape: readonly number[]): number[] {
  const s = [...channelsFirstShape];
  if (layoutOf(bn) === 'channels-first' || s.length === 2) return s;
  return toChannelsLastPerm(s.length).map((i) => s[i]!);
}
