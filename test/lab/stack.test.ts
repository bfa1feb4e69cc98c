/**
 * BN Lab core, batched paths (CPU backend): `computeStack`/`batchStatisticsStack` give each stacked
 * batch exactly what `compute` gives it alone, `channelMoments` matches `tf.moments`, and the
 * reductions of `core/kernels.ts` match plain tf ops. The WebGL shaders of the same reductions are
 * compared with these in `test/lab-browser/webgl.test.ts`.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useTfjsCpu } from '../helpers/tfjs-cpu';
import {
  BatchNormSim,
  centerScaleShift,
  channelMoments,
  defaultBatchNormConfig,
  maxAxes13,
  sumAbsDifferences13,
  sumAxes13,
  sumSquaredDeviations13,
  type BatchNormConfig,
  type Mode,
} from '../../extension/src/lab/core';
import { Rng } from '../../extension/src/lab/experiments';

/** Seeded normal data of `shape` (mean 1.5, std 2). */
function data(shape: number[], seed = 1): tf.Tensor {
  const rng = new Rng(seed);
  return tf.tensor(rng.normals(shape.reduce((a, b) => a * b, 1)).map((v) => 1.5 + 2 * v), shape);
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

const CONFIGS: [string, BatchNormConfig, number[]][] = [
  ['PyTorch BatchNorm2d', { ...defaultBatchNormConfig('pytorch', 3, 2), momentum: null }, [5, 3, 4, 2]],
  ['PyTorch BatchNorm1d [N, C]', defaultBatchNormConfig('pytorch', 3, 1), [6, 3]],
  ['PyTorch BatchNorm1d without running stats', { ...defaultBatchNormConfig('pytorch', 3, 1), trackRunningStats: false }, [4, 3, 5]],
  ['Keras 3 channels-last rank 4', defaultBatchNormConfig('keras3', 3), [4, 2, 3, 3]],
  ['Keras 2 fused', defaultBatchNormConfig('keras2', 3), [4, 2, 2, 3]],
  ['TF.js without center/scale', { ...defaultBatchNormConfig('tfjs', 3), center: false, scale: false }, [5, 3]],
];

describe('BN Lab core: stacked batches and reductions (CPU backend)', () => {
  useTfjsCpu({ checkLeaks: true });

  for (const [name, config, shape] of CONFIGS) {
    for (const mode of ['train', 'eval'] as Mode[]) {
      it(`computeStack = compute per batch: ${name}, ${mode}`, () => {
        const C = config.numFeatures;
        const sim = new BatchNormSim(config, {
          ...(config.framework === 'pytorch' ? (config.affine ? { weight: [1.5, 0.5, 2], bias: [0.1, -0.2, 0.3] } : {}) : config.scale ? { weight: [1.5, 0.5, 2], bias: [0.1, -0.2, 0.3] } : {}),
          ...(config.framework !== 'pytorch' || config.trackRunningStats ? { runningMean: [1, 2, 3], runningVar: [0.5, 1, 4] } : {}),
        });
        try {
          const G = 3;
          const xs = data([G, ...shape], 7);
          const plan = sim.plan(shape, mode, { updateState: false });
          const stacked = sim.computeStack(plan, xs);
          tf.tidy(() => {
            for (let g = 0; g < G; g++) {
              const x = tf.squeeze(tf.slice(xs, [g], [1]), [0]);
              const one = sim.compute(plan, x);
              assert.equal(maxAbsDiff(tf.squeeze(tf.slice(stacked.output, [g], [1]), [0]), one.output), 0, `output of batch ${g}`);
              if (plan.useBatchStatistics) {
                assert.equal(maxAbsDiff(tf.squeeze(tf.slice(stacked.mean!, [g], [1]), [0]), one.mean!), 0, `mean of batch ${g}`);
                assert.equal(maxAbsDiff(tf.squeeze(tf.slice(stacked.variance!, [g], [1]), [0]), one.variance!), 0, `variance of batch ${g}`);
              } else assert.equal(stacked.mean, undefined);
            }
            if (plan.useBatchStatistics) {
              const stats = sim.batchStatisticsStack(plan, xs);
              assert.deepEqual(stats.mean.shape, [G, C]);
              assert.equal(maxAbsDiff(stats.mean, stacked.mean!), 0);
              assert.equal(maxAbsDiff(stats.variance, stacked.variance!), 0);
            } else assert.throws(() => sim.batchStatisticsStack(plan, xs), RangeError);
          });
          tf.dispose([xs, stacked.output, stacked.mean, stacked.variance].filter((t): t is tf.Tensor => t !== undefined));
          tf.tidy(() => assert.throws(() => sim.computeStack(plan, tf.zeros([2, shape[0]! + 1, ...shape.slice(1)])), /is not \[G,/));
        } finally {
          sim.dispose();
        }
      });
    }
  }

  it('a stack does not change the state; the plan/commit per batch does', () => {
    const sim = new BatchNormSim(defaultBatchNormConfig('pytorch', 3, 1));
    try {
      const xs = data([4, 6, 3]);
      const plan = sim.plan([6, 3], 'train');
      const { mean, variance } = sim.batchStatisticsStack(plan, xs);
      assert.deepEqual(Array.from(sim.state().runningMean!), [0, 0, 0]);
      assert.equal(sim.numBatchesTracked, 1); // the plan counted the step, as PyTorch does before computing
      tf.dispose([xs, mean, variance]);
    } finally {
      sim.dispose();
    }
  });

  it('channelMoments matches tf.moments in both layouts', () => {
    tf.tidy(() => {
      const x = data([5, 3, 4, 2]);
      const first = channelMoments(x, 'channels-first');
      const ref = tf.moments(x, [0, 2, 3]);
      assert.ok(maxAbsDiff(first.mean, ref.mean) < 1e-6 && maxAbsDiff(first.variance, ref.variance) < 1e-5);
      const last = channelMoments(tf.transpose(x, [0, 2, 3, 1]), 'channels-last');
      assert.ok(maxAbsDiff(last.mean, ref.mean) < 1e-6 && maxAbsDiff(last.variance, ref.variance) < 1e-5);
    });
  });

  it('the reductions match plain tf ops', () => {
    tf.tidy(() => {
      const x = data([3, 5, 4, 6]);
      const sum13 = tf.sum(x, [1, 3]);
      assert.ok(maxAbsDiff(sumAxes13(x), sum13) < 1e-4);
      assert.ok(maxAbsDiff(sumAxes13(x, { divisor: 30 }), tf.div(sum13, 30)) < 1e-6);
      assert.equal(maxAbsDiff(sumAxes13(tf.reshape(x, [3, 5, 24, 1]), { first: 1 }), tf.reshape(tf.slice(x, [0, 0, 0, 0], [3, 1, 4, 6]), [3, 24])), 0);
      const m = tf.div(sum13, 30);
      const sq = tf.sum(tf.square(tf.sub(x, tf.reshape(m, [3, 1, 4, 1]))), [1, 3]);
      assert.ok(maxAbsDiff(sumSquaredDeviations13(x, m), sq) < 1e-4);
      const y = data([5, 4, 6], 2); // broadcast along the leading axis
      assert.ok(maxAbsDiff(sumAbsDifferences13(x, y, { divisor: 2 }), tf.div(tf.sum(tf.abs(tf.sub(x, y)), [1, 3]), 2)) < 1e-4);
      assert.ok(maxAbsDiff(sumAbsDifferences13(x, tf.reshape(tf.neg(x), [90, 4])), tf.sum(tf.abs(tf.mul(x, 2)), [1, 3])) < 1e-4);
      assert.equal(maxAbsDiff(maxAxes13(x), tf.max(x, [1, 3])), 0);
      const [mean, scale, bias] = [data([3, 4], 3), data([3, 4], 4), data([4], 5)];
      const ref = tf.add(tf.mul(tf.sub(x, tf.reshape(mean, [3, 1, 4, 1])), tf.reshape(scale, [3, 1, 4, 1])), tf.reshape(bias, [1, 1, 4, 1]));
      assert.equal(maxAbsDiff(centerScaleShift(x, mean, scale, bias), ref), 0);
      const one = tf.slice(x, [0, 0, 0, 0], [1, 5, 4, 6]); // one input under three sets of parameters
      assert.equal(maxAbsDiff(centerScaleShift(one, mean, scale, null), tf.mul(tf.sub(one, tf.reshape(mean, [3, 1, 4, 1])), tf.reshape(scale, [3, 1, 4, 1]))), 0);
      assert.throws(() => centerScaleShift(x, tf.zeros([2, 4]), scale, null), RangeError);
      assert.throws(() => sumAxes13(tf.zeros([2, 3])), RangeError);
      assert.throws(() => sumAxes13(x, { first: 6 }), RangeError);
      assert.throws(() => sumSquaredDeviations13(x, tf.zeros([3, 5])), RangeError);
      assert.throws(() => sumAbsDifferences13(x, tf.zeros([7])), RangeError);
    });
  });
});
