/**
 * View 1, "Train vs eval": a BatchNorm trained on batches of the training distribution, probed
 * after every step on a fixed batch of test data in train mode (batch statistics) and eval mode
 * (running statistics).
 */
import * as tf from '@tensorflow/tfjs';
import { BatchNormSim, type BatchNormPlan } from '../core/batchnorm';
import { centerScaleShift, sumAbsDifferences13 } from '../core/kernels';
import { StackedChannelView } from '../core/shapes';
import { effectiveMomentum } from '../core/frameworks';
import { batchNormConfigOf, type LabConfig } from './config';
import { channelStats, drawSamples, layoutTensor, Rng, stackedTensor, subSeed } from './data';
import { download, fmt, frameworkMessage, histogram } from './util';

/** Result of {@link trainEval}. */
export interface TrainEvalResult {
  /** Training steps 0…T (0: before the first step). */
  readonly steps: number[];
  /** Mean |train-mode output − eval-mode output| on the probe batch after each step. */
  readonly gap: number[];
  /** Output distributions on the probe batch after the last step (all channels pooled). */
  readonly histogram: { readonly centers: number[]; readonly train: number[]; readonly eval: number[] };
  /** `gap` after the last step. */
  readonly finalGap: number;
  /** The framework's exception when train mode cannot run at this batch size (then the series are empty). */
  readonly error: string | null;
  /** One sentence computed from the numbers. */
  readonly takeaway: string;
}

/** Weight of the new batch per step in PyTorch's convention (`null`: cumulative average). */
export function newBatchWeight(cfg: LabConfig): number | null {
  const m = effectiveMomentum(batchNormConfigOf(cfg));
  if (m === null) return null;
  return cfg.framework === 'pytorch' ? m : 1 - m;
}

/**
 * Trains a BatchNorm of `cfg` for `cfg.steps` steps on batches of `cfg.batchSize` training samples
 * and measures, after each step, how far its eval-mode outputs are from its train-mode outputs on
 * one fixed batch of test data (the training distribution moved by `distribution.shift`).
 */
export function trainEval(cfg: LabConfig): TrainEvalResult {
  const bn = batchNormConfigOf(cfg);
  const stats = channelStats(cfg);
  const dataRng = new Rng(subSeed(cfg.seed, 2));
  const probeRng = new Rng(subSeed(cfg.seed, 3));
  const B = cfg.batchSize;
  const C = cfg.channels;
  const sim = new BatchNormSim(bn);
  const probe = layoutTensor(cfg, bn, drawSamples(cfg, stats, probeRng, B, 'test'));
  try {
    let dryRun: BatchNormPlan;
    try {
      dryRun = sim.plan(probe.shape, 'train', { updateState: false });
    } catch (e) {
      const error = frameworkMessage(e);
      return { steps: [], gap: [], histogram: { centers: [], train: [], eval: [] }, finalGap: NaN, error, takeaway: `Train mode cannot run at batch size ${B}: ${error}` };
    }
    const batches = Array.from({ length: cfg.steps }, () => drawSamples(cfg, stats, dataRng, B, 'train'));
    // Train mode normalizes each training batch with its own statistics and γ/β are not trained
    // here, so the statistics of every step's batch are known in advance: they are computed for all
    // steps in one pass, then folded into the running statistics step by step in order (plan →
    // commit, the framework's own update rule). The per-step [C] updates run on CPU-resident tensors.
    const batchStats =
      dryRun.update !== null
        ? tf.tidy(() => {
            const { mean, variance } = sim.batchStatisticsStack(dryRun, stackedTensor(cfg, bn, batches));
            return tf.stack([mean, variance], 1); // [T, 2, C]
          })
        : null;
    const statsData = batchStats ? download([batchStats])[0]! : null;
    // The probe's train-mode output never changes (fixed batch, γ/β are not trained here); its
    // eval-mode output after each step only needs that step's running statistics, so they are
    // recorded and every step's eval output is computed at once.
    const history: tf.Tensor[] = [];
    let values: Float32Array[];
    const record = (): void => {
      if (sim.runningMean && sim.runningVar) history.push(tf.keep(tf.stack([sim.runningMean, sim.runningVar])));
    };
    try {
      record();
      for (let step = 0; step < cfg.steps; step++) {
        const plan = sim.plan(dryRun.shape, 'train');
        if (statsData) {
          const at = (k: number): tf.Tensor1D => tf.tensor1d(statsData.subarray((2 * step + k) * C, (2 * step + k + 1) * C));
          tf.tidy(() => sim.commit(plan, at(0), at(1)));
        }
        record();
      }
      const [gapT, trainT, evalT] = tf.tidy(() => {
        const trainOut = sim.forward(probe, 'train', { updateState: false }).output;
        const evalOut = sim.forward(probe, 'eval').output;
        if (!cfg.trackRunningStats) return [tf.zeros([cfg.steps + 1]), trainOut, evalOut]; // eval mode uses batch statistics too
        // The running statistics after each step are T+1 sets of per-channel parameters for the
        // same probe: its eval-mode output under each, (x − running mean)·rsqrt(running var + eps)·γ + β.
        const one = new StackedChannelView(1, probe.shape, dryRun.layout);
        const [rm, rv] = tf.unstack(tf.stack(history), 1) as [tf.Tensor2D, tf.Tensor2D]; // [T+1, C] each
        let scale: tf.Tensor = tf.rsqrt(tf.add(rv, cfg.eps));
        if (sim.weight) scale = tf.mul(scale, sim.weight);
        const evalAll = centerScaleShift(tf.reshape(probe, [...one.splitShape]), rm, scale, sim.bias); // [T+1, rows, C, S]
        const gap = sumAbsDifferences13(tf.reshape(evalAll, [history.length, 1, 1, probe.size]), tf.reshape(trainOut, [probe.size]), { divisor: probe.size }); // [T+1, 1]
        return [gap, trainOut, evalOut];
      });
      // Three downloads (gap [T+1], then the probe's train and eval outputs, pooled by the histogram).
      values = download([gapT!, trainT!, evalT!]);
    } finally {
      tf.dispose(history);
    }
    const gap = Array.from(values[0]!);
    const h = histogram([values[1]!, values[2]!], 32);
    const finalGap = gap[gap.length - 1]!;
    return {
      steps: gap.map((_, i) => i),
      gap,
      histogram: { centers: h.centers, train: h.counts[0]!, eval: h.counts[1]! },
      finalGap,
      error: null,
      takeaway: takeaway(cfg, gap),
    };
  } finally {
    probe.dispose();
    sim.dispose();
  }
}

function takeaway(cfg: LabConfig, gap: number[]): string {
  const steps = gap.length - 1;
  const first = gap[0]!;
  const last = gap[steps]!;
  if (!cfg.trackRunningStats) {
    return 'Without running statistics (track_running_stats=False) eval mode also normalizes with batch statistics: train and eval outputs are identical.';
  }
  let s = `In eval mode the outputs are ${fmt(last)} off the train-mode outputs on average after ${steps} steps (${fmt(first)} before training)`;
  const w = newBatchWeight(cfg);
  if (cfg.distribution.shift !== 0) s += `; the test data is shifted by ${fmt(cfg.distribution.shift)}σ, which batch statistics hide and running statistics do not`;
  else if (w !== null && w > 0 && w < 1 && last > 0.25 * first) {
    const needed = Math.ceil(Math.log(0.05) / Math.log(1 - w));
    s += `; a new-batch weight of ${fmt(w)} needs about ${needed} steps to forget the initial running statistics`;
  }
  return `${s}.`;
}
