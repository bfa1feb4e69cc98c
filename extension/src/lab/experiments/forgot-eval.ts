/**
 * View 4, "Forgot eval()": the prediction for ONE example placed in batches of different size and
 * composition, with the BatchNorm in train mode (the bug, NL001) and in eval mode.
 */
import * as tf from '@tensorflow/tfjs';
import { BatchNormSim } from '../core/batchnorm';
import { layoutOf } from '../core/frameworks';
import { sumAxes13 } from '../core/kernels';
import { batchNormConfigOf, inputShape, spatialSize, type LabConfig } from './config';
import { channelStats, drawSamples, layerShape, layoutArray, Rng, subSeed } from './data';
import { download, fmt, frameworkMessage } from './util';

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
  const F = C * S; // values per example
  const rowShape = layerShape(bn, inputShape(cfg, 1)).slice(1);
  // One example's F values in the layer's layout are [C, S] or [S, C].
  const channelsLast = layoutOf(bn) === 'channels-last' && rowShape.length > 1;
  // Every batch in one upload, in the layer's layout, grouped by size (compositions in order),
  // then the example alone: rows [Σ 3·n + 1, …].
  const groups = sizes.map((n) => batches.filter((b) => b.size === n));
  const totalRows = batches.reduce((a, b) => a + b.size, 0) + 1;
  const joined = new Float32Array(totalRows * F);
  let offset = 0;
  for (const data of [...groups.flat().map((b) => b.data), example]) {
    joined.set(layoutArray(cfg, bn, data), offset);
    offset += data.length;
  }
  let error: string | null = null;
  const scalars: tf.Tensor[] = [];
  const trainOk: boolean[] = [];
  const all = tf.tensor(joined, [totalRows, ...rowShape], 'float32');
  const headT = tf.tensor1d(head);
  try {
    /** Example 0 of each batch of a layer output `[G, n, …]`: `[G, F]` (the head is applied to all at the end). */
    const firstExamples = (y: tf.Tensor, G: number, n: number): tf.Tensor => sumAxes13(tf.reshape(y, [G, n, F, 1]), { first: 1 });
    // Eval mode with running statistics normalizes every value on its own: one pass for every
    // batch. Without running statistics it uses each batch's statistics, like train mode.
    const evalPlanAll = sim.plan(all.shape, 'eval');
    const evalAll = evalPlanAll.useBatchStatistics ? null : tf.keep(sim.compute(evalPlanAll, all).output);
    try {
      let row = 0;
      // The compositions of one size go through the layer as one stack, each batch with its own statistics.
      groups.forEach((group, i) => {
        const n = sizes[i]!;
        const G = group.length;
        const shape = layerShape(bn, inputShape(cfg, n));
        const at = (t: tf.Tensor): tf.Tensor => tf.reshape(tf.slice(t, [row, ...rowShape.map(() => 0)], [G * n, ...rowShape]), [G, ...shape]);
        let ok = true;
        try {
          const trainPlan = sim.plan(shape, 'train', { updateState: false });
          scalars.push(tf.tidy(() => firstExamples(sim.computeStack(trainPlan, at(all)).output, G, n)));
        } catch (e) {
          error ??= frameworkMessage(e);
          ok = false;
        }
        group.forEach(() => trainOk.push(ok));
        scalars.push(tf.tidy(() => firstExamples(evalAll ? at(evalAll) : sim.computeStack(sim.plan(shape, 'eval'), at(all)).output, G, n)));
        row += G * n;
      });
      try {
        // The example alone: a batch of one (the last row).
        const alone = layerShape(bn, inputShape(cfg, 1));
        const plan = sim.plan(alone, 'eval');
        const last = (t: tf.Tensor): tf.Tensor => tf.reshape(tf.slice(t, [row, ...rowShape.map(() => 0)], [1, ...rowShape]), [1, ...alone]);
        scalars.push(tf.tidy(() => firstExamples(evalAll ? last(evalAll) : sim.computeStack(plan, last(all)).output, 1, 1)));
      } catch (e) {
        // Without running statistics eval mode needs batch statistics too (PyTorch raises for one value).
        error ??= frameworkMessage(e);
        scalars.push(tf.fill([1, F], NaN));
      }
    } finally {
      evalAll?.dispose();
    }
    // The head on every example at once: Σ_c w_c · mean_spatial(relu(y)_c) + 0.1.
    const predictions = tf.tidy(() => {
      const examples = tf.relu(tf.concat(scalars)); // [K, F]
      const K = examples.shape[0]!;
      const perChannel = sumAxes13(tf.reshape(examples, channelsLast ? [K, S, C, 1] : [K, 1, C, S]), { divisor: S }); // [K, C]: spatial mean
      return tf.add(tf.sum(tf.mul(perChannel, headT), 1), 0.1);
    });
    tf.dispose(scalars);
    const [values] = download([predictions]);
    const train = { typical: [], similar: [], shifted: [] } as Record<Composition, (number | null)[]>;
    const evalP = { typical: [], similar: [], shifted: [] } as Record<Composition, number[]>;
    // Per size: the train-mode predictions of its batches (when train mode runs), then the eval-mode ones.
    let k = 0;
    let i = 0;
    for (const n of sizes) {
      const group = batches.filter((b) => b.size === n);
      const ok = trainOk[i]!;
      for (const b of group) train[b.composition].push(ok ? values[k++]! : null);
      for (const b of group) evalP[b.composition].push(values[k++]!);
      i += group.length;
    }
    const reference = values[k]!;
    const trainAll = Object.values(train).flat().filter((v): v is number => v !== null);
    const evalValues = Object.values(evalP).flat();
    const spread = (v: number[]): number => (v.length ? Math.max(...v) - Math.min(...v) : NaN);
    const result = { sizes, train, eval: evalP, reference, trainRange: spread(trainAll), evalRange: spread(evalValues), error };
    return { ...result, takeaway: takeaway(cfg, result, batches.length) };
  } finally {
    tf.dispose([all, headT]);
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
