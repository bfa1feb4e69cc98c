/**
 * BatchNorm simulation on TensorFlow.js tensors, reproducing PyTorch, Keras 2, Keras 3 and
 * TensorFlow.js semantics exactly (up to float32 rounding).
 *
 * Built on plain tf ops (`tf.moments`, arithmetic), never on `tf.batchNorm` or
 * `tf.layers.batchNormalization`: the CPU kernel of `tf.batchNorm` broadcasts wrongly for
 * channels-first inputs (tensorflow/tfjs#1106), its gradient fails without a scale, and the layer
 * has neither PyTorch's semantics nor rank-5 support (SEMANTICS.md §2, §4).
 *
 * The core uses no Node-only API: it runs unchanged in a webview on the WebGL or CPU backend.
 */
import * as tf from '@tensorflow/tfjs';
import { FrameworkError, formatPythonTuple, formatTorchSize } from './errors';
import { effectiveMomentum, FRAMEWORK_FACTS, hasBias, hasWeight, torchClassName, tracksRunningStats, validateBatchNormConfig } from './frameworks';
import { reductionShadersActive } from './kernels';
import { assertFloat32, channelAxis, ChannelView, disposeAll, keptVector, product, reductionAxes, StackedChannelView } from './shapes';
import type { BatchNormConfig, BatchNormInit, BatchNormSnapshot, BatchStatistics, KerasBatchNormConfig, Layout, Mode, TorchBatchNormConfig } from './types';

/**
 * Normalizes `x` per channel with the given statistics: `(x − mean)·rsqrt(variance + eps)·weight + bias`.
 *
 * This is the formula of every framework in both modes (eps inside the square root: PyTorch docs;
 * Keras docs; TensorFlow.js 4.22.0 [run], whose JSDoc saying `sqrt(var) + eps` is wrong).
 *
 * @param x input of rank ≥ 2 in `layout` (`[N, C, …]` or `[N, …, C]`).
 * @param mean per-channel mean `[C]`.
 * @param variance per-channel variance `[C]` (the biased batch variance in train mode, the running variance in eval).
 * @param eps added to the variance.
 * @param weight γ `[C]`, or `null` for 1.
 * @param bias β `[C]`, or `null` for 0.
 * @returns a new tensor with the shape of `x` (the caller owns it). Differentiable.
 */
export function batchNormalize(
  x: tf.Tensor,
  mean: tf.Tensor1D,
  variance: tf.Tensor1D,
  eps: number,
  weight: tf.Tensor1D | null,
  bias: tf.Tensor1D | null,
  layout: Layout,
): tf.Tensor {
  return tf.tidy(() => {
    const view = new ChannelView(x.shape, layout);
    return view.unflatten(view.normalize(view.flatten(x), mean, scaleOf(variance, eps, weight), bias));
  });
}

/** The per-channel factor of the normalization: `rsqrt(variance + eps)·weight` (any shape ending in `[C]`). */
function scaleOf(variance: tf.Tensor, eps: number, weight: tf.Tensor1D | null): tf.Tensor {
  const invStd = tf.rsqrt(tf.add(variance, eps));
  return weight ? tf.mul(invStd, weight) : invStd;
}

/**
 * Per-channel mean and BIASED variance of `x` over every axis but the channel axis (what
 * `tf.moments(x, axes)` gives, computed as BatchNorm's train mode does: the mean, then the mean of
 * squared deviations).
 *
 * @param x input of rank ≥ 2 in `layout` (`[N, C, …]` or `[N, …, C]`).
 * @returns mean and variance `[C]`, owned by the caller.
 */
export function channelMoments(x: tf.Tensor, layout: Layout): { mean: tf.Tensor1D; variance: tf.Tensor1D } {
  return tf.tidy(() => {
    const { mean, variance } = stackMoments(new StackedChannelView(1, x.shape, layout), x, false);
    const C = mean.shape[1];
    return { mean: tf.reshape(mean, [C]), variance: tf.reshape(variance, [C]) };
  });
}

/** How the running statistics move toward the batch statistics `s` in one train step. */
export interface RunningAverageUpdate {
  /**
   * `'lerp'`: `r ← oldWeight·r + newWeight·s` (PyTorch; Keras 3).
   * `'decay'`: `r ← r − (r − s)·newWeight` (Keras 2 `_assign_moving_average`; TensorFlow.js `doMovingAverage`).
   * Mathematically the same; both are kept so float32 rounding follows the framework.
   */
  readonly form: 'lerp' | 'decay';
  /**
   * Weight of the new batch, in PyTorch's convention: PyTorch `momentum`, `1/num_batches_tracked`
   * under `momentum=None`, or `1 − momentum` in Keras/TensorFlow.js.
   */
  readonly newWeight: number;
  /** Weight of the old value: `1 − newWeight` for PyTorch, `momentum` for Keras 3 (unused by `'decay'`). */
  readonly oldWeight: number;
  /**
   * Multiplier applied to the biased batch variance before it enters the running variance:
   * `n/(n−1)` for PyTorch and the Keras 2 fused path (Bessel's correction), 1 otherwise.
   */
  readonly varianceCorrection: number;
}

/**
 * What one forward pass will do, decided (and validated) before any tensor is computed.
 * Produced by {@link BatchNormSim.plan}.
 */
export interface BatchNormPlan {
  readonly mode: Mode;
  /** Input shape. */
  readonly shape: readonly number[];
  readonly layout: Layout;
  /** Axes the batch statistics reduce over (every axis but the channel axis). */
  readonly axes: readonly number[];
  /** Values per channel, n = N·∏spatial. */
  readonly count: number;
  /** Normalize with batch statistics (else with the running statistics). */
  readonly useBatchStatistics: boolean;
  /** Update of the running statistics this pass makes (or would make, in a dry run); `null` in eval, frozen Keras, no tracking. */
  readonly update: RunningAverageUpdate | null;
  /** `false` for a dry run: {@link BatchNormSim.commit} then changes nothing. */
  readonly persist: boolean;
  /** Whether the pass changes the state (running statistics or PyTorch's counter); `false` in a dry run. */
  readonly changesState: boolean;
}

/** Result of {@link BatchNormSim.forward}. The caller owns the tensors (release them with {@link disposeAll}). */
export interface BatchNormForward {
  /** Output with the input's shape and layout. */
  readonly output: tf.Tensor;
  /** Statistics of this batch when the pass normalized with them, else `null`. */
  readonly batchStatistics: BatchStatistics | null;
  /** The running-statistics update performed (or that would be performed, for a dry run), or `null`. */
  readonly update: RunningAverageUpdate | null;
  /** Whether the simulation state changed (running statistics and/or PyTorch's counter). */
  readonly stateChanged: boolean;
}

/** Result of {@link BatchNormSim.forwardBackward}. The caller owns the tensors. */
export interface BatchNormBackward {
  /** Output with the input's shape. */
  readonly output: tf.Tensor;
  /** ∂L/∂x for the upstream gradient, shape of the input. In train mode it flows through the batch mean and variance. */
  readonly dx: tf.Tensor;
  /** ∂L/∂γ `[C]`; `null` without γ or when frozen (PyTorch `requires_grad=False`, Keras `trainable=False`). */
  readonly dWeight: tf.Tensor1D | null;
  /** ∂L/∂β `[C]`; `null` without β or when frozen. */
  readonly dBias: tf.Tensor1D | null;
}

/** Options of {@link BatchNormSim.plan} and {@link BatchNormSim.forward}. */
export interface ForwardOptions {
  /**
   * `false` for a dry run: compute what the pass would output without touching the state (neither
   * running statistics nor PyTorch's counter). Errors are raised exactly as in a real pass.
   * Default `true`.
   */
  readonly updateState?: boolean;
}

/** Eval-mode normalization parameters, for folding into a preceding layer (see `foldBatchNorm`). */
export interface EvalNormalization {
  readonly weight: tf.Tensor1D | null;
  readonly bias: tf.Tensor1D | null;
  readonly runningMean: tf.Tensor1D;
  readonly runningVar: tf.Tensor1D;
  readonly eps: number;
}

/**
 * A stateful BatchNorm layer of one framework: γ/β, running statistics and (PyTorch) the
 * `num_batches_tracked` counter, with train/eval forward passes and gradients.
 *
 * Semantics per framework (SEMANTICS.md §1, §2):
 * - Train mode normalizes with the batch mean and BIASED batch variance over every axis but the
 *   channel axis (all frameworks).
 * - PyTorch: `r ← (1 − f)·r + f·s` with f = momentum, or `1/num_batches_tracked` when momentum is
 *   `null` (counter incremented first); `running_var` receives the UNBIASED variance `var·n/(n−1)`.
 *   A train-mode pass with one value per channel raises `ValueError` AFTER the counter was incremented.
 *   With `trackRunningStats: false` there are no buffers and eval also uses batch statistics.
 *   `frozen` (requires_grad=False) only removes the γ/β gradients.
 * - Keras 2/3, TensorFlow.js: `r ← m·r + (1 − m)·s` with the BIASED variance, except the Keras 2
 *   fused path (rank 4/5) which folds in the unbiased one. No counter, no batch-of-one error.
 *   `frozen` (trainable=False) puts Keras 2/3 in inference mode even when training; TensorFlow.js
 *   still normalizes with batch statistics and updates its moving statistics.
 *
 * Tensors handed out by getters belong to the simulation: do not dispose them, and do not keep
 * them across a state change (a train step replaces them). Call {@link BatchNormSim.dispose} when done. Every
 * method is safe inside or outside `tf.tidy`.
 */
export class BatchNormSim {
  readonly config: Readonly<BatchNormConfig>;
  private weightT: tf.Tensor1D | null = null;
  private biasT: tf.Tensor1D | null = null;
  private runningMeanT: tf.Tensor1D | null = null;
  private runningVarT: tf.Tensor1D | null = null;
  private counter: number | null;
  private disposed = false;

  /**
   * @param config layer configuration (see `defaultBatchNormConfig`).
   * @param init initial values; defaults are the frameworks' (γ=1, β=0, running mean 0, running variance 1, counter 0).
   * @throws RangeError for an invalid config or an init array whose length is not `numFeatures`.
   */
  constructor(config: BatchNormConfig, init: BatchNormInit = {}) {
    validateBatchNormConfig(config);
    this.config = Object.freeze({ ...config });
    const tracking = config.framework === 'pytorch' && config.trackRunningStats;
    this.counter = tracking ? 0 : null;
    const C = config.numFeatures;
    const ones = new Float32Array(C).fill(1);
    const zeros = new Float32Array(C);
    if (hasWeight(config)) this.weightT = keptVector(ones, C, 'weight');
    if (hasBias(config)) this.biasT = keptVector(zeros, C, 'bias');
    if (tracksRunningStats(config)) {
      this.runningMeanT = keptVector(zeros, C, 'runningMean');
      this.runningVarT = keptVector(ones, C, 'runningVar');
    }
    try {
      this.setState(init);
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** The framework's effective momentum (TensorFlow.js turns `null` into 0.99). */
  get momentum(): number | null {
    return effectiveMomentum(this.config);
  }

  /** γ `[C]` (owned by the simulation), or `null` without γ. */
  get weight(): tf.Tensor1D | null {
    return this.weightT;
  }

  /** β `[C]` (owned by the simulation), or `null` without β. */
  get bias(): tf.Tensor1D | null {
    return this.biasT;
  }

  /** Running/moving mean `[C]` (owned by the simulation), or `null` when not tracked. */
  get runningMean(): tf.Tensor1D | null {
    return this.runningMeanT;
  }

  /** Running/moving variance `[C]` (owned by the simulation), or `null` when not tracked. */
  get runningVar(): tf.Tensor1D | null {
    return this.runningVarT;
  }

  /** PyTorch `num_batches_tracked`; `null` without tracking and for frameworks without a counter. */
  get numBatchesTracked(): number | null {
    return this.counter;
  }

  /**
   * Overwrites parts of the state. Omitted fields keep their value.
   *
   * @throws RangeError when an array's length is not `numFeatures`, when setting a parameter or
   *   statistic the layer does not have, or for a negative/non-integer counter.
   */
  setState(init: BatchNormInit): void {
    this.assertAlive();
    const C = this.config.numFeatures;
    const entries = [
      ['weight', init.weight, this.weightT],
      ['bias', init.bias, this.biasT],
      ['runningMean', init.runningMean, this.runningMeanT],
      ['runningVar', init.runningVar, this.runningVarT],
    ] as const;
    // Validate everything before changing anything.
    for (const [what, values, current] of entries) {
      if (values === undefined) continue;
      if (current === null) throw new RangeError(`this ${this.describe()} has no ${what}`);
      if (values.length !== C) throw new RangeError(`${what} must have ${C} values, got ${values.length}`);
    }
    const counter = init.numBatchesTracked;
    if (counter !== undefined && this.counter !== null && (!Number.isInteger(counter) || counter < 0)) {
      throw new RangeError(`numBatchesTracked must be a non-negative integer, got ${counter}`);
    }
    const replace = (values: ArrayLike<number> | undefined, current: tf.Tensor1D | null, what: string): tf.Tensor1D | null => {
      if (values === undefined || current === null) return current;
      current.dispose();
      return keptVector(values, C, what);
    };
    this.weightT = replace(init.weight, this.weightT, 'weight');
    this.biasT = replace(init.bias, this.biasT, 'bias');
    this.runningMeanT = replace(init.runningMean, this.runningMeanT, 'runningMean');
    this.runningVarT = replace(init.runningVar, this.runningVarT, 'runningVar');
    if (counter !== undefined && this.counter !== null) this.counter = counter;
  }

  /**
   * Replaces γ and/or β by copies of the given `[C]` tensors (e.g. after an optimizer step). `undefined` keeps the current value.
   *
   * @throws RangeError for a wrong shape or a parameter the layer does not have.
   */
  setParameters(weight: tf.Tensor1D | undefined, bias: tf.Tensor1D | undefined): void {
    this.assertAlive();
    const C = this.config.numFeatures;
    const entries = [
      ['weight', weight, this.weightT],
      ['bias', bias, this.biasT],
    ] as const;
    for (const [what, t, current] of entries) {
      if (t === undefined) continue;
      if (current === null) throw new RangeError(`this ${this.describe()} has no ${what}`);
      if (t.rank !== 1 || t.size !== C) throw new RangeError(`${what} must have shape [${C}], got [${t.shape.join(', ')}]`);
    }
    const replace = (t: tf.Tensor1D | undefined, current: tf.Tensor1D | null): tf.Tensor1D | null => {
      if (t === undefined || current === null) return current;
      const next = tf.keep(t.clone()); // clone first: `t` may be `current` itself
      current.dispose();
      return next;
    };
    this.weightT = replace(weight, this.weightT);
    this.biasT = replace(bias, this.biasT);
  }

  /** A synchronous copy of the state (reads tensor data; on WebGL prefer {@link BatchNormSim.readState}). */
  state(): BatchNormSnapshot {
    this.assertAlive();
    const read = (t: tf.Tensor1D | null): Float32Array | null => (t === null ? null : Float32Array.from(t.dataSync()));
    return {
      weight: read(this.weightT),
      bias: read(this.biasT),
      runningMean: read(this.runningMeanT),
      runningVar: read(this.runningVarT),
      numBatchesTracked: this.counter,
    };
  }

  /** An asynchronous copy of the state (does not block a WebGL pipeline). */
  async readState(): Promise<BatchNormSnapshot> {
    this.assertAlive();
    const read = async (t: tf.Tensor1D | null): Promise<Float32Array | null> => (t === null ? null : Float32Array.from(await t.data()));
    const [weight, bias, runningMean, runningVar] = await Promise.all([read(this.weightT), read(this.biasT), read(this.runningMeanT), read(this.runningVarT)]);
    return { weight, bias, runningMean, runningVar, numBatchesTracked: this.counter };
  }

  /**
   * Phase 1 of a pass: validates an input shape the way the framework does, performs the
   * bookkeeping the framework does before computing, and decides what the pass does.
   * PyTorch increments `num_batches_tracked` HERE, before its batch-size check, so a raising
   * train-mode pass still leaves the counter incremented (as `torch.nn.modules.batchnorm` does [run]).
   * No tensor is created, so a raising call leaks nothing even inside a gradient tape.
   *
   * Use {@link BatchNormSim.forward}/{@link BatchNormSim.forwardBackward} unless composing the layer into a larger model
   * (see `LinearBnReluLinear`): then call `plan`, then {@link BatchNormSim.compute} inside the gradient
   * function, then {@link BatchNormSim.commit}.
   *
   * @param shape input shape in the layer's layout.
   * @throws FrameworkError what the framework raises: PyTorch `ValueError` for a wrong rank
   *   (`expected 4D input (got 3D input)`) or one value per channel when batch statistics are used
   *   (`Expected more than 1 value per channel when training, got input size torch.Size([1, 3])`),
   *   `RuntimeError` for a channel-count mismatch (`running_mean should contain 3 elements not 4`);
   *   Keras/TensorFlow.js `ValueError` for a channel-count mismatch.
   * @throws RangeError for an input of rank < 2 in Keras/TensorFlow.js (no channel axis).
   */
  plan(shape: readonly number[], mode: Mode, options: ForwardOptions = {}): BatchNormPlan {
    this.assertAlive();
    const persist = options.updateState ?? true;
    return this.config.framework === 'pytorch'
      ? this.planTorch(this.config, shape, mode, persist)
      : this.planKeras(this.config, shape, mode, persist);
  }

  /**
   * Phase 2: the differentiable math of a planned pass. Does not change the state.
   *
   * @param x input with the planned shape.
   * @param weight γ to use (pass a differentiated copy when composing; defaults to the layer's own).
   * @param bias β to use (defaults to the layer's own).
   * @returns the output, plus the batch mean and biased variance `[C]` when the plan uses batch statistics.
   */
  compute(
    plan: BatchNormPlan,
    x: tf.Tensor,
    weight: tf.Tensor1D | null = this.weightT,
    bias: tf.Tensor1D | null = this.biasT,
  ): { output: tf.Tensor; mean?: tf.Tensor1D; variance?: tf.Tensor1D } {
    this.assertAlive();
    assertFloat32(x, 'input');
    if (!shapesEqual(x.shape, plan.shape)) throw new RangeError(`input shape [${x.shape.join(', ')}] differs from the planned [${plan.shape.join(', ')}]`);
    const eps = this.config.eps;
    if (!plan.useBatchStatistics) {
      const mean = this.runningMeanT;
      const variance = this.runningVarT;
      if (mean === null || variance === null) throw new Error('unreachable: a plan without batch statistics needs running statistics');
      return { output: batchNormalize(x, mean, variance, eps, weight, bias, plan.layout) };
    }
    return tf.tidy(() => {
      // Batch mean and BIASED variance over every axis but the channel axis (what tf.moments
      // computes, arranged for the fast CPU path), then the same normalization as batchNormalize.
      // The deviations x − mean are stored only on the CPU backend, where variance and output reuse
      // them; the WebGL shaders compute them on the fly.
      const view = new ChannelView(plan.shape, plan.layout);
      const v = view.flatten(x);
      const mean = view.mean(v);
      const centered = reductionShadersActive() ? undefined : tf.sub(v, view.operand(mean));
      const variance = view.variance(v, mean, centered);
      const output = view.unflatten(view.normalize(v, mean, scaleOf(variance, eps, weight), bias, centered));
      return { output, mean, variance };
    });
  }

  /**
   * Phase 2 for G independent batches of the planned shape at once: batch `g` of the result is what
   * {@link BatchNormSim.compute} gives for `xs[g]`, up to float32 rounding (each batch normalized with
   * its OWN statistics when the plan uses batch statistics, with the running statistics otherwise).
   * On WebGL it runs a few large tensor ops instead of G times as many small ones (each op is one
   * shader dispatch). On the CPU backend, whose binary ops are slow when an operand broadcasts along
   * a middle axis (a per-batch `[G, 1, …]` operand), it computes batch by batch.
   *
   * Does not change the state: to train on the batches in order, call {@link BatchNormSim.plan} and
   * {@link BatchNormSim.commit} once per batch with its statistics.
   *
   * @param plan the plan of ONE batch (shape `[N, …]` in the layer's layout).
   * @param xs `[G, ...plan.shape]`, float32.
   * @param weight γ `[C]` to use (defaults to the layer's own).
   * @param bias β `[C]` to use (defaults to the layer's own).
   * @returns the output `[G, ...plan.shape]` and, when the plan uses batch statistics, the batch
   *   means and biased variances `[G, C]`. The caller owns the tensors.
   * @throws RangeError when `xs` is not `[G, ...plan.shape]`.
   */
  computeStack(
    plan: BatchNormPlan,
    xs: tf.Tensor,
    weight: tf.Tensor1D | null = this.weightT,
    bias: tf.Tensor1D | null = this.biasT,
  ): { output: tf.Tensor; mean?: tf.Tensor2D; variance?: tf.Tensor2D } {
    this.assertAlive();
    const groups = this.checkStack(plan, xs);
    const eps = this.config.eps;
    if (!plan.useBatchStatistics) {
      const mean = this.runningMeanT;
      const variance = this.runningVarT;
      if (mean === null || variance === null) throw new Error('unreachable: a plan without batch statistics needs running statistics');
      // Running statistics are the same for every batch: the stack is one big batch.
      return tf.tidy(() => {
        const joined = tf.reshape(xs, [groups * plan.shape[0]!, ...plan.shape.slice(1)]);
        return { output: tf.reshape(batchNormalize(joined, mean, variance, eps, weight, bias, plan.layout), xs.shape) };
      });
    }
    if (groups > 1 && !reductionShadersActive()) {
      // Batch by batch on the CPU backend (see computeStack): the same numbers.
      return tf.tidy(() => {
        const parts = tf.unstack(xs).map((x) => this.compute(plan, x, weight, bias));
        return { output: tf.stack(parts.map((p) => p.output)), mean: tf.stack(parts.map((p) => p.mean!)) as tf.Tensor2D, variance: tf.stack(parts.map((p) => p.variance!)) as tf.Tensor2D };
      });
    }
    return tf.tidy(() => {
      const view = new StackedChannelView(groups, plan.shape, plan.layout);
      const { centered, mean, variance } = stackMoments(view, xs, !reductionShadersActive());
      const output = view.normalize(view.flatten(xs), mean, scaleOf(variance, eps, weight), bias, centered ?? undefined);
      return { output: view.unflatten(output), mean, variance };
    });
  }

  /**
   * The batch statistics of G independent batches of the planned shape, without the outputs:
   * row `g` is the mean and biased variance {@link BatchNormSim.compute} would use for `xs[g]`.
   *
   * @param plan the plan of ONE batch; it must use batch statistics.
   * @param xs `[G, ...plan.shape]`, float32.
   * @returns means and biased variances `[G, C]`, owned by the caller.
   * @throws RangeError when `xs` is not `[G, ...plan.shape]` or the plan does not use batch statistics.
   */
  batchStatisticsStack(plan: BatchNormPlan, xs: tf.Tensor): { mean: tf.Tensor2D; variance: tf.Tensor2D } {
    this.assertAlive();
    const groups = this.checkStack(plan, xs);
    if (!plan.useBatchStatistics) throw new RangeError('this plan normalizes with the running statistics, not batch statistics');
    return tf.tidy(() => {
      if (groups > 1 && !reductionShadersActive()) {
        // Batch by batch on the CPU backend (see computeStack): the same numbers.
        const parts = tf.unstack(xs).map((x) => stackMoments(new StackedChannelView(1, plan.shape, plan.layout), x, false));
        return { mean: tf.concat(parts.map((p) => p.mean)), variance: tf.concat(parts.map((p) => p.variance)) };
      }
      const { mean, variance } = stackMoments(new StackedChannelView(groups, plan.shape, plan.layout), xs, false);
      return { mean, variance };
    });
  }

  /**
   * Phase 3: folds the batch statistics of a planned pass into the running statistics (no-op when
   * the plan has no update). Safe inside a gradient function.
   *
   * @param mean batch mean `[C]` from {@link BatchNormSim.compute}.
   * @param variance biased batch variance `[C]` from {@link BatchNormSim.compute}.
   */
  commit(plan: BatchNormPlan, mean: tf.Tensor1D | undefined, variance: tf.Tensor1D | undefined): void {
    this.assertAlive();
    const update = plan.update;
    if (update === null || !plan.persist) return;
    const runningMean = this.runningMeanT;
    const runningVar = this.runningVarT;
    if (mean === undefined || variance === undefined || runningMean === null || runningVar === null) {
      throw new Error('unreachable: a running-statistics update needs batch and running statistics');
    }
    const [nextMean, nextVar] = tf.tidy(() => {
      const average = (r: tf.Tensor1D, s: tf.Tensor): tf.Tensor1D =>
        update.form === 'lerp'
          ? tf.add(tf.mul(r, update.oldWeight), tf.mul(s, update.newWeight))
          : tf.sub(r, tf.mul(tf.sub(r, s), update.newWeight));
      const folded = update.varianceCorrection === 1 ? variance : tf.mul(variance, update.varianceCorrection);
      return [tf.keep(average(runningMean, mean)), tf.keep(average(runningVar, folded))];
    });
    runningMean.dispose();
    runningVar.dispose();
    this.runningMeanT = nextMean;
    this.runningVarT = nextVar;
  }

  /**
   * One forward pass in `mode`, updating the state as the framework does.
   *
   * @param x input in the layer's layout: PyTorch `[N, C]`, `[N, C, L]`, `[N, C, H, W]`, `[N, C, D, H, W]`
   *   (per `dims`); Keras/TensorFlow.js channels-last `[N, …, C]` by default, any rank ≥ 2. float32.
   * @returns the output and, when used, the batch statistics; the caller owns the tensors.
   * @throws FrameworkError / RangeError as {@link BatchNormSim.plan}; TypeError for a non-float32 input.
   */
  forward(x: tf.Tensor, mode: Mode, options: ForwardOptions = {}): BatchNormForward {
    assertFloat32(x, 'input');
    const plan = this.plan(x.shape, mode, options);
    const { output, mean, variance } = this.compute(plan, x);
    try {
      this.commit(plan, mean, variance);
    } catch (e) {
      disposeAll(output, mean, variance);
      throw e;
    }
    let batchStatistics: BatchStatistics | null = null;
    if (mean !== undefined && variance !== undefined) {
      const n = plan.count;
      const varianceUnbiased = n > 1 ? tf.tidy(() => tf.mul(variance, n / (n - 1)) as tf.Tensor1D) : null;
      batchStatistics = { mean, variance, varianceUnbiased, count: n };
    }
    return { output, batchStatistics, update: plan.update, stateChanged: plan.changesState };
  }

  /**
   * Forward pass plus vector-Jacobian product for the upstream gradient `dy`, updating the state
   * like {@link BatchNormSim.forward}. Train mode back-propagates through the batch mean and variance (the full
   * BatchNorm backward); eval mode gives `dx = dy·γ/sqrt(running_var + eps)` (SEMANTICS.md §1).
   *
   * @param x input (see {@link BatchNormSim.forward}).
   * @param dy upstream gradient ∂L/∂output, same shape as `x`.
   * @throws FrameworkError / RangeError as {@link BatchNormSim.plan}; RangeError if `dy`'s shape differs from `x`'s.
   */
  forwardBackward(x: tf.Tensor, dy: tf.Tensor, mode: Mode): BatchNormBackward {
    assertFloat32(x, 'input');
    assertFloat32(dy, 'upstream gradient');
    if (!shapesEqual(x.shape, dy.shape)) throw new RangeError(`dy shape [${dy.shape.join(', ')}] differs from x shape [${x.shape.join(', ')}]`);
    const plan = this.plan(x.shape, mode);
    // Frozen parameters are constants of the function, not variables of the gradient.
    const trainedWeight = this.config.frozen ? null : this.weightT;
    const trainedBias = this.config.frozen ? null : this.biasT;
    const variables = [x, trainedWeight, trainedBias].filter((t): t is tf.Tensor => t !== null);
    const [output, dx, ...paramGrads] = tf.tidy(() => {
      const { value, grads } = tf.valueAndGrads((...args: tf.Tensor[]) => {
        const [xArg = x, ...rest] = args;
        const weight = trainedWeight ? (rest.shift() as tf.Tensor1D) : this.weightT;
        const bias = trainedBias ? (rest.shift() as tf.Tensor1D) : this.biasT;
        const r = this.compute(plan, xArg, weight, bias);
        this.commit(plan, r.mean, r.variance);
        return r.output;
      })(variables, dy);
      return [value, ...grads];
    });
    if (output === undefined || dx === undefined) throw new Error('unreachable: valueAndGrads returned no gradient for x');
    const dWeight = trainedWeight ? (paramGrads.shift() as tf.Tensor1D) : null;
    const dBias = trainedBias ? (paramGrads.shift() as tf.Tensor1D) : null;
    return { output, dx, dWeight, dBias };
  }

  /**
   * The eval-mode normalization parameters (tensors owned by the simulation), for BN folding.
   *
   * @throws RangeError for PyTorch with `trackRunningStats: false`: eval then normalizes with batch
   *   statistics, which no fixed affine map can reproduce.
   */
  evalNormalization(): EvalNormalization {
    this.assertAlive();
    if (this.runningMeanT === null || this.runningVarT === null) {
      throw new RangeError('track_running_stats=False: eval mode normalizes with batch statistics, so the layer cannot be folded');
    }
    return { weight: this.weightT, bias: this.biasT, runningMean: this.runningMeanT, runningVar: this.runningVarT, eps: this.config.eps };
  }

  /** Releases the state tensors. The simulation is unusable afterwards. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    disposeAll(this.weightT, this.biasT, this.runningMeanT, this.runningVarT);
    this.weightT = this.biasT = this.runningMeanT = this.runningVarT = null;
    this.disposed = true;
  }

  private planTorch(config: TorchBatchNormConfig, shape: readonly number[], mode: Mode, persist: boolean): BatchNormPlan {
    const rank = shape.length;
    // _BatchNorm.forward → _check_input_dim (torch/nn/modules/batchnorm.py)
    const rankOk = config.dims === 1 ? rank === 2 || rank === 3 : rank === config.dims + 2;
    if (!rankOk) {
      const expected = config.dims === 1 ? '2D or 3D' : `${config.dims + 2}D`;
      throw new FrameworkError('input-rank', 'pytorch', 'ValueError', `expected ${expected} input (got ${rank}D input)`);
    }
    const training = mode === 'train';
    // num_batches_tracked.add_(1) happens before F.batch_norm runs any other check.
    let newWeight: number | null = null;
    if (training && config.trackRunningStats && this.counter !== null) {
      const counter = this.counter + 1;
      if (persist) this.counter = counter;
      newWeight = config.momentum ?? 1 / counter;
    }
    const useBatchStatistics = training || !config.trackRunningStats;
    // F.batch_norm → _verify_batch_size when batch statistics are used.
    const count = shape[0]! * product(shape.slice(2));
    if (useBatchStatistics && count === 1) {
      throw new FrameworkError(
        'batch-of-one',
        'pytorch',
        'ValueError',
        `Expected more than 1 value per channel when training, got input size ${formatTorchSize(shape)}`,
      );
    }
    // ATen batch_norm checks the sizes of running_mean, running_var, weight, bias in this order.
    const channels = shape[1]!;
    if (channels !== config.numFeatures) {
      const checked = [
        ['running_mean', config.trackRunningStats],
        ['running_var', config.trackRunningStats],
        ['weight', config.affine],
        ['bias', config.affine],
      ] as const;
      const failing = checked.find(([, present]) => present);
      if (failing) {
        throw new FrameworkError('num-features', 'pytorch', 'RuntimeError', `${failing[0]} should contain ${channels} elements not ${config.numFeatures}`);
      }
      // Without buffers and parameters PyTorch normalizes whatever channel count it gets; the
      // simulation's state is sized by numFeatures, so it cannot follow.
      throw new RangeError(`input has ${channels} channels, the simulation ${config.numFeatures}`);
    }
    const update: RunningAverageUpdate | null =
      newWeight === null ? null : { form: 'lerp', newWeight, oldWeight: 1 - newWeight, varianceCorrection: count / (count - 1) };
    return {
      mode,
      shape: [...shape],
      layout: 'channels-first',
      axes: reductionAxes(rank, 'channels-first'),
      count,
      useBatchStatistics,
      update,
      persist,
      changesState: persist && update !== null, // the counter advances exactly when the statistics update
    };
  }

  private planKeras(config: KerasBatchNormConfig, shape: readonly number[], mode: Mode, persist: boolean): BatchNormPlan {
    const rank = shape.length;
    if (rank < 2) throw new RangeError(`the simulation needs a batch axis and a channel axis (rank >= 2), got rank ${rank}`);
    const axis = channelAxis(rank, config.layout);
    if (shape[axis] !== config.numFeatures) {
      // InputSpec(axes={axis: C}) set when the layer was built (Keras input_spec.py; tfjs-layers topology.js).
      const expected = `expected axis ${axis} of input shape to have value ${config.numFeatures}`;
      const message =
        config.framework === 'tfjs'
          ? `Input 0 is incompatible with layer batch_normalization: ${expected} but got shape ${shape.join(',')}.`
          : `Input 0 of layer "batch_normalization" is incompatible with the layer: ${expected}, but received input with shape ${formatPythonTuple(shape)}`;
      throw new FrameworkError('num-features', config.framework, 'ValueError', message);
    }
    // Keras ≥ TF 2.0: `trainable=False` forces inference (`_get_training_value`; Keras 3 `training and self.trainable`).
    // TensorFlow.js ignores `trainable` here [run: tfjs_behaviours.trainable_false_with_training_true].
    const training = mode === 'train' && !(config.frozen && config.framework !== 'tfjs');
    const count = product(shape) / shape[axis]!;
    let update: RunningAverageUpdate | null = null;
    if (training) {
      const momentum = effectiveMomentum(config) ?? FRAMEWORK_FACTS[config.framework].defaultMomentum;
      // Keras 2 fused path (4D/5D input, axis 1 or last): Bessel-corrected variance from the fused kernel,
      // with n−1 clamped to 1 for a single value (fused_batch_norm_op.cc).
      const fused = config.framework === 'keras2' && (rank === 4 || rank === 5);
      update = {
        form: config.framework === 'keras3' ? 'lerp' : 'decay',
        newWeight: 1 - momentum,
        oldWeight: momentum,
        varianceCorrection: fused && count > 1 ? count / (count - 1) : 1,
      };
    }
    return {
      mode,
      shape: [...shape],
      layout: config.layout,
      axes: reductionAxes(rank, config.layout),
      count,
      useBatchStatistics: training,
      update,
      persist,
      changesState: persist && update !== null,
    };
  }

  /** Validates a stack for {@link BatchNormSim.computeStack}; returns G. */
  private checkStack(plan: BatchNormPlan, xs: tf.Tensor): number {
    assertFloat32(xs, 'input');
    if (xs.rank !== plan.shape.length + 1 || !shapesEqual(xs.shape.slice(1), plan.shape)) {
      throw new RangeError(`stack shape [${xs.shape.join(', ')}] is not [G, ${plan.shape.join(', ')}]`);
    }
    return xs.shape[0]!;
  }

  private describe(): string {
    const c = this.config;
    return c.framework === 'pytorch'
      ? `${torchClassName(c.dims)}(affine=${c.affine}, track_running_stats=${c.trackRunningStats})`
      : `${FRAMEWORK_FACTS[c.framework].label} layer (center=${c.center}, scale=${c.scale})`;
  }

  private assertAlive(): void {
    if (this.disposed) throw new Error('this BatchNormSim was disposed');
  }
}

/**
 * Per-batch mean and biased variance `[G, C]` of a stack, as compute() computes them per batch, and
 * (when `withCentered`) the deviations `x − mean` as a view.
 */
function stackMoments(view: StackedChannelView, xs: tf.Tensor, withCentered = true): { centered: tf.Tensor | null; mean: tf.Tensor2D; variance: tf.Tensor2D } {
  const v = view.flatten(xs);
  const mean = view.mean(v);
  const centered = withCentered ? tf.sub(v, view.groupOperand(mean)) : null;
  const variance = view.variance(v, mean, centered ?? undefined);
  return { centered, mean, variance };
}

function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
