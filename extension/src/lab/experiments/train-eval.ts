/**
 * View 1, "Train vs eval": a BatchNorm trained on batches of the training distribution, probed
 * after every step on a fixed batch of test data in train mode (batch statistics) and eval mode
 * (running statistics).
 */
import * as tf from '@tensorflow/tfjs';
import { BatchNormSim } from '../core/batchnorm';
import { effectiveMomentum } from '../core/frameworks';
import { batchNormConfigOf, type LabConfig } from './config';
import { channelsFirstTensor, channelStats, drawSamples, fromLayout, Rng, subSeed, toLayout } from './data';
import { fmt, frameworkMessage, histogram } from './util';

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
  const sim = new BatchNormSim(bn);
  const probe = tf.tidy(() => toLayout(channelsFirstTensor(cfg, drawSamples(cfg, stats, probeRng, B, 'test')), bn));
  try {
    try {
      sim.plan(probe.shape, 'train', { updateState: false });
    } catch (e) {
      const error = frameworkMessage(e);
      return { steps: [], gap: [], histogram: { centers: [], train: [], eval: [] }, finalGap: NaN, error, takeaway: `Train mode cannot run at batch size ${B}: ${error}` };
    }
    // The probe's train-mode output never changes (fixed batch, γ/β are not trained here); its
    // eval-mode output after each step only needs that step's running statistics, so they are
    // recorded and every step's eval output is computed at once (one pass instead of T on WebGL).
    const history: tf.Tensor[] = [];
    let gap: number[];
    const record = (): void => {
      if (sim.runningMean && sim.runningVar) history.push(tf.keep(tf.stack([sim.runningMean, sim.runningVar])));
    };
    try {
      record();
      for (let step = 1; step <= cfg.steps; step++) {
        tf.tidy(() => {
          const x = toLayout(channelsFirstTensor(cfg, drawSamples(cfg, stats, dataRng, B, 'train')), bn);
          sim.forward(x, 'train');
          record();
        });
      }
      gap = tf.tidy(() => {
        if (!cfg.trackRunningStats) return Array.from({ length: cfg.steps + 1 }, () => 0); // eval mode uses batch statistics too
        // Channels-first [B, C, S] → rows [B·S, C] so that per-channel operands broadcast last.
        const asRows = (t: tf.Tensor): tf.Tensor2D => tf.reshape(tf.transpose(tf.reshape(fromLayout(t, bn), [B, cfg.channels, -1]), [0, 2, 1]), [-1, cfg.channels]);
        const rows = asRows(probe);
        const trainRows = asRows(sim.forward(probe, 'train', { updateState: false }).output);
        const stacked = tf.stack(history); // [T+1, 2, C]
        const [rm, rv] = tf.unstack(stacked, 1) as [tf.Tensor2D, tf.Tensor2D];
        let scale: tf.Tensor = tf.rsqrt(tf.add(rv, cfg.eps));
        if (sim.weight) scale = tf.mul(scale, sim.weight);
        let evalAll: tf.Tensor = tf.mul(tf.sub(tf.expandDims(rows, 0), tf.expandDims(rm, 1)), tf.expandDims(scale, 1)); // [T+1, M, C]
        if (sim.bias) evalAll = tf.add(evalAll, sim.bias);
        return Array.from(tf.mean(tf.abs(tf.sub(evalAll, trainRows)), [1, 2]).dataSync());
      });
    } finally {
      tf.dispose(history);
    }
    const [trainOut, evalOut] = tf.tidy(() => [
      fromLayout(sim.forward(probe, 'train', { updateState: false }).output, bn),
      fromLayout(sim.forward(probe, 'eval').output, bn),
    ]);
    const h = histogram([trainOut!.dataSync(), evalOut!.dataSync()], 32);
    tf.dispose([trainOut, evalOut]);
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
