/**
 * The layers that surround a BatchNorm in BN Lab's scenarios, with PyTorch's weight layouts.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * `torch.nn.functional.linear`: `y = x·Wᵀ + b`.
 *
 * @param x `[N, in]`.
 * @param weight `[out, in]` (PyTorch layout; a Keras/TensorFlow.js Dense kernel `[in, out]` is its transpose).
 * @param bias `[out]` or `null`.
 * @returns `[N, out]`, owned by the caller. Differentiable.
 */
export function linear(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D | null): tf.Tensor2D {
  return tf.tidy(() => {
    const y = tf.matMul<tf.Tensor2D>(x, weight, false, true);
    return bias ? tf.add<tf.Tensor2D>(y, bias) : y;
  });
}

/** Stride and symmetric zero padding of a 2-D convolution, in pixels. */
export interface Conv2dOptions {
  /** Default 1. */
  readonly stride?: number;
  /** Zero padding on each side of H and W (PyTorch `padding=p`). Default 0. */
  readonly padding?: number;
}

/**
 * `torch.nn.functional.conv2d` on channels-first tensors (cross-correlation, like every framework).
 * Implemented as `tf.conv2d` on NHWC with the filter in HWIO (= OIHW transposed `[2, 3, 1, 0]`), since
 * the TensorFlow.js CPU backend only supports NHWC.
 *
 * @param x `[N, Cin, H, W]`.
 * @param weight `[Cout, Cin, kH, kW]` (PyTorch OIHW).
 * @param bias `[Cout]` or `null`.
 * @returns `[N, Cout, H', W']`, owned by the caller.
 */
export function conv2dChannelsFirst(x: tf.Tensor4D, weight: tf.Tensor4D, bias: tf.Tensor1D | null, options: Conv2dOptions = {}): tf.Tensor4D {
  const stride = options.stride ?? 1;
  const padding = options.padding ?? 0;
  return tf.tidy(() => {
    const nhwc = tf.transpose(x, [0, 2, 3, 1]);
    const hwio = tf.transpose(weight, [2, 3, 1, 0]);
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [padding, padding], [padding, padding], [0, 0]];
    let y: tf.Tensor4D = tf.conv2d(nhwc, hwio, stride, pad);
    if (bias) y = tf.add(y, bias);
    return tf.transpose(y, [0, 3, 1, 2]);
  });
}
