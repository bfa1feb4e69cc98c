/**
 * BN Lab core beyond the golden cases: SEMANTICS.md's worked example, framework differences that
 * have no golden run (Keras 2 fused path, Keras `trainable=False`), PyTorch error messages, tensor
 * bookkeeping, and checks that the golden tests CAN fail: deliberately wrong semantics must be
 * rejected by the same comparison.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useTfjsCpu } from '../helpers/tfjs-cpu';
import { withSim } from './assert-close';
import {
  BatchNormSim,
  defaultBatchNormConfig,
  disposeAll,
  foldBatchNorm,
  FrameworkError,
  groupNorm,
  instanceNorm,
  layerNorm,
  LinearBnReluLinear,
  type BatchNormConfig,
  type Framework,
  type Mode,
  type TorchBatchNormConfig,
} from '../../extension/src/lab/core';
import { assertClose, assertTorchState, tensorOf, vectorOf, withinTolerance } from './assert-close';
import { casesOfKind, loadGolden, type GSequenceCase, type GTorchConfig, type TorchGolden } from './golden-data';

const torchGolden = loadGolden<TorchGolden>('batchnorm_torch.json');
const sequences = casesOfKind(torchGolden, 'sequence');

function sequence(name: string): GSequenceCase {
  const c = sequences.find((s) => s.name === name);
  assert.ok(c, `golden case ${name} missing`);
  return c;
}

function torchConfig(c: GTorchConfig): TorchBatchNormConfig {
  return {
    ...defaultBatchNormConfig('pytorch', c.num_features, Number(c.class[9]) as 1 | 2 | 3),
    eps: c.eps,
    momentum: c.momentum,
    affine: c.affine,
    trackRunningStats: c.track_running_stats,
  };
}

function frameworkError(exceptionType: string, message: string): (e: unknown) => boolean {
  return (e) => e instanceof FrameworkError && e.exceptionType === exceptionType && e.message === message;
}

describe('BN Lab core: semantics', () => {
  useTfjsCpu({ checkLeaks: false });

  describe('SEMANTICS.md §1 worked example (one channel, x = [1, 2, 3, 4], one train step, defaults)', () => {
    const pytorch = { train: [-1.341635, -0.447212, 0.447212, 1.341635], mean: 0.25, variance: 1.0666667, eval: [0.726181, 1.694422, 2.662664, 3.630905] };
    const keras = { train: [-1.341105, -0.447035, 0.447035, 1.341105], mean: 0.025, variance: 1.0025, eval: [0.973298, 1.971553, 2.969807, 3.968062] };
    const rows: Array<[string, Framework, number[], typeof pytorch]> = [
      ['PyTorch [run]', 'pytorch', [4, 1], pytorch],
      ['TensorFlow.js [run]', 'tfjs', [4, 1], keras],
      ['Keras 3 [src]', 'keras3', [4, 1], keras],
      ['Keras 3, 4D input [src]: no fused path', 'keras3', [1, 2, 2, 1], keras],
      ['Keras 2 non-fused, 2D input [src]', 'keras2', [4, 1], keras],
      ['Keras 2 fused, 4D input [src]: Bessel-corrected moving variance', 'keras2', [1, 2, 2, 1], { ...keras, variance: 1.0066667, eval: [] }],
    ];
    for (const [label, framework, shape, expected] of rows) {
      it(label, () => {
        const config = framework === 'pytorch' ? defaultBatchNormConfig('pytorch', 1) : defaultBatchNormConfig(framework, 1);
        withSim(config, {}, (sim) => {
          const x = tf.tensor([1, 2, 3, 4], shape);
          assertClose(sim.forward(x, 'train').output, expected.train, 'train output');
          const state = sim.state();
          assert.ok(state.runningMean && state.runningVar);
          assertClose(state.runningMean, expected.mean, 'running mean');
          assertClose(state.runningVar, expected.variance, 'running variance');
          if (expected.eval.length) assertClose(sim.forward(x, 'eval').output, expected.eval, 'eval output');
        });
      });
    }
  });

  describe('frozen layers', () => {
    const x = (): tf.Tensor => tf.tensor2d([[1, -2], [3, 0.5], [-1, 4], [2, 2]]);

    for (const framework of ['keras2', 'keras3'] as const) {
      it(`${framework}: trainable=False runs in inference mode even when training`, () => {
        withSim({ ...defaultBatchNormConfig(framework, 2), frozen: true }, { runningMean: [0.5, -1], runningVar: [2, 3] }, (sim) => {
          const before = sim.state();
          const train = sim.forward(x(), 'train');
          assert.equal(train.batchStatistics, null);
          assert.equal(train.update, null);
          assert.equal(train.stateChanged, false);
          assert.deepEqual(sim.state(), before);
          assertClose(train.output, sim.forward(x(), 'eval').output, 'train output = eval output');
          const grads = sim.forwardBackward(x(), tf.onesLike(x()), 'train');
          assert.equal(grads.dWeight, null);
          assert.equal(grads.dBias, null);
        });
      });
    }

    it('tfjs: trainable=false still normalizes with batch statistics and updates them; no gamma/beta gradients', () => {
      withSim({ ...defaultBatchNormConfig('tfjs', 2), frozen: true }, {}, (sim) => {
        const train = sim.forward(x(), 'train');
        assert.ok(train.batchStatistics);
        assert.equal(train.stateChanged, true);
        const grads = sim.forwardBackward(x(), tf.onesLike(x()), 'train');
        assert.equal(grads.dWeight, null);
        assert.equal(grads.dBias, null);
      });
    });

    it('pytorch: requires_grad_(False) removes the weight/bias gradients only', () => {
      const dy = (): tf.Tensor => tf.tensor2d([[0.3, -1], [2, 0.5], [-0.7, 1], [0.1, 0.2]]);
      withSim(defaultBatchNormConfig('pytorch', 2), {}, (free) => {
        withSim({ ...defaultBatchNormConfig('pytorch', 2), frozen: true }, {}, (frozen) => {
          const a = free.forwardBackward(x(), dy(), 'train');
          const b = frozen.forwardBackward(x(), dy(), 'train');
          assert.ok(a.dWeight && a.dBias);
          assert.equal(b.dWeight, null);
          assert.equal(b.dBias, null);
          assertClose(b.dx, a.dx, 'dx');
          assert.deepEqual(frozen.state(), free.state(), 'both update their running statistics and counter');
        });
      });
    });
  });

  describe('PyTorch errors (messages observed on PyTorch 1.13.1)', () => {
    it('track_running_stats=False raises for a batch of one in eval mode too (eval uses batch statistics)', () => {
      withSim({ ...defaultBatchNormConfig('pytorch', 3), trackRunningStats: false }, {}, (sim) => {
        const message = 'Expected more than 1 value per channel when training, got input size torch.Size([1, 3])';
        assert.throws(() => sim.forward(tf.ones([1, 3]), 'eval'), frameworkError('ValueError', message));
      });
    });

    it('a channel-count mismatch names the first mismatching tensor', () => {
      withSim(defaultBatchNormConfig('pytorch', 4), {}, (sim) => {
        assert.throws(() => sim.forward(tf.ones([2, 3]), 'eval'), frameworkError('RuntimeError', 'running_mean should contain 3 elements not 4'));
        assert.equal(sim.numBatchesTracked, 0, 'an eval pass does not count');
      });
      withSim({ ...defaultBatchNormConfig('pytorch', 4), trackRunningStats: false }, {}, (sim) => {
        assert.throws(() => sim.forward(tf.ones([2, 3]), 'train'), frameworkError('RuntimeError', 'weight should contain 3 elements not 4'));
      });
    });

    it('rank errors', () => {
      withSim(defaultBatchNormConfig('pytorch', 3), {}, (sim) => {
        assert.throws(() => sim.forward(tf.ones([3]), 'train'), frameworkError('ValueError', 'expected 2D or 3D input (got 1D input)'));
        assert.equal(sim.numBatchesTracked, 0, 'the rank check precedes the counter');
      });
    });

    it('GroupNorm / InstanceNorm / LayerNorm', () => {
      tf.tidy(() => {
        const perChannel = 'Expected more than 1 value per channel when training, got input size';
        assert.throws(() => groupNorm(tf.ones([1, 2]), 2, { eps: 1e-5 }), frameworkError('ValueError', `${perChannel} [1, 2]`));
        assert.throws(() => groupNorm(tf.ones([1, 2, 1, 1]), 2, { eps: 1e-5 }), frameworkError('ValueError', `${perChannel} [1, 2, 1, 1]`));
        assert.doesNotThrow(() => groupNorm(tf.ones([1, 4]), 2, { eps: 1e-5 }));
        assert.throws(() => groupNorm(tf.ones([2, 4]), 3, { eps: 1e-5 }), frameworkError('ValueError', 'num_channels must be divisible by num_groups'));
        assert.throws(
          () => instanceNorm(tf.ones([2, 3, 1, 1]), { eps: 1e-5 }),
          frameworkError('ValueError', 'Expected more than 1 spatial element when training, got input size torch.Size([2, 3, 1, 1])'),
        );
        assert.throws(
          () => layerNorm(tf.ones([2, 3]), [5], { eps: 1e-5 }),
          frameworkError('RuntimeError', 'Given normalized_shape=[5], expected input with shape [*, 5], but got input of size[2, 3]'),
        );
      });
    });
  });

  describe('Keras and TensorFlow.js specifics', () => {
    it('a channel-count mismatch raises the input-spec ValueError', () => {
      withSim(defaultBatchNormConfig('tfjs', 4), {}, (sim) => {
        assert.throws(
          () => sim.forward(tf.ones([2, 2, 2, 3]), 'train'),
          frameworkError(
            'ValueError',
            'Input 0 is incompatible with layer batch_normalization: expected axis 3 of input shape to have value 4 but got shape 2,2,2,3.',
          ),
        );
      });
      withSim(defaultBatchNormConfig('keras3', 4), {}, (sim) => {
        assert.throws(
          () => sim.forward(tf.ones([2, 3]), 'train'),
          frameworkError(
            'ValueError',
            'Input 0 of layer "batch_normalization" is incompatible with the layer: expected axis 1 of input shape to have value 4, ' +
              'but received input with shape (2, 3)',
          ),
        );
      });
    });

    it('Keras has no momentum=None; TensorFlow.js turns it into 0.99', () => {
      assert.throws(() => new BatchNormSim({ ...defaultBatchNormConfig('keras2', 2), momentum: null }), RangeError);
      withSim({ ...defaultBatchNormConfig('tfjs', 1), momentum: null }, {}, (sim) => {
        assert.equal(sim.momentum, 0.99);
        sim.forward(tf.tensor2d([[0], [2]]), 'train');
        assertClose(sim.state().runningMean!, 0.01, 'moving mean after one step');
      });
    });

    it('Keras 2 fused path with one value per channel: no error and no NaN (n−1 clamped to 1)', () => {
      withSim(defaultBatchNormConfig('keras2', 2), {}, (sim) => {
        const out = sim.forward(tf.tensor4d([[[[3, -1]]]]), 'train').output;
        assertClose(out, [0, 0], 'output = beta');
        assertClose(sim.state().runningVar!, [0.99, 0.99], 'moving variance');
      });
    });

    it('trap (SEMANTICS.md §4.1): tf.batchNorm with [1, C, 1, 1] statistics is wrong on CPU, the core is right', () => {
      tf.tidy(() => {
        const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 1, 3]);
        const mean = tf.tensor4d([10, 20], [1, 2, 1, 1]);
        const kernel = tf.batchNorm(x, mean, tf.onesLike(mean), undefined, undefined, 0);
        assert.deepEqual(Array.from(kernel.dataSync()), [-9, -18, -7, -16, -5, -14], 'tfjs fixed #1106: revisit SEMANTICS.md §4 and frameworkIssues()');
        const sim = new BatchNormSim({ ...defaultBatchNormConfig('tfjs', 2), layout: 'channels-first', eps: 0 }, { runningMean: [10, 20] });
        try {
          assertClose(sim.forward(x, 'eval').output, [-9, -8, -7, -16, -15, -14], 'core');
        } finally {
          sim.dispose();
        }
      });
    });

    it('channels-first (axis=1) and channels-last layouts agree', () => {
      tf.tidy(() => {
        const x = tf.randomNormal([3, 4, 2, 5], 1, 2, 'float32', 7);
        const first = new BatchNormSim({ ...defaultBatchNormConfig('tfjs', 4), layout: 'channels-first' });
        const last = new BatchNormSim(defaultBatchNormConfig('tfjs', 4));
        try {
          const a = first.forward(x, 'train').output;
          const b = tf.transpose(last.forward(tf.transpose(x, [0, 2, 3, 1]), 'train').output, [0, 3, 1, 2]);
          assertClose(a, b, 'train output');
          assertClose(first.state().runningVar!, last.state().runningVar!, 'moving variance');
        } finally {
          first.dispose();
          last.dispose();
        }
      });
    });
  });

  describe('state handling', () => {
    it('a dry run (updateState: false) changes nothing, and still raises like a real pass', () => {
      withSim(defaultBatchNormConfig('pytorch', 2), {}, (sim) => {
        const before = sim.state();
        const dry = sim.forward(tf.tensor2d([[1, 2], [3, 5]]), 'train', { updateState: false });
        assert.ok(dry.update, 'the update that would happen is reported');
        assert.equal(dry.stateChanged, false);
        assert.deepEqual(sim.state(), before);
        assert.throws(() => sim.forward(tf.ones([1, 2]), 'train', { updateState: false }), FrameworkError);
        assert.equal(sim.numBatchesTracked, 0);
        assert.throws(() => sim.forward(tf.ones([1, 2]), 'train'), FrameworkError);
        assert.equal(sim.numBatchesTracked, 1, 'a real raising pass has counted the batch');
      });
    });

    it('state survives an enclosing tf.tidy', () => {
      const sim = new BatchNormSim(defaultBatchNormConfig('pytorch', 2));
      try {
        tf.tidy(() => void sim.forward(tf.tensor2d([[1, 2], [3, 5]]), 'train'));
        assertClose(sim.state().runningMean!, [0.2, 0.35], 'running mean');
      } finally {
        sim.dispose();
      }
    });

    it('track_running_stats=False cannot be folded', () => {
      withSim({ ...defaultBatchNormConfig('pytorch', 2), trackRunningStats: false }, {}, (sim) => {
        assert.throws(() => sim.evalNormalization(), RangeError);
      });
    });

    it('invalid configs and init values are rejected', () => {
      const before = tf.memory().numTensors;
      assert.throws(() => defaultBatchNormConfig('pytorch', 0), RangeError);
      assert.throws(() => new BatchNormSim({ ...defaultBatchNormConfig('pytorch', 2), eps: -1 }), RangeError);
      assert.throws(() => new BatchNormSim(defaultBatchNormConfig('pytorch', 2), { weight: [1, 2, 3] }), RangeError);
      assert.throws(() => new BatchNormSim({ ...defaultBatchNormConfig('pytorch', 2), affine: false }, { weight: [1, 2] }), RangeError);
      assert.equal(tf.memory().numTensors, before, 'a rejected construction leaks nothing');
    });

    it('readState() equals state()', async () => {
      const sim = new BatchNormSim(defaultBatchNormConfig('pytorch', 2));
      try {
        tf.tidy(() => void sim.forward(tf.tensor2d([[1, 2], [3, 5]]), 'train'));
        assert.deepEqual(await sim.readState(), sim.state());
      } finally {
        sim.dispose();
      }
    });
  });

  it('the core uses no Node-only API (it must run in a webview)', () => {
    const dir = path.resolve(__dirname, '..', '..', 'extension', 'src', 'lab', 'core');
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const source = fs.readFileSync(path.join(dir, file), 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      assert.deepEqual(imports.filter((m) => m !== '@tensorflow/tfjs' && !m?.startsWith('./')), [], `${file} imports`);
      assert.doesNotMatch(source, /\b(process|Buffer|__dirname|require)\b|tfjs-node/, file);
    }
  });

  describe('memory: a simulation session releases every tensor', () => {
    it('BatchNormSim: train/eval/dry-run passes, gradients, errors, folding, norms', () => {
      const before = tf.memory().numTensors;
      const sim = new BatchNormSim(defaultBatchNormConfig('pytorch', 3, 2));
      const x = tf.randomNormal([4, 3, 5, 5], 0, 1, 'float32', 1);
      const dy = tf.onesLike(x);
      for (let i = 0; i < 5; i++) {
        for (const mode of ['train', 'eval'] as Mode[]) disposeAll(sim.forward(x, mode));
        disposeAll(sim.forward(x, 'train', { updateState: false }));
        disposeAll(sim.forwardBackward(x, dy, 'train'), sim.forwardBackward(x, dy, 'eval'));
      }
      const one = tf.ones([1, 3, 1, 1]);
      assert.throws(() => sim.forward(one, 'train'), FrameworkError);
      const conv = { weight: tf.ones([3, 2, 3, 3]), bias: null };
      disposeAll(foldBatchNorm(conv, sim.evalNormalization()), conv);
      disposeAll(layerNorm(x, [3, 5, 5], { eps: 1e-5 }), groupNorm(x, 3, { eps: 1e-5 }), instanceNorm(x, { eps: 1e-5 }));
      sim.state();
      disposeAll(x, dy, one);
      sim.dispose();
      assert.equal(tf.memory().numTensors, before);
    });

    it('LinearBnReluLinear: SGD steps, probes and a raising step', () => {
      const before = tf.memory().numTensors;
      const init = {
        fc1Weight: tf.randomNormal([8, 4], 0, 0.5, 'float32', 2) as tf.Tensor2D,
        fc1Bias: tf.zeros([8]) as tf.Tensor1D,
        fc2Weight: tf.randomNormal([1, 8], 0, 0.3, 'float32', 3) as tf.Tensor2D,
        fc2Bias: tf.zeros([1]) as tf.Tensor1D,
      };
      const mlp = new LinearBnReluLinear(init, defaultBatchNormConfig('pytorch', 8));
      disposeAll(init);
      const x = tf.randomNormal([16, 4], 0, 1, 'float32', 4) as tf.Tensor2D;
      const y = tf.randomNormal([16, 1], 0, 1, 'float32', 5) as tf.Tensor2D;
      mlp.sgdStep(x, y, 0.1);
      const afterOneStep = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) mlp.sgdStep(x, y, 0.1);
      assert.equal(tf.memory().numTensors, afterOneStep, 'no growth per step');
      disposeAll(mlp.forward(x, 'eval'), mlp.forward(x, 'train', { updateState: false }));
      const [x1, y1] = [tf.slice(x, [0, 0], [1, 4]) as tf.Tensor2D, tf.slice(y, [0, 0], [1, 1]) as tf.Tensor2D];
      assert.throws(() => mlp.sgdStep(x1, y1, 0.1), FrameworkError);
      disposeAll(x1, y1);
      assert.equal(tf.memory().numTensors, afterOneStep, 'a raising step leaks nothing');
      mlp.parameters();
      disposeAll(x, y);
      mlp.dispose();
      assert.equal(tf.memory().numTensors, before);
    });
  });

  describe('the golden comparison rejects wrong semantics', () => {
    it('the tolerance is |a−b| <= 1e-5·max(1,|b|)', () => {
      assert.ok(withinTolerance(1 + 0.9e-5, 1));
      assert.ok(!withinTolerance(1 + 1.1e-5, 1));
      assert.ok(withinTolerance(100 + 0.9e-3, 100));
      assert.ok(!withinTolerance(100 + 1.1e-3, 100));
      assert.ok(!withinTolerance(NaN, 0));
      assert.throws(() => assertClose([1, 2 + 1e-4], [1, 2], 'label'), /1 of 2 values .* worst at 1/);
    });

    /** Output normalization with a given variance and eps placement, per step-1 golden data. */
    function wrongTrainOutput(c: GSequenceCase, variant: 'unbiased-variance' | 'eps-outside-sqrt'): tf.Tensor {
      const s = c.steps[0]!;
      const x = tensorOf(s.x);
      const perChannel = (t: tf.Tensor): tf.Tensor => (x.rank > 2 ? tf.reshape(t, [1, -1, ...Array<number>(x.rank - 2).fill(1)]) : t);
      const axes = [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2)];
      const { mean, variance } = tf.moments(x, axes);
      const n = s.count_per_channel;
      const denominator =
        variant === 'unbiased-variance' ? tf.sqrt(tf.add(tf.mul(variance, n / (n - 1)), c.config.eps)) : tf.add(tf.sqrt(variance), c.config.eps);
      let y = tf.div(tf.sub(x, perChannel(mean)), perChannel(denominator));
      if (c.params.weight) y = tf.mul(y, perChannel(vectorOf(c.params.weight)));
      if (c.params.bias) y = tf.add(y, perChannel(vectorOf(c.params.bias)));
      return y;
    }

    for (const c of sequences) {
      it(`${c.name}: normalizing with the unbiased variance fails the train-output golden`, () => {
        tf.tidy(() => {
          const wrong = wrongTrainOutput(c, 'unbiased-variance');
          assert.throws(() => assertClose(wrong, c.steps[0]!.train_output, 'train output'), assert.AssertionError);
        });
      });
    }

    it('eps outside the square root fails the train-output golden (bn2d_eps_0.1)', () => {
      const c = sequence('bn2d_eps_0.1');
      tf.tidy(() => assert.throws(() => assertClose(wrongTrainOutput(c, 'eps-outside-sqrt'), c.steps[0]!.train_output, 'train output'), assert.AssertionError));
    });

    /** Runs the first train step of a torch case with another config and compares its state to the golden. */
    function firstStepState(c: GSequenceCase, config: BatchNormConfig): () => void {
      return () =>
        withSim(config, { weight: c.params.weight?.data, bias: c.params.bias?.data }, (sim) => {
          sim.forward(tensorOf(c.steps[0]!.x), 'train');
          const s = sim.state();
          assertTorchState({ ...s, numBatchesTracked: c.steps[0]!.after.num_batches_tracked }, c.steps[0]!.after, 'state');
        });
    }

    it('a biased running variance (Keras/TensorFlow.js convention) fails the PyTorch running_var golden', () => {
      const c = sequence('bn1d_nc_default');
      const keras: BatchNormConfig = { ...defaultBatchNormConfig('keras3', 4), layout: 'channels-first', eps: c.config.eps, momentum: 1 - c.config.momentum! };
      assert.throws(firstStepState(c, keras), /runningVar/);
    });

    it('the momentum convention flipped (0.9 instead of 0.1) fails the running_mean golden', () => {
      const c = sequence('bn1d_nc_default');
      assert.throws(firstStepState(c, { ...torchConfig(c.config), momentum: 0.9 }), /runningMean/);
    });

    it('a fixed momentum instead of the cumulative average fails the momentum=None golden', () => {
      const c = sequence('bn2d_momentum_none_cma');
      assert.throws(firstStepState(c, { ...torchConfig(c.config), momentum: 0.1 }), /runningMean/);
    });

    it('normalizing with batch statistics in eval mode fails the eval golden of a tracking layer', () => {
      const c = sequence('bn2d_nchw_custom_affine');
      withSim({ ...torchConfig(c.config), trackRunningStats: false }, { weight: c.params.weight?.data, bias: c.params.bias?.data }, (sim) => {
        assert.throws(() => assertClose(sim.forward(tensorOf(c.x_eval), 'eval').output, c.eval_output_before_training, 'eval'), assert.AssertionError);
      });
    });
  });
});
