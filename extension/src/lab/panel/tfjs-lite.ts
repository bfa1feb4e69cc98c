/**
 * What the panel bundle uses in place of `@tensorflow/tfjs` (esbuild alias in
 * `scripts/lab-build.mjs`): tfjs-core with the CPU and WebGL backends, without the layers,
 * converter and data packages the simulation never touches. Same version as `@tensorflow/tfjs`.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';

export * from '@tensorflow/tfjs-core';
