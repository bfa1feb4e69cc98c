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
 * `torch.nn.functional.conv2d` on channels-first tensors (cross-correlation, like every framework):
 * `tf.conv2d` with `dataFormat: 'NCHW'` (supported by the CPU and WebGL backends of TensorFlow.js
 * 4.22.0, gradients included) and the filter in HWIO (= OIHW transposed `[2, 3, 1, 0]`). No
 * transpose of the input or output: on WebGL each would be one more shader compiled per batch size.
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
    const hwio = tf.transpose(weight, [2, 3, 1, 0]);
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [0, 0], [padding, padding], [padding, padding]];
    const y: tf.Tensor4D = tf.conv2d(x, hwio as tf.Tensor4D, stride, pad, 'NCHW');
    return bias ? tf.add(y, tf.reshape(bias, [bias.size, 1, 1])) : y;
  });
}

/**
 * `torch.nn.functional.conv3d` on channels-first tensors (cross-correlation, stride 1, symmetric
 * zero padding): TensorFlow.js 4.22.0's `tf.conv3d` takes only `NDHWC` inputs and a
 * `[kD, kH, kW, Cin, Cout]` filter, so the input is transposed in and out (and zero-padded with
 * `tf.pad` before a `'valid'` convolution, which any `padding` allows). Used by the folding view
 * for BatchNorm3d; CPU and WebGL backends.
 *
 * @param x `[N, Cin, D, H, W]`.
 * @param weight `[Cout, Cin, kD, kH, kW]` (PyTorch OIDHW).
 * @param bias `[Cout]` or `null`.
 * @param padding zero padding on each side of D, H and W (PyTorch `padding=p`). Default 0.
 * @returns `[N, Cout, D', H', W']`, owned by the caller.
 */
export function conv3dChannelsFirst(x: tf.Tensor5D, weight: tf.Tensor5D, bias: tf.Tensor1D | null, padding = 0): tf.Tensor5D {
  return tf.tidy(() => {
    let xl = tf.transpose(x, [0, 2, 3, 4, 1]) as tf.Tensor5D;
    if (padding > 0) xl = tf.pad(xl, [[0, 0], [padding, padding], [padding, padding], [padding, padding], [0, 0]]);
    const filter = tf.transpose(weight, [2, 3, 4, 1, 0]) as tf.Tensor5D;
    const y = tf.transpose(tf.conv3d(xl, filter, 1, 'valid', 'NDHWC'), [0, 4, 1, 2, 3]) as tf.Tensor5D;
    return bias ? tf.add(y, tf.reshape(bias, [bias.size, 1, 1, 1])) : y;
  });
}
