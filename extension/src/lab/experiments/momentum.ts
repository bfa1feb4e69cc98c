/**
 * View 3, "Momentum": the running mean and variance tracking the true statistics under the
 * code's momentum, and under the other framework family's reading of the same number (NL007:
 * PyTorch's momentum weighs the new batch, Keras/TF.js's weighs the old value).
 */
import * as tf from '@tensorflow/tfjs';
import { BatchNormSim } from '../core/batchnorm';
import { defaultBatchNormConfig, effectiveMomentum } from '../core/frameworks';
import type { BatchNormConfig } from '../core/types';
import { batchNormConfigOf, frameworkName, inputShape, type LabConfig } from './config';
import { channelStats, drawSamples, layerShape, Rng, stackedTensor, subSeed } from './data';
import { download, fmt } from './util';

/** One reading of the momentum. */
export interface MomentumTrack {
  /** E.g. `PyTorch momentum=0.1 (new batch weight 0.1)`. */
  readonly label: string;
  /** Weight of the new batch per step (`null`: cumulative average 1/t). */
  readonly newBatchWeight: number | null;
  /** Running mean of channel 0 after each step (index 0: initial value). */
  readonly runningMean: number[];
  /** Running variance of channel 0 after each step. */
  readonly runningVar: number[];
  /**
   * Mean over the last half of the steps and over all channels of |running mean − true mean|,
   * in units of the channel's standard deviation.
   */
  readonly meanError: number;
}

/** Result of {@link momentumTracking}. */
export interface MomentumResult {
  /** Steps 0…T. */
  readonly steps: number[];
  /** True mean and variance of channel 0. */
  readonly trueMean: number;
  readonly trueVar: number;
  /** Batch mean of channel 0 at each step (index 0: `null`, no batch yet). */
  readonly batchMean: (number | null)[];
  /** The code's reading. */
  readonly code: MomentumTrack;
  /** The other framework family's reading of the same number, or `null` (PyTorch `momentum=None`). */
  readonly other: MomentumTrack | null;
  readonly takeaway: string;
}

/** The same momentum NUMBER read by the other framework family, or null when that makes no sense. */
function otherReading(cfg: LabConfig, bn: BatchNormConfig): BatchNormConfig | null {
  const m = effectiveMomentum(bn);
  if (m === null || m < 0 || m > 1) return null;
  if (bn.framework === 'pytorch') return { ...defaultBatchNormConfig('keras3', cfg.channels), eps: cfg.eps, momentum: m, center: cfg.affine, scale: cfg.affine };
  return { ...defaultBatchNormConfig('pytorch', cfg.channels, cfg.dims), eps: cfg.eps, momentum: m, affine: cfg.affine };
}

function weightOf(bn: BatchNormConfig): number | null {
  const m = effectiveMomentum(bn);
  return m === null ? null : bn.framework === 'pytorch' ? m : 1 - m;
}

function labelOf(bn: BatchNormConfig): string {
  const m = effectiveMomentum(bn);
  const name = frameworkName(bn.framework === 'pytorch' ? 'pytorch' : bn.framework);
  if (m === null) return `${name} momentum=None (cumulative average)`;
  return `${name} momentum=${m} (new-batch weight ${fmt(weightOf(bn)!)})`;
}

/**
 * Feeds the same `cfg.steps` training batches to a BatchNorm with the code's momentum and to one
 * that reads the same number the other framework's way, and records how their running statistics
 * approach the true statistics (from the frameworks' initial values 0 and 1).
 */
export function momentumTracking(cfg: LabConfig): MomentumResult {
  const bn = batchNormConfigOf(cfg);
  const stats = channelStats(cfg);
  const rng = new Rng(subSeed(cfg.seed, 5));
  const B = Math.max(cfg.batchSize, 2); // PyTorch cannot train on one value per channel
  const configs: BatchNormConfig[] = [bn];
  const other = cfg.trackRunningStats ? otherReading(cfg, bn) : null;
  if (other) configs.push(other);
  // Tracking without running statistics is meaningless: simulate them anyway, as if tracked.
  const sims = configs.map((c) => new BatchNormSim(c.framework === 'pytorch' ? { ...c, trackRunningStats: true } : c));
  const C = cfg.channels;
  const T = cfg.steps;
  const means: number[][] = sims.map(() => [0]);
  const vars: number[][] = sims.map(() => [1]);
  const batchMean: (number | null)[] = [null];
  const errors = sims.map(() => 0);
  let counted = 0;
  const trueMean = Array.from(stats.mean);
  const trueStd = Array.from(stats.std);
  try {
    const batches = Array.from({ length: T }, () => drawSamples(cfg, stats, rng, B, 'train'));
    const shape = layerShape(configs[0]!, inputShape(cfg, B));
    // Train mode normalizes with batch statistics, which do not depend on the layer's state: the
    // code's layer computes every step's batch statistics in one pass, then each layer folds them
    // into its running statistics step by step in order (plan → commit, its framework's update
    // rule; the other reading commits the same statistics through its own plan). The per-step [C]
    // updates run on CPU-resident tensors.
    const dryRun = sims[0]!.plan(shape, 'train', { updateState: false });
    const batchStats = T > 0 ? tf.tidy(() => {
      const { mean, variance } = sims[0]!.batchStatisticsStack(dryRun, stackedTensor(cfg, configs[0]!, batches));
      return tf.stack([mean, variance], 1); // [T, 2, C]
    }) : null;
    const statsData = batchStats ? download([batchStats])[0]! : new Float32Array();
    const history: tf.Tensor[] = [];
    for (let step = 0; step < T; step++) {
      history.push(
        tf.tidy(() => {
          const mean = tf.tensor1d(statsData.subarray(2 * step * C, (2 * step + 1) * C));
          const variance = tf.tensor1d(statsData.subarray((2 * step + 1) * C, (2 * step + 2) * C));
          const rows: tf.Tensor[] = [mean];
          sims.forEach((sim, i) => {
            sim.commit(sim.plan(i === 0 ? shape : layerShape(configs[i]!, inputShape(cfg, B)), 'train'), mean, variance);
            rows.push(sim.runningMean!, sim.runningVar!);
          });
          return tf.stack(rows);
        }),
      );
    }
    const all = history.length > 0 ? tf.stack(history) : null;
    tf.dispose(history);
    const data = all ? download([all])[0]! : new Float32Array();
    const rowsPerStep = 1 + 2 * sims.length;
    for (let t = 0; t < T; t++) {
      const base = t * rowsPerStep * C;
      batchMean.push(data[base]!);
      const late = t + 1 > T / 2;
      if (late) counted++;
      sims.forEach((_, i) => {
        const mOff = base + (1 + 2 * i) * C;
        const vOff = mOff + C;
        means[i]!.push(data[mOff]!);
        vars[i]!.push(data[vOff]!);
        if (late) {
          let e = 0;
          for (let c = 0; c < C; c++) e += Math.abs(data[mOff + c]! - trueMean[c]!) / trueStd[c]!;
          errors[i]! += e / C;
        }
      });
    }
  } finally {
    sims.forEach((s) => s.dispose());
  }
  const track = (i: number): MomentumTrack => ({
    label: labelOf(configs[i]!),
    newBatchWeight: weightOf(configs[i]!),
    runningMean: means[i]!,
    runningVar: vars[i]!,
    meanError: errors[i]! / Math.max(1, counted),
  });
  const code = track(0);
  const otherTrack = other ? track(1) : null;
  const result = {
    steps: Array.from({ length: T + 1 }, (_, i) => i),
    trueMean: trueMean[0]!,
    trueVar: trueStd[0]! ** 2,
    batchMean,
    code,
    other: otherTrack,
  };
  return { ...result, takeaway: takeaway(cfg, code, otherTrack) };
}

function describe(t: MomentumTrack): string {
  if (t.newBatchWeight === null) return 'averages every batch so far';
  if (t.meanError > 0.5) return `barely tracks the true mean (off by ${fmt(t.meanError)}σ)`;
  if (t.newBatchWeight > 0.5) return `follows each batch's own mean (off by ${fmt(t.meanError)}σ, the batch noise)`;
  return `tracks the true mean within ${fmt(t.meanError)}σ`;
}

function takeaway(cfg: LabConfig, code: MomentumTrack, other: MomentumTrack | null): string {
  const half = `over the last ${Math.floor(cfg.steps / 2)} steps`;
  let s = `With the code's momentum the running mean ${describe(code)} ${half}`;
  if (other) s += `; read as ${other.label.split(' momentum')[0]} momentum (new-batch weight ${fmt(other.newBatchWeight!)}) it ${describe(other)}`;
  if (!cfg.trackRunningStats) s += ' (shown as if track_running_stats were True)';
  return `${s}.`;
}
