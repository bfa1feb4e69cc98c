/**
 * View 5, "Alternatives": BatchNorm, LayerNorm, GroupNorm and InstanceNorm on the same input at the
 * chosen batch size (NL005): how much one example's output depends on the rest of its batch, and
 * how far train mode is from eval mode.
 */
import * as tf from '@tensorflow/tfjs';
import { BatchNormSim } from '../core/batchnorm';
import { checkGroupNorm, groupNorm, instanceNorm, layerNorm } from '../core/norms';
import { sumAbsDifferences13, sumAxes13, sumSquaredDeviations13 } from '../core/kernels';
import { batchNormConfigOf, inputShape, spatialSize, type LabConfig } from './config';
import { channelsFirstTensor, channelStats, drawSamples, layerShape, Rng, stackedTensor, subSeed } from './data';
import { download, fmt, frameworkMessage, joinFlat } from './util';

/** One normalization of the comparison. */
export interface AlternativeRow {
  /** `BatchNorm`, `LayerNorm`, `GroupNorm(4)`, `InstanceNorm`. */
  readonly name: string;
  /**
   * Batch dependence: mean over the example's output values of their standard deviation across
   * `batches` batches that differ only in the other examples. `null` when the layer cannot run.
   */
  readonly batchDependence: number | null;
  /** Mean |train − eval| output gap (0 without running statistics). `null` when the layer cannot run. */
  readonly trainEvalGap: number | null;
  /** Why the layer cannot run on this input (the framework's error), else `null`. */
  readonly error: string | null;
}

/** Result of {@link alternatives}. */
export interface AlternativesResult {
  readonly batchSize: number;
  /** Batches the example was placed in. */
  readonly batches: number;
  readonly rows: AlternativeRow[];
  readonly takeaway: string;
}

/** Largest divisor of `c` that is at most `√c`, at least 1 (GroupNorm's group count). */
export function groupCount(c: number): number {
  let best = 1;
  for (let g = 1; g * g <= c; g++) if (c % g === 0) best = g;
  return best;
}

/**
 * Places one example in `batches` batches of `cfg.batchSize` (other examples drawn from the
 * training distribution) and normalizes each batch with BatchNorm (running statistics = true
 * statistics), LayerNorm over `[C, …spatial]`, GroupNorm and InstanceNorm (PyTorch semantics,
 * no affine parameters).
 */
export function alternatives(cfg: LabConfig, batches = 4): AlternativesResult {
  const bn = batchNormConfigOf(cfg);
  const stats = channelStats(cfg);
  const rng = new Rng(subSeed(cfg.seed, 8));
  const C = cfg.channels;
  const S = spatialSize(cfg);
  const B = cfg.batchSize;
  const example = drawSamples(cfg, stats, rng, 1, 'train', 0.5);
  const inputs = Array.from({ length: batches }, () => {
    const d = new Float32Array(B * C * S);
    d.set(example, 0);
    d.set(drawSamples(cfg, stats, rng, B - 1, 'train'), C * S);
    return d;
  });
  const sim = new BatchNormSim(bn, cfg.trackRunningStats ? { runningMean: Array.from(stats.mean), runningVar: Array.from(stats.std, (s) => s * s) } : {});
  const groups = groupCount(C);
  const shape = inputShape(cfg, B); // one batch, channels-first
  const G = inputs.length;
  // Every batch goes through each normalization at once. LayerNorm, GroupNorm and InstanceNorm
  // treat each example alone, so the batches joined channels-first `[G·B, C, …]` give each batch's
  // outputs (their shape checks run on ONE batch's shape, as PyTorch would see it); BatchNorm runs
  // the batches as a stack `[G, B, …]` in its own layout, each batch with its own statistics. Both
  // measures below pool values without regard to their order, so the layout does not matter.
  const L = B * C * S; // values per batch
  const joinedData = new Float32Array(G * L);
  inputs.forEach((d, g) => joinedData.set(d, g * L));
  const joined = channelsFirstTensor(cfg, joinedData); // [G·B, C, …]
  const stacked = stackedTensor(cfg, bn, inputs); // [G, B, …] in the layer's layout
  const bnStack = (mode: 'train' | 'eval'): tf.Tensor => sim.computeStack(sim.plan(layerShape(bn, shape), mode, { updateState: false }), stacked).output;
  type Norm = { name: string; check: () => void; train: () => tf.Tensor; eval: () => tf.Tensor };
  const norms: Norm[] = [
    {
      name: 'BatchNorm',
      check: () => {
        sim.plan(layerShape(bn, shape), 'train', { updateState: false });
        sim.plan(layerShape(bn, shape), 'eval');
      },
      train: () => bnStack('train'),
      eval: () => bnStack('eval'),
    },
    { name: 'LayerNorm', check: () => undefined, train: () => layerNorm(joined, shape.slice(1), { eps: cfg.eps }), eval: () => layerNorm(joined, shape.slice(1), { eps: cfg.eps }) },
    { name: `GroupNorm(${groups})`, check: () => checkGroupNorm(shape, groups), train: () => groupNorm(joined, groups, { eps: cfg.eps }), eval: () => groupNorm(joined, groups, { eps: cfg.eps }) },
    { name: 'InstanceNorm', check: () => undefined, train: () => instanceNorm(joined, { eps: cfg.eps }), eval: () => instanceNorm(joined, { eps: cfg.eps }) },
  ];
  const rows: AlternativeRow[] = [];
  const pending: { name: string; values: tf.Tensor }[] = [];
  try {
    for (const norm of norms) {
      if (norm.name === 'InstanceNorm' && S === 1) {
        rows.push({ name: norm.name, batchDependence: null, trainEvalGap: null, error: 'needs spatial dimensions ([N, C, L] or larger); this input is [N, C]' });
        continue;
      }
      try {
        norm.check();
        const values = tf.tidy(() => {
          const y = tf.reshape(norm.train(), [G, L]);
          const yEval = tf.reshape(norm.eval(), [G, L]);
          const F = L / B;
          const outs = tf.reshape(sumAxes13(tf.reshape(y, [G, B, F, 1]), { first: 1 }), [1, G, F, 1]); // example 0 of each batch
          // Spread across the batches: per value, the biased variance over G (as tf.moments), then sqrt and mean.
          const variance = sumSquaredDeviations13(outs, sumAxes13(outs, { divisor: G }), { divisor: G }); // [1, F]
          const dependence = sumAxes13(tf.reshape(tf.sqrt(variance), [1, 1, 1, F]), { divisor: F });
          const gaps = sumAbsDifferences13(tf.reshape(y, [G, 1, 1, L]), yEval, { divisor: L }); // [G, 1]: mean |train − eval| per batch
          return tf.concat([dependence, sumAxes13(tf.reshape(gaps, [1, G, 1, 1]), { divisor: G })], 1);
        });
        rows.push({ name: norm.name, batchDependence: null, trainEvalGap: null, error: null });
        pending.push({ name: norm.name, values });
      } catch (e) {
        rows.push({ name: norm.name, batchDependence: null, trainEvalGap: null, error: frameworkMessage(e) });
      }
    }
  } finally {
    tf.dispose([joined, stacked]);
    sim.dispose();
  }
  // One download for every normalization's [dependence, gap].
  const [values] = download([joinFlat(pending.map((p) => p.values))]);
  pending.forEach((p, i) => {
    const r = rows.findIndex((row) => row.name === p.name);
    rows[r] = { name: p.name, batchDependence: values[2 * i]!, trainEvalGap: values[2 * i + 1]!, error: null };
  });
  return { batchSize: B, batches, rows, takeaway: takeaway(cfg, rows) };
}

function takeaway(cfg: LabConfig, rows: AlternativeRow[]): string {
  const bnRow = rows[0]!;
  const others = rows.slice(1).filter((r) => r.error === null);
  const names = others.map((r) => r.name.replace(/\(.*\)/, '')).join(', ');
  const worst = Math.max(0, ...others.map((r) => Math.max(r.batchDependence ?? 0, r.trainEvalGap ?? 0)));
  if (bnRow.error !== null) return `At batch size ${cfg.batchSize} BatchNorm cannot train (${bnRow.error}); ${names} work on every example alone.`;
  return (
    `At batch size ${cfg.batchSize} one example's BatchNorm output moves by ${fmt(bnRow.batchDependence!)} with the rest of its batch and ` +
    `is ${fmt(bnRow.trainEvalGap!)} off in eval mode; ${names} normalize each example alone (${worst < 1e-5 ? 'no dependence, no gap' : `at most ${fmt(worst)}`}).`
  );
}
