/**
 * BN Lab simulation core against the golden files: every case of `batchnorm_torch.json` (PyTorch
 * 1.13.1) and the TensorFlow.js cases of `batchnorm_tfjs.json` (@tensorflow/tfjs 4.22.0), on the
 * CPU backend, within `|a − b| ≤ 1e-5·max(1, |b|)`. One `it` per golden case (per mode/run where a
 * case holds several), so a failure names the case.
 *
 * What is NOT compared, and why (all of it is derived data or lacks its inputs):
 * - `float32_vs_float64_*`, `max_abs_*`, `tolerance_summary_*`: diagnostics of the generators.
 * - tfjs `tf_ops_torch_semantics` runs: max-abs figures of the reference implementation against the
 *   torch file, which these tests check directly.
 * - tfjs behaviours `apply_without_training_kwarg`, `gradient_rank2_training` and the tensors of
 *   `trainable_false_with_training_true`: their inputs are not stored (the booleans are checked).
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useTfjsCpu } from '../helpers/tfjs-cpu';
import { withSim } from './assert-close';
import {
  BatchNormSim,
  conv2dChannelsFirst,
  defaultBatchNormConfig,
  disposeAll,
  effectiveMomentum,
  foldBatchNorm,
  FRAMEWORK_FACTS,
  FrameworkError,
  frameworkIssues,
  groupNorm,
  instanceNorm,
  kerasMomentumFromTorch,
  layerNorm,
  LinearBnReluLinear,
  type BatchNormConfig,
  type KerasBatchNormConfig,
  type Mode,
  type SpatialDims,
  type TorchBatchNormConfig,
} from '../../extension/src/lab/core';
import { assertClose, assertTorchState, maxAbsDiff, meanAbsDiff, tensorOf, toChannelsFirst, toChannelsLast, vectorOf } from './assert-close';
import {
  casesOfKind,
  loadGolden,
  tfjsCasesOfKind,
  type GComparisonOutput,
  type GDivergenceCase,
  type GFrozenRecord,
  type GTfjsError,
  type GTfjsGradientPath,
  type GTfjsLayerRun,
  type GTorchConfig,
  type TfjsGolden,
  type TorchClass,
  type TorchGolden,
} from './golden-data';

const torchGolden = loadGolden<TorchGolden>('batchnorm_torch.json');
const tfjsGolden = loadGolden<TfjsGolden>('batchnorm_tfjs.json');

const DIMS: Record<TorchClass, SpatialDims> = { BatchNorm1d: 1, BatchNorm2d: 2, BatchNorm3d: 3 };

function torchConfig(c: GTorchConfig, overrides: Partial<TorchBatchNormConfig> = {}): TorchBatchNormConfig {
  return {
    framework: 'pytorch',
    dims: DIMS[c.class],
    numFeatures: c.num_features,
    eps: c.eps,
    momentum: c.momentum,
    affine: c.affine,
    trackRunningStats: c.track_running_stats,
    frozen: false,
    ...overrides,
  };
}

/** Asserts that `fn` throws the framework's error with this exception type and message. */
function assertFrameworkError(fn: () => unknown, exceptionType: string, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FrameworkError, `expected a FrameworkError, got ${String(e)}`);
    assert.equal(e.exceptionType, exceptionType);
    assert.equal(e.message, message);
    return true;
  });
}

/** Asserts that the first crash the core predicts for a TensorFlow.js operation is the recorded one. */
function assertPredictedCrash(
  config: KerasBatchNormConfig,
  query: { rank: number; mode: Mode; gradient: boolean; size: number },
  error: GTfjsError | { exception_type: string; message: string },
): void {
  const crash = frameworkIssues(config, { ...query, backend: 'cpu' }).find((i) => i.effect === 'throws');
  assert.ok(crash, `no crash predicted; TensorFlow.js raised ${error.exception_type}: ${error.message}`);
  assert.equal(crash.exceptionType, error.exception_type);
  assert.equal(crash.message, error.message);
}

describe('BN Lab core: golden values', function () {
  useTfjsCpu({ checkLeaks: false });

  describe(`PyTorch ${torchGolden.meta.torch_version} (batchnorm_torch.json)`, () => {
    describe('sequence: 5 train steps, running statistics and eval after each', () => {
      for (const c of casesOfKind(torchGolden, 'sequence')) {
        it(c.name, () => {
          const init = { weight: c.params.weight?.data, bias: c.params.bias?.data };
          withSim(torchConfig(c.config), init, (sim) => {
            assertTorchState(sim.state(), c.initial_state, 'initial state');
            const xEval = tensorOf(c.x_eval);
            const before = sim.forward(xEval, 'eval');
            assertClose(before.output, c.eval_output_before_training, 'eval output before training');
            assert.equal(before.stateChanged, false, 'an eval pass changes no state');
            for (const s of c.steps) {
              const at = `step ${s.step}`;
              const train = sim.forward(tensorOf(s.x), 'train');
              assertClose(train.output, s.train_output, `${at} train output`);
              const stats = train.batchStatistics;
              assert.ok(stats, `${at}: train mode must report batch statistics`);
              assertClose(stats.mean, s.batch_mean, `${at} batch mean`);
              assertClose(stats.variance, s.batch_var_biased, `${at} biased batch variance`);
              assert.ok(stats.varianceUnbiased, `${at}: unbiased variance missing`);
              assertClose(stats.varianceUnbiased, s.batch_var_unbiased, `${at} unbiased batch variance`);
              assert.equal(stats.count, s.count_per_channel, `${at} count per channel`);
              if (s.exponential_average_factor === null) assert.equal(train.update, null, `${at}: no running-statistics update`);
              else assertClose(train.update?.newWeight ?? NaN, s.exponential_average_factor, `${at} exponential average factor`);
              assertTorchState(sim.state(), s.after, `${at} state`);
              assertClose(sim.forward(xEval, 'eval').output, s.eval_output_on_x_eval, `${at} eval output on x_eval`);
            }
          });
        });
      }
    });

    describe('backward: output, dx, dweight, dbias and state after the pass', () => {
      for (const c of casesOfKind(torchGolden, 'backward')) {
        for (const mode of ['train', 'eval'] as const) {
          it(`${c.name} [${mode}]`, () => {
            const expected = c.modes[mode];
            const init = {
              weight: c.params.weight?.data,
              bias: c.params.bias?.data,
              runningMean: c.preset_state?.running_mean?.data,
              runningVar: c.preset_state?.running_var?.data,
              numBatchesTracked: c.preset_state?.num_batches_tracked ?? undefined,
            };
            withSim(torchConfig(c.config), init, (sim) => {
              const r = sim.forwardBackward(tensorOf(c.x), tensorOf(c.upstream_grad), mode);
              assertClose(r.output, expected.output, 'output');
              assertClose(r.dx, expected.dx, 'dx');
              for (const [name, actual, golden] of [['dweight', r.dWeight, expected.dweight], ['dbias', r.dBias, expected.dbias]] as const) {
                if (golden === null) assert.equal(actual, null, `${name} should be None`);
                else {
                  assert.ok(actual, `${name} missing`);
                  assertClose(actual, golden, name);
                }
              }
              assertTorchState(sim.state(), expected.state_after, 'state after');
            });
          });
        }
      }
    });

    describe('errors and edge cases (all-ones inputs)', () => {
      const [errors] = casesOfKind(torchGolden, 'errors');
      assert.ok(errors, 'the torch golden has no errors case');
      for (const r of errors.cases) {
        it(r.label, () => {
          if ('x' in r) return checkFrozenRecord(r);
          withSim(defaultBatchNormConfig('pytorch', r.num_features, DIMS[r.class]), {}, (sim) => {
            const x = tf.ones(r.input_shape);
            if (r.raises) {
              assert.ok(r.exception_type && r.message);
              assertFrameworkError(() => sim.forward(x, r.mode), r.exception_type, r.message);
            } else {
              assert.ok(r.output);
              assertClose(sim.forward(x, r.mode).output, r.output, 'output');
            }
            assertTorchState(sim.state(), r.state_after, 'state after the call');
          });
        });
      }

      function checkFrozenRecord(r: GFrozenRecord): void {
        const config = { ...defaultBatchNormConfig('pytorch', r.num_features, DIMS[r.class]), frozen: true };
        withSim(config, {}, (sim) => {
          const forward = sim.forward(tensorOf(r.x), 'train');
          assertClose(forward.output, r.output, 'output');
          assert.equal(forward.batchStatistics !== null, r.uses_batch_stats, 'uses batch statistics');
          assertTorchState(sim.state(), r.state_after, 'state after');
        });
      }
    });

    describe('BN folding into the preceding Conv2d (eval mode)', () => {
      for (const c of casesOfKind(torchGolden, 'folding')) {
        it(c.name, () => {
          const init = { weight: c.bn.weight.data, bias: c.bn.bias.data, runningMean: c.bn.running_mean.data, runningVar: c.bn.running_var.data };
          withSim(torchConfig(c.bn.config), init, (bn) => {
            const x = tensorOf(c.x) as tf.Tensor4D;
            const conv = { weight: tensorOf(c.conv.weight) as tf.Tensor4D, bias: c.conv.bias_value ? vectorOf(c.conv.bias_value) : null };
            const convOptions = { stride: c.conv.stride, padding: c.conv.padding };
            const folded = foldBatchNorm(conv, bn.evalNormalization());
            assertClose(folded.weight, c.fused_weight, 'folded weight vs fuse_conv_bn_eval');
            assertClose(folded.bias, c.fused_bias, 'folded bias vs fuse_conv_bn_eval');
            assertClose(folded.weight, c.manual_fused_weight, 'folded weight vs manual fold');
            assertClose(folded.bias, c.manual_fused_bias, 'folded bias vs manual fold');
            const convOut = conv2dChannelsFirst(x, conv.weight, conv.bias, convOptions);
            const unfused = bn.forward(convOut, 'eval').output;
            assertClose(unfused, c.output_conv_then_bn_eval, 'conv then eval BN');
            assertClose(conv2dChannelsFirst(x, folded.weight as tf.Tensor4D, folded.bias, convOptions), c.output_fused_conv, 'folded conv');
            // A train-mode BN (batch statistics) is not foldable: same gap as torch's.
            const trainOut = bn.forward(convOut, 'train', { updateState: false }).output;
            assertClose(maxAbsDiff(trainOut, unfused), c.max_abs_diff.train_mode_bn_vs_eval_mode_bn, 'train-mode vs eval-mode BN gap');
          });
        });
      }
    });

    describe('comparison panel: BatchNorm vs LayerNorm vs GroupNorm vs InstanceNorm', () => {
      const [c] = casesOfKind(torchGolden, 'comparison');
      assert.ok(c, 'the torch golden has no comparison case');
      const eps = FRAMEWORK_FACTS.pytorch.layerNormDefaultEps;

      /** The core's computation for one named output of the panel. */
      function simulate(key: string, spec: GComparisonOutput): tf.Tensor {
        const x = tensorOf(spec.input === 'x_2d' ? c!.x_2d : c!.x);
        const affine = { weight: spec.weight ? vectorOf(spec.weight) : null, bias: spec.bias ? vectorOf(spec.bias) : null };
        const batchNorm = /^BatchNorm([123])d_(?:\w+_)?(train|eval)/.exec(key);
        if (batchNorm) {
          const sim = new BatchNormSim(defaultBatchNormConfig('pytorch', x.shape[1]!, Number(batchNorm[1]) as SpatialDims));
          try {
            return sim.forward(x, batchNorm[2] as Mode).output;
          } finally {
            sim.dispose();
          }
        }
        if (key.startsWith('LayerNorm')) {
          assert.ok(spec.normalized_shape, `${key}: normalized_shape missing`);
          return layerNorm(x, spec.normalized_shape, { eps });
        }
        if (key.startsWith('GroupNorm')) {
          assert.ok(spec.num_groups, `${key}: num_groups missing`);
          return groupNorm(x, spec.num_groups, { eps, ...affine });
        }
        if (key.startsWith('InstanceNorm')) return instanceNorm(x, { eps, ...affine });
        throw new Error(`no simulation for comparison output ${key}: extend the test and the core`);
      }

      for (const [key, spec] of Object.entries(c.outputs)) {
        it(key, () => tf.tidy(() => assertClose(simulate(key, spec), spec.output, key)));
      }

      it('identities: GroupNorm(1) = LayerNorm([C,H,W]), GroupNorm(C) = InstanceNorm2d', () => {
        tf.tidy(() => {
          const x = tensorOf(c.x);
          const [, C, H, W] = x.shape as number[];
          const identities = c.identities_max_abs;
          const gn1VsLn = maxAbsDiff(groupNorm(x, 1, { eps }), layerNorm(x, [C!, H!, W!], { eps }));
          assertClose(gn1VsLn, identities['GroupNorm_1group_vs_LayerNorm_CHW']!, 'GN(1) vs LN');
          assertClose(maxAbsDiff(groupNorm(x, C!, { eps }), instanceNorm(x, { eps })), identities['GroupNorm_Cgroups_vs_InstanceNorm2d']!, 'GN(C) vs IN');
        });
      });
    });

    describe('divergence: Linear → BatchNorm1d → ReLU → Linear, 60 SGD steps', () => {
      const [c] = casesOfKind(torchGolden, 'divergence');
      assert.ok(c, 'the torch golden has no divergence case');
      let mlp: LinearBnReluLinear | null = null;
      let losses: number[] = [];

      before(() => {
        const trained = trainMlp(c, torchConfig(c.hyper.bn));
        mlp = trained.mlp;
        losses = trained.losses;
      });
      after(() => mlp?.dispose());

      it('loss per step', () => assertClose(losses, c.loss_per_step, 'loss per step'));

      it('final parameters, running statistics and num_batches_tracked', () => {
        assert.ok(mlp);
        const params = mlp.parameters();
        for (const [name, golden] of Object.entries(c.final_params)) {
          assert.ok(params[name], `${name} missing`);
          assertClose(params[name], golden, name);
        }
        assert.equal(mlp.bn.numBatchesTracked, c.final_num_batches_tracked);
      });

      it('held-out eval MSE', () => {
        assert.ok(mlp);
        const model = mlp;
        tf.tidy(() => {
          const out = model.forward(tensorOf(c.data.X_heldout) as tf.Tensor2D, 'eval').output;
          assertClose(tf.mean(tf.squaredDifference(out, tensorOf(c.data.Y_heldout))).dataSync()[0]!, c.eval_mse_heldout, 'eval MSE');
        });
      });

      for (const [name, probe] of Object.entries(c.probes)) {
        it(`probe ${name}: train-mode vs eval-mode outputs (batch ${probe.batch_size})`, () => {
          assert.ok(mlp);
          const model = mlp;
          tf.tidy(() => {
            const x = tensorOf(probe.x) as tf.Tensor2D;
            const before = model.bn.state();
            const evalOut = model.forward(x, 'eval');
            assertClose(evalOut.output, probe.eval_output, 'eval output');
            assertClose(evalOut.bnOutput, probe.eval_bn_output, 'eval BN output');
            if (probe.train_mode_error !== null) {
              assertFrameworkError(() => model.forward(x, 'train', { updateState: false }), 'ValueError', probe.train_mode_error);
            } else {
              // torch's probe restores the state after the train-mode pass: a dry run here.
              const trainOut = model.forward(x, 'train', { updateState: false });
              assert.ok(probe.train_output && probe.train_bn_output && probe.mean_abs_diff_output !== null && probe.mean_abs_diff_bn_output !== null);
              assertClose(trainOut.output, probe.train_output, 'train output');
              assertClose(trainOut.bnOutput, probe.train_bn_output, 'train BN output');
              assertClose(meanAbsDiff(trainOut.output, evalOut.output), probe.mean_abs_diff_output, 'mean |train − eval| output');
              assertClose(meanAbsDiff(trainOut.bnOutput, evalOut.bnOutput), probe.mean_abs_diff_bn_output, 'mean |train − eval| BN output');
            }
            assert.deepEqual(model.bn.state(), before, 'probing leaves the state unchanged');
          });
        });
      }
    });
  });

  describe(`TensorFlow.js ${tfjsGolden.meta.tfjs_version['tfjs']} (batchnorm_tfjs.json)`, () => {
    const torchSequences = new Map(casesOfKind(torchGolden, 'sequence').map((c) => [c.name, c]));
    const torchBackward = new Map(casesOfKind(torchGolden, 'backward').map((c) => [c.name, c]));

    /** The tfjs layer config a recorded run used, as a simulation config (channels-last = the layer's axis=-1). */
    function tfjsConfig(numFeatures: number, run: GTfjsLayerRun, layout: KerasBatchNormConfig['layout'] = 'channels-last'): KerasBatchNormConfig {
      const config: KerasBatchNormConfig = {
        ...defaultBatchNormConfig('tfjs', numFeatures),
        layout,
        // Absent = not passed (keras_defaults, and torch's momentum=None): tfjs treats it like null.
        momentum: run.layer_config.momentum ?? null,
        eps: run.layer_config.epsilon ?? FRAMEWORK_FACTS.tfjs.defaultEps,
        center: run.layer_config.center,
        scale: run.layer_config.scale,
      };
      const effective = run.layer_config.effective;
      if (effective.momentum !== undefined) assert.equal(effectiveMomentum(config), effective.momentum, 'effective momentum');
      if (effective.epsilon !== undefined) assert.equal(config.eps, effective.epsilon, 'effective epsilon');
      return config;
    }

    /**
     * Replays a recorded layer run (inputs from the torch case, channels-last for the layer, stored
     * channels-first) on the simulation. The layer run and the simulation compute in channels-last;
     * `layout: 'channels-first'` instead feeds the simulation channels-first tensors (axis=1).
     */
    function replayRun(caseName: string, runName: 'keras_defaults' | 'torch_matched_hparams', layout: KerasBatchNormConfig['layout']): void {
      const tfjsCase = tfjsCasesOfKind(tfjsGolden, 'sequence').find((c) => c.name === caseName);
      const torchCase = torchSequences.get(caseName);
      assert.ok(tfjsCase && torchCase, `case ${caseName} missing`);
      const run = tfjsCase.runs[runName];
      const C = torchCase.config.num_features;
      const config = tfjsConfig(C, run, layout);
      const toLayout = (t: tf.Tensor): tf.Tensor => (layout === 'channels-last' ? toChannelsLast(t) : t);
      const fromLayout = (t: tf.Tensor): tf.Tensor => (layout === 'channels-last' ? toChannelsFirst(t) : t);
      const rank = torchCase.input_shape.length;
      const size = torchCase.input_shape.reduce((a, b) => a * b, 1);
      const init = { weight: config.scale ? torchCase.params.weight?.data : undefined, bias: config.center ? torchCase.params.bias?.data : undefined };
      withSim(config, init, (sim) => {
        const xEval = toLayout(tensorOf(torchCase.x_eval));
        if (run.error) {
          // The layer crashed (a TensorFlow.js defect): the core predicts that crash and still computes.
          assertPredictedCrash(config, { rank, mode: 'train', gradient: false, size }, run.error);
          if (run.eval_output_before_training) {
            assertClose(fromLayout(sim.forward(xEval, 'eval').output), run.eval_output_before_training, 'eval output before training');
          } else {
            assertPredictedCrash(config, { rank, mode: 'eval', gradient: false, size }, run.error);
          }
          return;
        }
        assert.ok(run.eval_output_before_training);
        assertClose(fromLayout(sim.forward(xEval, 'eval').output), run.eval_output_before_training, 'eval output before training');
        assert.equal(run.steps.length, torchCase.steps.length);
        run.steps.forEach((s, i) => {
          const at = `step ${s.step}`;
          assertClose(fromLayout(sim.forward(toLayout(tensorOf(torchCase.steps[i]!.x)), 'train').output), s.train_output, `${at} train output`);
          const state = sim.state();
          assert.ok(state.runningMean && state.runningVar);
          assertClose(state.runningMean, s.moving_mean, `${at} moving mean`);
          assertClose(state.runningVar, s.moving_variance, `${at} moving variance`);
          assertClose(fromLayout(sim.forward(xEval, 'eval').output), s.eval_output_on_x_eval, `${at} eval output on x_eval`);
        });
      });
    }

    describe('sequence: tf.layers.batchNormalization runs (channels-last)', () => {
      for (const c of tfjsCasesOfKind(tfjsGolden, 'sequence')) {
        for (const runName of ['keras_defaults', 'torch_matched_hparams'] as const) {
          it(`${c.name} / ${runName}`, () => replayRun(c.name, runName, 'channels-last'));
        }
      }
    });

    describe('sequence: channels-first (axis=1), where the CPU layer is wrong (tensorflow/tfjs#1106)', () => {
      // The golden records only how far the CPU layer's axis=1 outputs are from its channels-last
      // run. The core reproduces the SPECIFIED behaviour (= the channels-last run, and what the
      // WebGL shader computes), and reports the CPU defect through frameworkIssues().
      for (const c of tfjsCasesOfKind(tfjsGolden, 'sequence')) {
        const bug = c.runs.axis1_channels_first_layer_cpu;
        if (!bug) continue;
        it(`${c.name} / channels-first`, () => {
          const config = tfjsConfig(c.torch_config.num_features, c.runs.torch_matched_hparams, 'channels-first');
          const query = { rank: c.input_shape.length, mode: 'train' as const, gradient: false, size: c.input_shape.reduce((a, b) => a * b, 1) };
          if ('error' in bug) return assertPredictedCrash(config, query, bug.error);
          assert.ok(bug.max_abs.train_output_vs_channels_last_run > 1e-3, 'the golden no longer shows the CPU axis=1 defect: revisit SEMANTICS.md §4.1');
          replayRun(c.name, 'torch_matched_hparams', 'channels-first');
          assert.ok(frameworkIssues(config, { ...query, backend: 'cpu' }).some((i) => i.id === 'tfjs-channels-first-cpu-output'));
          assert.ok(!frameworkIssues(config, { ...query, backend: 'webgl' }).some((i) => i.id === 'tfjs-channels-first-cpu-output'));
        });
      }
    });

    describe('backward: the tfjs layer gradients equal torch\'s (or the recorded crash is predicted)', () => {
      for (const c of tfjsCasesOfKind(tfjsGolden, 'backward')) {
        const t = torchBackward.get(c.name);
        for (const mode of ['train', 'eval'] as const) {
          for (const [pathName, layout] of [['tfjs_layer_channels_last', 'channels-last'], ['tfjs_layer_channels_first_axis1', 'channels-first']] as const) {
            it(`${c.name} [${mode}] ${pathName}`, () => {
              assert.ok(t, `torch case ${c.name} missing`);
              const recorded: GTfjsGradientPath = c.modes[mode].max_abs_vs_torch[pathName];
              const config: KerasBatchNormConfig = {
                ...defaultBatchNormConfig('tfjs', t.config.num_features),
                layout,
                eps: t.config.eps,
                momentum: kerasMomentumFromTorch(t.config.momentum ?? 0.1),
                center: t.config.affine,
                scale: t.config.affine,
              };
              // tfjs has no track_running_stats=False: its harness ran that case in training mode
              // in both columns (torch's eval output then equals its train output).
              const tfjsMode: Mode = t.config.track_running_stats ? mode : 'train';
              const rank = t.input_shape.length;
              if ('error' in recorded) {
                const size = t.input_shape.reduce((a, b) => a * b, 1);
                assertPredictedCrash(config, { rank, mode: tfjsMode, gradient: true, size }, recorded.error);
                return;
              }
              const predicted = frameworkIssues(config, { rank, mode: tfjsMode, gradient: true, backend: 'cpu', size: 1 });
              assert.deepEqual(predicted.filter((i) => i.effect === 'throws'), [], 'no crash predicted');
              const expected = t.modes[mode];
              const toLayout = (x: tf.Tensor): tf.Tensor => (layout === 'channels-last' ? toChannelsLast(x) : x);
              const fromLayout = (x: tf.Tensor): tf.Tensor => (layout === 'channels-last' ? toChannelsFirst(x) : x);
              const init = {
                weight: t.params.weight?.data,
                bias: t.params.bias?.data,
                runningMean: t.preset_state?.running_mean?.data,
                runningVar: t.preset_state?.running_var?.data,
              };
              withSim(config, init, (sim) => {
                const r = sim.forwardBackward(toLayout(tensorOf(t.x)), toLayout(tensorOf(t.upstream_grad)), tfjsMode);
                assertClose(fromLayout(r.output), expected.output, 'output');
                assertClose(fromLayout(r.dx), expected.dx, 'dx');
                if (expected.dweight) assertClose(r.dWeight ?? NaN, expected.dweight, 'dgamma');
                if (expected.dbias) assertClose(r.dBias ?? NaN, expected.dbias, 'dbeta');
              });
            });
          }
        }
      }
    });

    describe('errors replayed on tf.layers.batchNormalization({axis: 1})', () => {
      const [errors] = tfjsCasesOfKind(tfjsGolden, 'errors');
      assert.ok(errors, 'the tfjs golden has no errors case');
      for (const r of errors.cases) {
        it(r.label, () => {
          assert.equal(r.tfjs_layer_config.axis, 1);
          // The layer takes its channel count from the first input it sees (no num_features).
          const config: KerasBatchNormConfig = { ...defaultBatchNormConfig('tfjs', r.input_shape[1]!), layout: 'channels-first' };
          const size = r.input_shape.reduce((a, b) => a * b, 1);
          if (r.tfjs_raises) {
            assert.ok(r.exception_type && r.message);
            assertPredictedCrash(config, { rank: r.rank, mode: r.mode, gradient: false, size }, { exception_type: r.exception_type, message: r.message });
            return;
          }
          withSim(config, {}, (sim) => {
            assert.ok(r.output && r.moving_mean && r.moving_variance);
            assertClose(sim.forward(tf.ones(r.input_shape), r.mode).output, r.output, 'output');
            const state = sim.state();
            assert.ok(state.runningMean && state.runningVar);
            assertClose(state.runningMean, r.moving_mean, 'moving mean');
            assertClose(state.runningVar, r.moving_variance, 'moving variance');
            assert.equal(state.numBatchesTracked, null, 'tfjs has no batch counter');
          });
        });
      }
    });

    describe('BN folding with tf.conv2d', () => {
      const torchFolding = new Map(casesOfKind(torchGolden, 'folding').map((c) => [c.name, c]));
      for (const c of tfjsCasesOfKind(tfjsGolden, 'folding')) {
        it(c.name, () => {
          const t = torchFolding.get(c.name);
          assert.ok(t, `torch case ${c.name} missing`);
          const init = { weight: t.bn.weight.data, bias: t.bn.bias.data, runningMean: t.bn.running_mean.data, runningVar: t.bn.running_var.data };
          withSim(torchConfig(t.bn.config), init, (bn) => {
            const x = tensorOf(t.x) as tf.Tensor4D;
            const conv = { weight: tensorOf(t.conv.weight) as tf.Tensor4D, bias: t.conv.bias_value ? vectorOf(t.conv.bias_value) : null };
            const options = { stride: t.conv.stride, padding: t.conv.padding };
            const folded = foldBatchNorm(conv, bn.evalNormalization());
            assertClose(folded.weight, c.fused_weight, 'folded weight');
            assertClose(folded.bias, c.fused_bias, 'folded bias');
            assertClose(bn.forward(conv2dChannelsFirst(x, conv.weight, conv.bias, options), 'eval').output, c.output_unfused, 'conv then eval BN');
            assertClose(conv2dChannelsFirst(x, folded.weight as tf.Tensor4D, folded.bias, options), c.output_fused, 'folded conv');
          });
        });
      }
    });

    describe('comparison: tf.layers.layerNormalization', () => {
      const [c] = tfjsCasesOfKind(tfjsGolden, 'comparison');
      const [t] = casesOfKind(torchGolden, 'comparison');
      assert.ok(c && t, 'comparison case missing');
      it('axis [1,2,3] with the default epsilon 1e-3 (PyTorch: 1e-5)', () => {
        assert.equal(FRAMEWORK_FACTS.tfjs.layerNormDefaultEps, c.tfjs_layerNormalization.default_epsilon);
        tf.tidy(() => {
          const x = tensorOf(t.x);
          const out = layerNorm(x, x.shape.slice(1), { eps: FRAMEWORK_FACTS.tfjs.layerNormDefaultEps });
          assertClose(out, c.tfjs_layerNormalization.axis_123_default_eps_output, 'tfjs layerNormalization output');
        });
      });
    });

    describe('divergence: the same MLP as a tf.sequential model (momentum 0.9, epsilon 1e-5)', () => {
      const [c] = tfjsCasesOfKind(tfjsGolden, 'divergence');
      const [t] = casesOfKind(torchGolden, 'divergence');
      assert.ok(c && t, 'divergence case missing');
      const recorded = c.tfjs_layers_model_torch_matched_hparams;
      let mlp: LinearBnReluLinear | null = null;
      let losses: number[] = [];

      before(() => {
        const config: KerasBatchNormConfig = {
          ...defaultBatchNormConfig('tfjs', t.hyper.bn.num_features),
          momentum: kerasMomentumFromTorch(t.hyper.bn.momentum ?? 0.1),
          eps: t.hyper.bn.eps,
        };
        const trained = trainMlp(t, config);
        mlp = trained.mlp;
        losses = trained.losses;
      });
      after(() => mlp?.dispose());

      it('loss per step', () => assertClose(losses, recorded.loss_per_step, 'loss per step'));

      it('moving variance = (n−1)/n of torch\'s running_var (biased vs unbiased)', () => {
        assert.ok(mlp);
        const movingVar = mlp.parameters()['bn.running_var'];
        const torchVar = t.final_params['bn.running_var'];
        assert.ok(movingVar && torchVar);
        assertClose(Array.from(movingVar, (v, i) => v / torchVar.data[i]!), recorded.moving_variance_over_torch_running_var, 'ratio');
      });

      it('held-out batch of 32 in eval mode', () => {
        assert.ok(mlp);
        const model = mlp;
        tf.tidy(() => assertClose(model.forward(tensorOf(t.data.X_heldout) as tf.Tensor2D, 'eval').output, recorded.heldout_bs32_eval_output, 'eval output'));
      });
    });

    describe('tfjs_behaviours', () => {
      const b = tfjsGolden.tfjs_behaviours;

      it('defaults', () => {
        const config = defaultBatchNormConfig('tfjs', 3);
        assert.equal(config.momentum, b.defaults.momentum);
        assert.equal(config.eps, b.defaults.epsilon);
        assert.equal(config.center, b.defaults.center);
        assert.equal(config.scale, b.defaults.scale);
        assert.equal(b.defaults.axis, -1);
        assert.equal(config.layout, 'channels-last');
        assert.deepEqual(b.defaults.initializers, { gamma: 'ones', beta: 'zeros', moving_mean: 'zeros', moving_variance: 'ones' });
        withSim(config, {}, (sim) => {
          assert.deepEqual(sim.state(), {
            weight: new Float32Array([1, 1, 1]),
            bias: new Float32Array(3),
            runningMean: new Float32Array(3),
            runningVar: new Float32Array([1, 1, 1]),
            numBatchesTracked: null,
          });
        });
      });

      it('momentum null becomes 0.99', () => {
        const config = { ...defaultBatchNormConfig('tfjs', 3), momentum: null };
        assert.equal(effectiveMomentum(config), b.momentum_null_becomes);
        assert.ok(frameworkIssues(config, { rank: 2, mode: 'train', gradient: false, backend: 'cpu', size: 6 }).some((i) => i.id === 'tfjs-null-momentum'));
      });

      it('trainable=false with training=true still uses batch statistics and updates the moving statistics', () => {
        withSim({ ...defaultBatchNormConfig('tfjs', 3), frozen: true }, {}, (sim) => {
          const forward = sim.forward(tf.tensor2d([1, 2, 4, 3, 5, 9, 6, 1, 0, 2, 2, 2], [4, 3]), 'train');
          assert.equal(forward.batchStatistics !== null, b.trainable_false_with_training_true.uses_batch_stats);
          assert.equal(forward.stateChanged, b.trainable_false_with_training_true.moving_stats_updated);
        });
      });

      for (const key of ['training_true_with_center_false', 'training_true_with_scale_false', 'training_true_with_affine_false'] as const) {
        it(`${key}: the crash is predicted`, () => {
          const record = b[key];
          assert.ok(record.raises);
          const center = key === 'training_true_with_scale_false';
          const scale = key === 'training_true_with_center_false';
          assertPredictedCrash({ ...defaultBatchNormConfig('tfjs', 3), center, scale }, { rank: 2, mode: 'train', gradient: false, size: 12 }, record);
        });
      }

      it('training batch of one: no error, output = beta, moving variance decays', () => {
        const record = b.training_batch_of_one;
        assert.equal(record.raises, false);
        const config = defaultBatchNormConfig('tfjs', record.beta.length);
        // The input is not stored; the moving mean after one step from 0 is (1 − momentum)·x.
        const x = record.moving_mean_after.data.map((m) => m / (1 - config.momentum!));
        withSim(config, { bias: record.beta }, (sim) => {
          assertClose(sim.forward(tf.tensor2d([x]), 'train').output, record.output, 'output');
          const state = sim.state();
          assert.ok(state.runningVar);
          assertClose(state.runningVar, record.moving_variance_after, 'moving variance');
        });
      });

      for (const key of ['rank5_input', 'rank5_input_inference'] as const) {
        it(`${key}: NotImplementedError is predicted, the core computes rank 5`, () => {
          const mode: Mode = key === 'rank5_input' ? 'train' : 'eval';
          const config = defaultBatchNormConfig('tfjs', 2);
          assertPredictedCrash(config, { rank: 5, mode, gradient: false, size: 16 }, b[key]);
          withSim(config, {}, (sim) => {
            const out = sim.forward(tf.ones([2, 2, 2, 1, 2]), mode).output;
            assert.deepEqual(out.shape, [2, 2, 2, 1, 2]);
          });
        });
      }

      it('epsilon is added inside the square root', () => {
        const record = b.epsilon_placement;
        const expected = record['tf.batchNorm(x=2, mean=0, var=0.01, eps=0.5)'];
        assert.equal(typeof expected, 'number');
        withSim({ ...defaultBatchNormConfig('tfjs', 1), eps: 0.5 }, { runningMean: [0], runningVar: [0.01] }, (sim) => {
          assertClose(sim.forward(tf.tensor2d([[2]]), 'eval').output, expected as number, 'eval output');
        });
      });

      it('tf.moments variance of [1, 2, 3, 4] is biased', () => {
        const record = b.tf_moments_variance_of_1_2_3_4;
        withSim(defaultBatchNormConfig('pytorch', 1), {}, (sim) => {
          const stats = sim.forward(tf.tensor2d([[1], [2], [3], [4]]), 'train').batchStatistics;
          assert.ok(stats?.varianceUnbiased);
          assertClose(stats.variance, record.biased, 'biased');
          assertClose(stats.varianceUnbiased, record.unbiased, 'unbiased');
        });
      });
    });
  });
});

/** Trains the divergence MLP as the torch generator does: step s uses rows [(s mod nb)·B, (s mod nb)·B + B). */
function trainMlp(c: GDivergenceCase, bnConfig: BatchNormConfig): { mlp: LinearBnReluLinear; losses: number[] } {
  const p = c.init_params;
  const init = tf.tidy(() => ({
    fc1Weight: tensorOf(p['fc1.weight']) as tf.Tensor2D,
    fc1Bias: vectorOf(p['fc1.bias']),
    fc2Weight: tensorOf(p['fc2.weight']) as tf.Tensor2D,
    fc2Bias: vectorOf(p['fc2.bias']),
  }));
  const mlp = new LinearBnReluLinear(init, bnConfig, { weight: p['bn.weight'].data, bias: p['bn.bias'].data });
  disposeAll(init);
  const { K, lr, batch } = c.hyper;
  const X = tensorOf(c.data.X_train) as tf.Tensor2D;
  const Y = tensorOf(c.data.Y_train) as tf.Tensor2D;
  const batches = X.shape[0] / batch;
  const losses: number[] = [];
  try {
    for (let step = 0; step < K; step++) {
      const start = (step % batches) * batch;
      const [xb, yb] = [tf.slice(X, [start, 0], [batch, -1]), tf.slice(Y, [start, 0], [batch, -1])];
      losses.push(mlp.sgdStep(xb, yb, lr));
      disposeAll(xb, yb);
    }
  } finally {
    disposeAll(X, Y);
  }
  return { mlp, losses };
}
