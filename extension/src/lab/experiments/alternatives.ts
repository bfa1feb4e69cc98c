/**
 * View 5, "Alternatives": BatchNorm, LayerNorm, GroupNorm and InstanceNorm on the same input at the
 * chosen batch size (NL005): how much one example's output depends on the rest of its batch, and
 * how far train mode is from eval mode.
 */
import * as tf from '@tensorflow/tfjs';
import { BatchNormSim } from '../core/batchnorm';
import { groupNorm, instanceNorm, layerNorm } from '../core/norms';
import { batchNormConfigOf, spatialSize, type LabConfig } from './config';
import { channelsFirstTensor, channelStats, drawSamples, fromLayout, Rng, subSeed, toLayout } from './data';
import { fmt, frameworkMessage, readScalars } from './util';

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
  type Norm = { name: string; train: (x: tf.Tensor) => tf.Tensor; eval: (x: tf.Tensor) => tf.Tensor };
  const norms: Norm[] = [
    {
      name: 'BatchNorm',
      train: (x) => fromLayout(sim.forward(toLayout(x, bn), 'train', { updateState: false }).output, bn),
      eval: (x) => fromLayout(sim.forward(toLayout(x, bn), 'eval').output, bn),
    },
    { name: 'LayerNorm', train: (x) => layerNorm(x, x.shape.slice(1), { eps: cfg.eps }), eval: (x) => layerNorm(x, x.shape.slice(1), { eps: cfg.eps }) },
    { name: `GroupNorm(${groups})`, train: (x) => groupNorm(x, groups, { eps: cfg.eps }), eval: (x) => groupNorm(x, groups, { eps: cfg.eps }) },
    { name: 'InstanceNorm', train: (x) => instanceNorm(x, { eps: cfg.eps }), eval: (x) => instanceNorm(x, { eps: cfg.eps }) },
  ];
  const rows: AlternativeRow[] = [];
  try {
    for (const norm of norms) {
      if (norm.name === 'InstanceNorm' && S === 1) {
        rows.push({ name: norm.name, batchDependence: null, trainEvalGap: null, error: 'needs spatial dimensions ([N, C, L] or larger); this input is [N, C]' });
        continue;
      }
      let scalars: tf.Tensor[] = [];
      try {
        scalars = tf.tidy(() => {
          const outs: tf.Tensor[] = [];
          const gaps: tf.Tensor[] = [];
          for (const data of inputs) {
            const x = channelsFirstTensor(cfg, data);
            const y = norm.train(x);
            outs.push(tf.reshape(tf.slice(y, [0], [1]), [C * S]));
            gaps.push(tf.mean(tf.abs(tf.sub(y, norm.eval(x)))));
          }
          const stacked = tf.stack(outs); // [batches, C·S]
          const { variance } = tf.moments(stacked, 0);
          return [tf.mean(tf.sqrt(variance)), tf.mean(tf.stack(gaps))];
        });
      } catch (e) {
        rows.push({ name: norm.name, batchDependence: null, trainEvalGap: null, error: frameworkMessage(e) });
        continue;
      }
      const [dep, gap] = readScalars(scalars);
      rows.push({ name: norm.name, batchDependence: dep!, trainEvalGap: gap!, error: null });
    }
  } finally {
    sim.dispose();
  }
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
