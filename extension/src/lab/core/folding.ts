/**
 * Folding an eval-mode BatchNorm into the convolution or linear layer before it.
 */
import * as tf from '@tensorflow/tfjs';
import type { EvalNormalization } from './batchnorm';

/** A layer whose output channels can absorb a per-channel affine map. */
export interface FoldableLayer {
  /** Weight with the output channels on `outChannelAxis` (PyTorch conv OIHW / linear `[out, in]`: axis 0). */
  readonly weight: tf.Tensor;
  /** Bias `[Cout]`, or `null` for a layer without bias. */
  readonly bias: tf.Tensor1D | null;
}

/** Options of {@link foldBatchNorm}. */
export interface FoldOptions {
  /**
   * Axis of the output channels in the weight: 0 for PyTorch (`Conv2d` OIHW, `Linear` `[out, in]`),
   * −1 for Keras/TensorFlow.js (`Conv2D` HWIO, `Dense` `[in, out]`). Default 0.
   */
  readonly outChannelAxis?: number;
}

/**
 * Folds an eval-mode BatchNorm into the preceding layer: with `s = γ/sqrt(running_var + eps)`,
 * `W' = W·s` (per output channel) and `b' = (b − running_mean)·s + β` (`b = 0` without bias).
 * The folded layer equals layer-then-BN in EVAL mode only; a train-mode BN normalizes with batch
 * statistics and cannot be folded. Same formula and order as PyTorch 1.13.1
 * `torch.nn.utils.fusion.fuse_conv_bn_weights` [run]; the same with Keras names [doc].
 *
 * @param layer weight (any rank, output channels on `outChannelAxis`) and bias `[Cout]`.
 * @param bn eval-mode parameters, each `[Cout]` (from `BatchNormSim.evalNormalization()`).
 * @returns the folded weight (shape of `layer.weight`) and bias `[Cout]`; the caller owns them.
 * @throws RangeError when the channel counts disagree.
 */
export function foldBatchNorm(layer: FoldableLayer, bn: EvalNormalization, options: FoldOptions = {}): { weight: tf.Tensor; bias: tf.Tensor1D } {
  const rank = layer.weight.rank;
  const requested = options.outChannelAxis ?? 0;
  const axis = requested < 0 ? rank + requested : requested;
  if (axis < 0 || axis >= rank) throw new RangeError(`outChannelAxis ${requested} is out of range for a rank-${rank} weight`);
  const channels = layer.weight.shape[axis];
  if (channels !== bn.runningMean.size) throw new RangeError(`the layer has ${channels} output channels, the BatchNorm ${bn.runningMean.size}`);
  if (layer.bias && layer.bias.size !== channels) throw new RangeError(`the layer bias has ${layer.bias.size} values, expected ${channels}`);
  return tf.tidy(() => {
    const invStd = tf.rsqrt(tf.add(bn.runningVar, bn.eps));
    const scale = bn.weight ? tf.mul(bn.weight, invStd) : invStd;
    const perChannel = Array.from({ length: rank }, (_, i) => (i === axis ? channels : 1));
    const weight = tf.mul(layer.weight, tf.reshape(scale, perChannel));
    const centered = layer.bias ? tf.sub(layer.bias, bn.runningMean) : tf.neg(bn.runningMean);
    // (b − rm)·rsqrt(rv + eps)·γ + β, in fuse_conv_bn_weights' order
    let bias = tf.mul(centered, invStd);
    if (bn.weight) bias = tf.mul(bias, bn.weight);
    if (bn.bias) bias = tf.add(bias, bn.bias);
    return { weight, bias: bias as tf.Tensor1D };
  });
}
