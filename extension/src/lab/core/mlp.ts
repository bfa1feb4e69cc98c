/**
 * The train/eval divergence scenario: a small MLP `Linear → BatchNorm1d → ReLU → Linear` trained
 * with plain SGD on a mean-squared-error loss, whose BatchNorm follows any simulated framework.
 */
import * as tf from '@tensorflow/tfjs';
import { BatchNormSim, type ForwardOptions } from './batchnorm';
import { linear } from './layers';
import { assertFloat32, disposeAll } from './shapes';
import type { BatchNormConfig, BatchNormInit, Mode } from './types';

/** Initial weights of the two linear layers, in PyTorch layout. The MLP copies them. */
export interface MlpInit {
  /** `[H, D]`: D inputs → H hidden units (the BatchNorm's `numFeatures`). */
  readonly fc1Weight: tf.Tensor2D;
  /** `[H]`. */
  readonly fc1Bias: tf.Tensor1D;
  /** `[O, H]`. */
  readonly fc2Weight: tf.Tensor2D;
  /** `[O]`. */
  readonly fc2Bias: tf.Tensor1D;
}

/** Outputs of one MLP forward pass, owned by the caller. */
export interface MlpForward {
  /** Network output `[N, O]`. */
  readonly output: tf.Tensor2D;
  /** BatchNorm output before the ReLU `[N, H]`. */
  readonly bnOutput: tf.Tensor2D;
}

/**
 * `fc2(relu(bn(fc1(x))))`, trained by {@link LinearBnReluLinear.sgdStep}. With a PyTorch BatchNorm this reproduces
 * `torch.optim.SGD` (no momentum, no weight decay) on `F.mse_loss` (mean reduction) step by step
 * (golden `divergence_mlp_linear_bn_relu`); with a TensorFlow.js BatchNorm it reproduces
 * `tf.sequential` + `tf.layers.batchNormalization` + `tf.train.sgd` (golden `tfjs_layers_model_torch_matched_hparams`).
 *
 * Call {@link LinearBnReluLinear.dispose} when done.
 */
export class LinearBnReluLinear {
  /** The BatchNorm between the two linear layers (owned by the MLP). */
  readonly bn: BatchNormSim;
  private fc1Weight: tf.Tensor2D;
  private fc1Bias: tf.Tensor1D;
  private fc2Weight: tf.Tensor2D;
  private fc2Bias: tf.Tensor1D;

  /**
   * @param init linear-layer weights (copied).
   * @param bnConfig BatchNorm configuration; `numFeatures` must equal H (PyTorch: `dims: 1`).
   * @param bnInit initial BatchNorm state.
   * @throws RangeError for inconsistent shapes or a PyTorch BatchNorm that is not `BatchNorm1d`.
   */
  constructor(init: MlpInit, bnConfig: BatchNormConfig, bnInit: BatchNormInit = {}) {
    const [hidden, inputs] = init.fc1Weight.shape;
    const [outputs, hidden2] = init.fc2Weight.shape;
    if (init.fc1Bias.size !== hidden || hidden2 !== hidden || init.fc2Bias.size !== outputs) {
      throw new RangeError(
        `inconsistent MLP shapes: fc1 [${hidden}, ${inputs}] + [${init.fc1Bias.size}], fc2 [${outputs}, ${hidden2}] + [${init.fc2Bias.size}]`,
      );
    }
    if (bnConfig.numFeatures !== hidden) throw new RangeError(`the BatchNorm has ${bnConfig.numFeatures} features, the hidden layer ${hidden}`);
    if (bnConfig.framework === 'pytorch' && bnConfig.dims !== 1) throw new RangeError('the hidden activations are [N, H]: use BatchNorm1d (dims: 1)');
    this.bn = new BatchNormSim(bnConfig, bnInit);
    this.fc1Weight = tf.keep(init.fc1Weight.clone());
    this.fc1Bias = tf.keep(init.fc1Bias.clone());
    this.fc2Weight = tf.keep(init.fc2Weight.clone());
    this.fc2Bias = tf.keep(init.fc2Bias.clone());
  }

  /**
   * One forward pass. In train mode the BatchNorm normalizes with the batch statistics and (unless
   * `updateState: false`) updates its running statistics, as a framework's train-mode call does.
   *
   * @param x `[N, D]` float32.
   * @throws FrameworkError from the BatchNorm (PyTorch raises for N = 1 in train mode).
   */
  forward(x: tf.Tensor2D, mode: Mode, options: ForwardOptions = {}): MlpForward {
    assertFloat32(x, 'input');
    const plan = this.bn.plan([x.shape[0], this.hidden], mode, options);
    return tf.tidy(() => {
      const normalized = this.bn.compute(plan, linear(x, this.fc1Weight, this.fc1Bias));
      this.bn.commit(plan, normalized.mean, normalized.variance);
      const bnOutput = normalized.output as tf.Tensor2D;
      return { output: linear(tf.relu(bnOutput), this.fc2Weight, this.fc2Bias), bnOutput };
    });
  }

  /**
   * One SGD step on the mean-squared error: forward in train mode (updating the BatchNorm's running
   * statistics), gradients of every trainable parameter (γ/β only when present and not frozen),
   * then `p ← p − learningRate·∂L/∂p`.
   *
   * @param x `[N, D]` float32.
   * @param target `[N, O]` float32.
   * @returns the loss before the update (read synchronously).
   * @throws FrameworkError from the BatchNorm, before any parameter changes.
   */
  sgdStep(x: tf.Tensor2D, target: tf.Tensor2D, learningRate: number): number {
    assertFloat32(x, 'input');
    assertFloat32(target, 'target');
    const plan = this.bn.plan([x.shape[0], this.hidden], 'train');
    const trainBn = !this.bn.config.frozen;
    const bnWeight = trainBn && this.bn.weight ? this.bn.weight : null;
    const bnBias = trainBn && this.bn.bias ? this.bn.bias : null;
    const params: tf.Tensor[] = [this.fc1Weight, this.fc1Bias, this.fc2Weight, this.fc2Bias];
    if (bnWeight) params.push(bnWeight);
    if (bnBias) params.push(bnBias);
    const [loss, ...grads] = tf.tidy(() => {
      const { value, grads: g } = tf.valueAndGrads((...p: tf.Tensor[]) => {
        const [w1, b1, w2, b2, ...bnParams] = p as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D, ...tf.Tensor1D[]];
        const gamma = bnWeight ? bnParams.shift() ?? null : this.bn.weight;
        const beta = bnBias ? bnParams.shift() ?? null : this.bn.bias;
        const normalized = this.bn.compute(plan, linear(x, w1, b1), gamma, beta);
        this.bn.commit(plan, normalized.mean, normalized.variance);
        const output = linear(tf.relu(normalized.output as tf.Tensor2D), w2, b2);
        return tf.mean(tf.squaredDifference(output, target));
      })(params);
      return [value, ...g];
    });
    const updated = tf.tidy(() => params.map((p, i) => tf.sub(p, tf.mul(grads[i]!, learningRate))));
    const [w1, b1, w2, b2, ...bnParams] = updated as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D, ...tf.Tensor1D[]];
    disposeAll(this.fc1Weight, this.fc1Bias, this.fc2Weight, this.fc2Bias);
    this.fc1Weight = tf.keep(w1);
    this.fc1Bias = tf.keep(b1);
    this.fc2Weight = tf.keep(w2);
    this.fc2Bias = tf.keep(b2);
    this.bn.setParameters(bnWeight ? bnParams.shift() : undefined, bnBias ? bnParams.shift() : undefined);
    const value = loss!.dataSync()[0]!;
    disposeAll(loss, grads, updated.slice(4));
    return value;
  }

  /**
   * A synchronous copy of every parameter and buffer under PyTorch `state_dict` names
   * (`fc1.weight`, `fc1.bias`, `bn.weight`, `bn.bias`, `bn.running_mean`, `bn.running_var`,
   * `fc2.weight`, `fc2.bias`), flattened row-major. Absent BatchNorm entries are omitted.
   */
  parameters(): Record<string, Float32Array> {
    const bn = this.bn.state();
    const out: Record<string, Float32Array> = {
      'fc1.weight': Float32Array.from(this.fc1Weight.dataSync()),
      'fc1.bias': Float32Array.from(this.fc1Bias.dataSync()),
      'fc2.weight': Float32Array.from(this.fc2Weight.dataSync()),
      'fc2.bias': Float32Array.from(this.fc2Bias.dataSync()),
    };
    if (bn.weight) out['bn.weight'] = bn.weight;
    if (bn.bias) out['bn.bias'] = bn.bias;
    if (bn.runningMean) out['bn.running_mean'] = bn.runningMean;
    if (bn.runningVar) out['bn.running_var'] = bn.runningVar;
    return out;
  }

  /** Releases every tensor of the MLP and its BatchNorm. */
  dispose(): void {
    disposeAll(this.fc1Weight, this.fc1Bias, this.fc2Weight, this.fc2Bias);
    this.bn.dispose();
  }

  private get hidden(): number {
    return this.fc1Weight.shape[0];
  }
}
