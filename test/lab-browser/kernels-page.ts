/**
 * Browser bundle of the kernel checks in `webgl.test.ts`: runs the BN Lab core's reductions, a
 * stack of batches and BatchNorm gradients on the WebGL backend (with the panel's settings) and on
 * the CPU backend, on the same seeded data, and reports the largest relative difference.
 */
import * as tf from '@tensorflow/tfjs';
import * as core from '../../extension/src/lab/core';
import { configureWebGL } from '../../extension/src/lab/panel/backend';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const window: any;

/** Seeded values in [-0.5, 3.5) (a linear congruential generator: the same arrays on both backends). */
class Values {
  private state = 12345;
  next(n: number): Float32Array {
    return Float32Array.from({ length: n }, () => {
      this.state = (Math.imul(this.state, 1103515245) + 12345) >>> 0;
      return 1.5 + 4 * (this.state / 4294967296 - 0.5);
    });
  }
}

const SHAPES = [[3, 5, 4, 6], [1, 7, 8, 16], [40, 32, 8, 16], [4, 256, 8, 16], [2, 3, 1, 1], [1, 1, 1, 300], [5, 1, 3, 1]];

/** Every result the checks compare, computed on the active backend. */
function results(values: Values): Float32Array[] {
  const read = (t: tf.Tensor | null | undefined): Float32Array[] => (t ? [Float32Array.from(t.dataSync())] : []);
  const out: Float32Array[] = [];
  for (const s of SHAPES) {
    const x = values.next(s.reduce((a, b) => a * b, 1));
    const y = values.next(s.slice(1).reduce((a, b) => a * b, 1));
    const [A, , C] = s as [number, number, number, number];
    const params = values.next(3 * A * C + 2 * C + C);
    tf.tidy(() => {
      const p = (offset: number, shape: number[]): tf.Tensor => tf.tensor(params.subarray(offset, offset + shape.reduce((a, b) => a * b, 1)), shape);
      const xt = tf.tensor(x, s);
      const [m, sc, b] = [p(0, [A, C]), p(A * C, [A, C]), p(2 * A * C, [C])];
      out.push(...read(core.centerScaleShift(xt, m, sc, b)));
      out.push(...read(core.centerScaleShift(xt, p(3 * A * C, [1, C]), p(3 * A * C + C, [1, C]), null)));
      out.push(...read(core.centerScaleShift(tf.slice(xt, [0, 0, 0, 0], [1, ...s.slice(1)]), m, sc, b)));
    });
    tf.tidy(() => {
      const xt = tf.tensor(x, s);
      const m = core.sumAxes13(xt, { divisor: s[1]! * s[3]! });
      out.push(...read(core.sumAxes13(xt)), ...read(m), ...read(core.sumAxes13(xt, { first: 1, divisor: 3 })));
      out.push(...read(core.sumSquaredDeviations13(xt, m, { divisor: 2 })), ...read(core.sumAbsDifferences13(xt, tf.tensor(y, s.slice(1)))), ...read(core.maxAxes13(xt)));
    });
  }
  // A PyTorch BatchNorm2d: a stack of batches in both modes, and gradients in both modes.
  const sim = new core.BatchNormSim(core.defaultBatchNormConfig('pytorch', 8, 2), {
    weight: values.next(8),
    bias: values.next(8),
    runningMean: values.next(8),
    runningVar: values.next(8).map((v) => v * v + 0.1),
  });
  try {
    for (const mode of ['train', 'eval'] as const) {
      const xs = values.next(3 * 6 * 8 * 16);
      const x = values.next(6 * 8 * 16);
      const dy = values.next(6 * 8 * 16);
      tf.tidy(() => {
        const r = sim.computeStack(sim.plan([6, 8, 4, 4], mode, { updateState: false }), tf.tensor(xs, [3, 6, 8, 4, 4]));
        out.push(...read(r.output), ...read(r.mean), ...read(r.variance));
        const g = sim.forwardBackward(tf.tensor(x, [6, 8, 4, 4]), tf.tensor(dy, [6, 8, 4, 4]), mode);
        out.push(...read(g.output), ...read(g.dx), ...read(g.dWeight), ...read(g.dBias));
      });
    }
  } finally {
    sim.dispose();
  }
  return out;
}

/** Runs {@link results} on WebGL and on the CPU and compares them. */
async function compare(): Promise<{ worstRel: number; results: number; shaders: boolean; leaked: number }> {
  configureWebGL();
  if (!(await tf.setBackend('webgl'))) throw new Error('WebGL unavailable');
  await tf.ready();
  const shaders = core.reductionShadersActive();
  const before = tf.memory().numTensors;
  const webgl = results(new Values());
  await tf.setBackend('cpu');
  await tf.ready();
  const cpu = results(new Values());
  let worstRel = 0;
  webgl.forEach((w, i) =>
    w.forEach((v, j) => {
      const ref = cpu[i]![j]!;
      worstRel = Math.max(worstRel, Math.abs(v - ref) / Math.max(1, Math.abs(ref)));
    }),
  );
  return { worstRel, results: webgl.length, shaders, leaked: tf.memory().numTensors - before };
}

window.__kernels = { compare };
