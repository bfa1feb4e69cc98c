/**
 * View 4, "Forgot eval()": the prediction for ONE example placed in batches of different size and
 * composition, with the BatchNorm in train mode (the bug, NL001) and in eval mode.
 */
import * as tf from '@tensorflow/tfjs';
import { BatchNormSim } from '../core/batchnorm';
import { batchNormConfigOf, spatialSize, type LabConfig } from './config';
import { channelsFirstTensor, channelStats, drawSamples, fromLayout, layerShape, Rng, subSeed, toLayout } from './data';
import { fmt, frameworkMessage, readScalars } from './util';

/** What the other examples of a batch are. */
export type Composition = 'typical' | 'similar' | 'shifted';

/** The compositions and their descriptions. */
export const COMPOSITIONS: readonly { readonly id: Composition; readonly label: string }[] = [
  { id: 'typical', label: 'with typical training examples' },
  { id: 'similar', label: 'with near-copies of the example' },
  { id: 'shifted', label: 'with examples shifted by +2σ' },
];

/** Batch sizes of the experiment. */
export const FORGOT_EVAL_SIZES: readonly number[] = [2, 4, 8, 16, 32, 64];

/** Result of {@link forgotEval}. */
export interface ForgotEvalResult {
  /** Batch sizes (x axis). */
  readonly sizes: number[];
  /** Train-mode prediction for the example, per composition (same order as {@link COMPOSITIONS}) and size; `null` where train mode raises. */
  readonly train: Record<Composition, (number | null)[]>;
  /** Eval-mode prediction, per composition and size. */
  readonly eval: Record<Composition, number[]>;
  /** The example's prediction alone in eval mode (batch of one). */
  readonly reference: number;
  /** Largest − smallest train-mode prediction over every batch. */
  readonly trainRange: number;
  /** Largest − smallest eval-mode prediction over every batch. */
  readonly evalRange: number;
  readonly error: string | null;
  readonly takeaway: string;
}

/**
 * A fixed model head `prediction = Σ_c w_c · mean_spatial(relu(bn(x))_c) + 0.1` with seeded `w`
 * applied to example 0 of each batch. The BatchNorm's running statistics are the true statistics
 * (a well-trained model), γ/β at their initial values.
 */
export function forgotEval(cfg: LabConfig): ForgotEvalResult {
  const bn = batchNormConfigOf(cfg);
  const stats = channelStats(cfg);
  const rng = new Rng(subSeed(cfg.seed, 6));
  const C = cfg.channels;
  const S = spatialSize(cfg);
  const head = new Rng(subSeed(cfg.seed, 7)).normals(C).map((w) => w / Math.sqrt(C));
  const example = drawSamples(cfg, stats, rng, 1, 'train', 0.5);
  const sim = new BatchNormSim(bn, cfg.trackRunningStats ? { runningMean: Array.from(stats.mean), runningVar: Array.from(stats.std, (s) => s * s) } : {});
  const sizes = [...FORGOT_EVAL_SIZES];
  const batches: { composition: Composition; size: number; data: Float32Array }[] = [];
  for (const { id } of COMPOSITIONS) {
    for (const n of sizes) {
      const data = new Float32Array(n * C * S);
      data.set(example, 0);
      let others: Float32Array;
      if (id === 'typical') others = drawSamples(cfg, stats, rng, n - 1, 'train');
      else if (id === 'shifted') others = drawSamples(cfg, stats, rng, n - 1, 'train', 2);
      else {
        others = new Float32Array((n - 1) * C * S);
        for (let i = 0; i < others.length; i++) {
          const c = Math.floor(i / S) % C;
          others[i] = example[(i % (C * S))]! + 0.1 * stats.std[c]! * rng.normal();
        }
      }
      data.set(others, C * S);
      batches.push({ composition: id, size: n, data });
    }
  }
  try {
    const headT = tf.tensor1d(head);
    const predict = (x: tf.Tensor, mode: 'train' | 'eval'): tf.Tensor =>
      tf.tidy(() => {
        const y = fromLayout(sim.forward(toLayout(x, bn), mode, { updateState: false }).output, bn);
        const first = tf.reshape(tf.slice(tf.relu(y), [0], [1]), [C, S]);
        return tf.add(tf.sum(tf.mul(tf.mean(first, 1), headT)), 0.1);
      });
    let error: string | null = null;
    const scalars: tf.Tensor[] = [];
    const trainOk: boolean[] = [];
    for (const b of batches) {
      const x = channelsFirstTensor(cfg, b.data);
      try {
        sim.plan(layerShape(bn, x.shape), 'train', { updateState: false });
        scalars.push(predict(x, 'train'));
        trainOk.push(true);
      } catch (e) {
        error ??= frameworkMessage(e);
        trainOk.push(false);
      }
      scalars.push(predict(x, 'eval'));
      x.dispose();
    }
    const alone = channelsFirstTensor(cfg, example);
    let referenceT: tf.Tensor;
    try {
      referenceT = predict(alone, 'eval');
    } catch (e) {
      // Without running statistics eval mode needs batch statistics too (PyTorch raises for one value).
      error ??= frameworkMessage(e);
      referenceT = tf.scalar(NaN);
    }
    scalars.push(referenceT);
    alone.dispose();
    headT.dispose();
    const values = readScalars(scalars);
    const train = { typical: [], similar: [], shifted: [] } as Record<Composition, (number | null)[]>;
    const evalP = { typical: [], similar: [], shifted: [] } as Record<Composition, number[]>;
    let k = 0;
    batches.forEach((b, i) => {
      train[b.composition].push(trainOk[i] ? values[k++]! : null);
      evalP[b.composition].push(values[k++]!);
    });
    const reference = values[k]!;
    const trainAll = Object.values(train).flat().filter((v): v is number => v !== null);
    const evalAll = Object.values(evalP).flat();
    const spread = (v: number[]): number => (v.length ? Math.max(...v) - Math.min(...v) : NaN);
    const result = { sizes, train, eval: evalP, reference, trainRange: spread(trainAll), evalRange: spread(evalAll), error };
    return { ...result, takeaway: takeaway(cfg, result, batches.length) };
  } finally {
    sim.dispose();
  }
}

function takeaway(cfg: LabConfig, r: Omit<ForgotEvalResult, 'takeaway'>, count: number): string {
  const t = Object.values(r.train).flat().filter((v): v is number => v !== null);
  if (t.length === 0) return `Train mode cannot run here: ${r.error ?? 'no batch'}`;
  const lo = Math.min(...t);
  const hi = Math.max(...t);
  const head = `Without model.eval() the same example's prediction ranges from ${fmt(lo)} to ${fmt(hi)} across ${count} batches`;
  if (!cfg.trackRunningStats) return `${head}, and eval mode does not help: without running statistics it also uses batch statistics (range ${fmt(r.evalRange)}).`;
  return `${head}; in eval mode it is always ${fmt(r.reference)}.`;
}
