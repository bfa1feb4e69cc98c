/**
 * View 2, "Batch-size sweep": how noisy batch statistics are, and how far train-mode outputs are
 * from eval-mode outputs, as a function of the batch size (NL004).
 */
import * as tf from '@tensorflow/tfjs';
import { BatchNormSim } from '../core/batchnorm';
import { batchNormConfigOf, inputShape, spatialSize, SWEEP_BATCH_SIZES, type LabConfig } from './config';
import { channelsFirstTensor, channelStats, drawSamples, layerShape, Rng, subSeed, toLayout } from './data';
import { fmt, frameworkMessage, readScalars } from './util';

/** Result of {@link batchSweep}. */
export interface BatchSweepResult {
  /** Batch sizes (1…256). */
  readonly sizes: number[];
  /**
   * Mean |train-mode − eval-mode output| with running statistics equal to the true statistics
   * (what they converge to), averaged over `repeats` batches; `null` where train mode raises.
   */
  readonly gap: (number | null)[];
  /** RMS error of the batch mean, in units of the channel's standard deviation. */
  readonly meanSpread: (number | null)[];
  /** RMS relative error of the (biased) batch variance. */
  readonly varSpread: (number | null)[];
  /** `1/√n` (n = values per channel in a batch): the textbook spread of a batch mean. */
  readonly expectedMeanSpread: number[];
  /** Batches per size. */
  readonly repeats: number;
  /** The batch size used by the other experiments. */
  readonly batchSize: number;
  /** The batch size normlint resolved from the code, or `null`. */
  readonly resolvedBatchSize: number | null;
  /** Per-size framework error (e.g. PyTorch's batch-of-one `ValueError`), `null` where train mode runs. */
  readonly errors: (string | null)[];
  readonly takeaway: string;
}

/**
 * For every batch size in {@link SWEEP_BATCH_SIZES}, draws `repeats` training batches and measures
 * the spread of their per-channel statistics around the true ones and the mean train/eval output
 * gap of a layer whose running statistics have converged to the true statistics.
 */
export function batchSweep(cfg: LabConfig, repeats = 4): BatchSweepResult {
  const bn = batchNormConfigOf(cfg);
  const stats = channelStats(cfg);
  const rng = new Rng(subSeed(cfg.seed, 4));
  const trueMean = Array.from(stats.mean);
  const trueVar = Array.from(stats.std, (s) => s * s);
  const sim = new BatchNormSim(bn, cfg.trackRunningStats ? { runningMean: trueMean, runningVar: trueVar } : {});
  const sizes = [...SWEEP_BATCH_SIZES];
  const errors: (string | null)[] = [];
  const scalars: tf.Tensor[] = [];
  try {
    const meanT = tf.tensor1d(trueMean);
    const varT = tf.tensor1d(trueVar);
    for (const n of sizes) {
      try {
        sim.plan(layerShape(bn, inputShape(cfg, n)), 'train', { updateState: false });
      } catch (e) {
        errors.push(frameworkMessage(e));
        continue;
      }
      errors.push(null);
      for (let r = 0; r < repeats; r++) {
        const x = drawSamples(cfg, stats, rng, n, 'train');
        scalars.push(
          ...tf.tidy(() => {
            const input = toLayout(channelsFirstTensor(cfg, x), bn);
            const train = sim.forward(input, 'train', { updateState: false });
            const evalOut = sim.forward(input, 'eval').output;
            const s = train.batchStatistics!;
            const meanErr = tf.mean(tf.square(tf.div(tf.sub(s.mean, meanT), tf.sqrt(varT))));
            const varErr = tf.mean(tf.square(tf.sub(tf.div(s.variance, varT), 1)));
            return [tf.mean(tf.abs(tf.sub(train.output, evalOut))), meanErr, varErr];
          }),
        );
      }
    }
    tf.dispose([meanT, varT]);
  } finally {
    sim.dispose();
  }
  const values = readScalars(scalars);
  const gap: (number | null)[] = [];
  const meanSpread: (number | null)[] = [];
  const varSpread: (number | null)[] = [];
  let k = 0;
  for (const err of errors) {
    if (err !== null) {
      gap.push(null);
      meanSpread.push(null);
      varSpread.push(null);
      continue;
    }
    let g = 0;
    let m = 0;
    let v = 0;
    for (let r = 0; r < repeats; r++) {
      g += values[k++]!;
      m += values[k++]!;
      v += values[k++]!;
    }
    gap.push(g / repeats);
    meanSpread.push(Math.sqrt(m / repeats));
    varSpread.push(Math.sqrt(v / repeats));
  }
  const S = spatialSize(cfg);
  const result = {
    sizes,
    gap,
    meanSpread,
    varSpread,
    expectedMeanSpread: sizes.map((n) => 1 / Math.sqrt(n * S)),
    repeats,
    batchSize: cfg.batchSize,
    resolvedBatchSize: cfg.resolvedBatchSize,
    errors,
  };
  return { ...result, takeaway: takeaway(cfg, result) };
}

/** Linear interpolation of a series at `x` on a log2 axis of sizes (null where unavailable). */
function at(sizes: number[], series: (number | null)[], x: number): number | null {
  const lx = Math.log2(x);
  for (let i = 0; i < sizes.length - 1; i++) {
    const a = Math.log2(sizes[i]!);
    const b = Math.log2(sizes[i + 1]!);
    if (lx >= a && lx <= b) {
      const ya = series[i];
      const yb = series[i + 1];
      if (ya === null || ya === undefined || yb === null || yb === undefined) return ya ?? yb ?? null;
      return ya + ((yb - ya) * (lx - a)) / (b - a);
    }
  }
  return lx > Math.log2(sizes[sizes.length - 1]!) ? (series[series.length - 1] ?? null) : null;
}

function takeaway(cfg: LabConfig, r: Omit<BatchSweepResult, 'takeaway'>): string {
  if (!cfg.trackRunningStats) return 'Without running statistics eval mode uses batch statistics too, so there is no train/eval gap; the batch statistics are still noisier at small batch sizes.';
  const b = r.resolvedBatchSize ?? r.batchSize;
  const who = r.resolvedBatchSize !== null ? 'the batch size in the code' : 'the chosen batch size';
  const g = at(r.sizes, r.gap, Math.max(1, b));
  const big = at(r.sizes, r.gap, 256);
  const i = r.sizes.indexOf(b);
  if (i >= 0 && r.errors[i]) return `At ${who} (${b}) train mode raises ${r.errors[i]}`;
  if (g === null || big === null) return 'Train mode cannot run at these batch sizes.';
  const ratio = big > 0 ? g / big : Infinity;
  return `At ${who} (${b}) train-mode outputs are ${fmt(g)} away from eval-mode outputs on average, ${fmt(ratio)}× the gap at batch size 256 (${fmt(big)}).`;
}
