/**
 * TensorFlow.js WebGL settings of the BN Lab page (also used by the browser tests' kernel page).
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Sets the WebGL backend's flags for BN Lab's small tensors (measured under SwiftShader, see
 * ARCHITECTURE.md). Call before the backend runs its first op.
 *
 * - `WEBGL_USE_SHAPES_UNIFORMS`: shapes as uniforms, so that the elementwise, matMul and im2col
 *   shaders compiled at start-up are reused for every batch size (reductions get the same from
 *   `core/kernels.ts`).
 * - `WEBGL_PACK: false`: unpacked textures; packing adds pack/unpack/reshape dispatches around
 *   nearly every op at these sizes (turning it off halved the batch-size sweep's shader runs).
 * - `WEBGL_CONV_IM2COL: true` (its default follows `WEBGL_PACK`): convolutions as im2col + matMul,
 *   whose shaders take their shapes as uniforms; the direct convolution shader is compiled per
 *   batch size.
 *
 * `WEBGL_CPU_FORWARD` keeps its default (true): ops whose inputs all live on the CPU and have fewer
 * than 128 values run on the backend's CPU kernels, which is where the per-step `[C]` updates of the
 * running statistics run.
 */
export function configureWebGL(): void {
  tf.env().set('WEBGL_USE_SHAPES_UNIFORMS', true);
  tf.env().set('WEBGL_PACK', false);
  tf.env().set('WEBGL_CONV_IM2COL', true);
}
