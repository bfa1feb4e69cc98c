/**
 * View 2, "Batch-size sweep": how noisy batch statistics are, and how far train-mode outputs are
 * from eval-mode outputs, as a function of the batch size (NL004).
 */
import * as tf from '@tensorflow/tfjs';
import { BatchNormSim, type BatchNormPlan } from '../core/batchnorm';
import { sumAbsDifferences13 } from '../core/kernels';
import { batchNormConfigOf, inputShape, spatialSize, SWEEP_BATCH_SIZES, type LabConfig } from './config';
import { channelStats, drawSamples, layerShape, layoutArray, Rng, subSeed } from './data';
import { download, fmt, frameworkMessage } from './util';

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
  const runs: { n: number; trainPlan: BatchNormPlan; batches: Float32Array[] }[] = [];
  for (const n of sizes) {
    try {
      const trainPlan = sim.plan(layerShape(bn, inputShape(cfg, n)), 'train', { updateState: false });
      sim.plan(layerShape(bn, inputShape(cfg, n)), 'eval');
      errors.push(null);
      runs.push({ n, trainPlan, batches: Array.from({ length: repeats }, () => drawSamples(cfg, stats, rng, n, 'train')) });
    } catch (e) {
      errors.push(frameworkMessage(e));
    }
  }
  let values: Float32Array = new Float32Array();
  try {
    if (runs.length > 0) {
      const perBatch = tf.tidy(() => {
        // Every batch of every size in one upload, in the layer's layout: rows [Σ R·n, …].
        const rowShape = layerShape(bn, inputShape(cfg, 1)).slice(1);
        const rowSize = cfg.channels * spatialSize(cfg);
        const totalRows = runs.reduce((a, r) => a + repeats * r.n, 0);
        const joined = new Float32Array(totalRows * rowSize);
        let offset = 0;
        for (const r of runs) {
          for (const b of r.batches) {
            joined.set(layoutArray(cfg, bn, b), offset);
            offset += b.length;
          }
        }
        const all = tf.tensor(joined, [totalRows, ...rowShape], 'float32');
        // Eval mode with running statistics normalizes every value on its own: one pass for every
        // batch. Without running statistics (PyTorch) it uses each batch's statistics, like train mode.
        const evalPlanAll = sim.plan([totalRows, ...rowShape], 'eval');
        const evalAll = evalPlanAll.useBatchStatistics ? null : sim.compute(evalPlanAll, all).output;
        const gaps: tf.Tensor[] = [];
        const means: tf.Tensor[] = [];
        const variances: tf.Tensor[] = [];
        let row = 0;
        for (const r of runs) {
          // The repeats of one size go through the layer as one stack, each batch with its own statistics.
          const rows = repeats * r.n;
          const at = (t: tf.Tensor): tf.Tensor => tf.reshape(tf.slice(t, [row, ...rowShape.map(() => 0)], [rows, ...rowShape]), [repeats, r.n, ...rowShape]);
          const xs = at(all);
          const train = sim.computeStack(r.trainPlan, xs);
          const evalOut = evalAll ? at(evalAll) : sim.computeStack(sim.plan(r.trainPlan.shape, 'eval'), xs).output;
          const L = r.n * rowSize;
          gaps.push(sumAbsDifferences13(tf.reshape(train.output, [repeats, 1, 1, L]), evalOut, { divisor: L })); // [R, 1]: mean |train − eval|
          means.push(train.mean!);
          variances.push(train.variance!);
          row += rows;
        }
        // Spread of the batch statistics around the true ones, for every batch at once.
        const meanT = tf.tensor1d(trueMean);
        const varT = tf.tensor1d(trueVar);
        const meanErr = tf.mean(tf.square(tf.div(tf.sub(tf.concat(means), meanT), tf.sqrt(varT))), 1, true); // [K·R, 1]
        const varErr = tf.mean(tf.square(tf.sub(tf.div(tf.concat(variances), varT), 1)), 1, true);
        return tf.concat([tf.concat(gaps), meanErr, varErr], 1); // per batch: gap, mean error, variance error
      });
      values = download([perBatch])[0]!;
    }
  } finally {
    sim.dispose();
  }
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

/**
 * A result of {@link batchSweep} for another batch size: the sweep's numbers do not depend on
 * `cfg.batchSize` or `cfg.resolvedBatchSize`, only the marked sizes and the takeaway do.
 */
export function retargetBatchSweep(result: BatchSweepResult, cfg: LabConfig): BatchSweepResult {
  const moved = { ...result, batchSize: cfg.batchSize, resolvedBatchSize: cfg.resolvedBatchSize };
  return { ...moved, takeaway: takeaway(cfg, moved) };
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
