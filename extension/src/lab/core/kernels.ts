/**
 * WebGL kernels of the simulation whose sizes are uniforms: the reductions (`sumAxes13`,
 * `sumSquaredDeviations13`, `sumAbsDifferences13`, `maxAxes13`) and the per-channel normalization
 * (`centerScaleShift`). On other backends (CPU) each is plain tf ops, in the order the CPU backend
 * is fastest with (innermost reductions, operands broadcast along trailing axes).
 *
 * Why (measured under SwiftShader, software WebGL, with @tensorflow/tfjs-backend-webgl 4.22.0):
 * - TensorFlow.js writes the sizes of its reductions (`tf.sum`, `tf.mean`, `tf.moments`), slices,
 *   transposes and concatenations into the shader source (`makeShaderKey`), so every new input
 *   shape compiles and links a new program: 30–70 ms per reduction. `WEBGL_USE_SHAPES_UNIFORMS`
 *   covers only elementwise, matMul, im2col and (un)packing programs. Changing BN Lab's batch size
 *   changes the shape of every reduction over the batch; these shaders compile once and are reused
 *   for every batch size.
 * - Each tf op is one shader dispatch plus a full pass over its tensor. The variance
 *   (`sumSquaredDeviations13`), the mean absolute difference (`sumAbsDifferences13`) and
 *   BatchNorm's `(x − mean)·scale + β` (`centerScaleShift`, instead of three tiles and three
 *   elementwise ops) each take one pass without storing intermediate tensors.
 * The WebGL results match the CPU ones within float32 rounding (`test/lab-browser/webgl.test.ts`).
 */
import * as tf from '@tensorflow/tfjs';

/** Kernel names of the WebGL shaders (registered on first use). */
const SUM_KERNEL = 'NormlintSumAxes13';
const SQDEV_KERNEL = 'NormlintSquaredDeviations13';
const ABSDIFF_KERNEL = 'NormlintAbsDifferences13';
const MAX_KERNEL = 'NormlintMaxAxes13';
const NORMALIZE_KERNEL = 'NormlintCenterScaleShift';

/** Options of {@link sumAxes13}. */
export interface SumOptions {
  /** The result is divided by this (e.g. the count, for a mean). Default 1. */
  readonly divisor?: number;
  /** Only the first `first` entries of axis 1 are summed (`1` selects index 0). Default: all. */
  readonly first?: number;
}

/**
 * Sums a 4-D tensor `[A, B, C, D]` over axes 1 and 3: `out[a, c] = Σ_{b<first} Σ_d x[a, b, c, d] / divisor`.
 *
 * Every reduction of the simulation is this one with a suitable reshape: per-channel sums of a
 * channels-first stack `[G, N, C, S]`, of a channels-last one `[G, M, C, 1]`, and row sums `[R, 1, 1, L]`.
 * On WebGL (version 2) it is one shader (sizes as uniforms, a Kahan-compensated float32 sum over
 * `b` of plain float32 sums over `d`); elsewhere `tf.sum` over axis 3, then axis 1, then `tf.div`.
 * Differentiable on both.
 *
 * @param x float32 `[A, B, C, D]`.
 * @returns `[A, C]`, owned by the caller.
 * @throws RangeError for a tensor that is not 4-D or an invalid `first`.
 */
export function sumAxes13(x: tf.Tensor, options: SumOptions = {}): tf.Tensor2D {
  if (x.rank !== 4) throw new RangeError(`sumAxes13 needs a 4-D tensor, got rank ${x.rank}`);
  const [A, B, C, D] = x.shape as [number, number, number, number];
  const first = options.first ?? B;
  const divisor = options.divisor ?? 1;
  if (!Number.isInteger(first) || first < 1 || first > B) throw new RangeError(`first must be an integer in [1, ${B}], got ${first}`);
  if (reductionShadersActive()) {
    registerShaders();
    // The shader reads the data as a flat 1-D tensor (`tf.reshape`: no copy for unpacked textures).
    const attrs = { shape: [A, B, C, D], first, divisor } as unknown as tf.NamedAttrMap;
    return tf.tidy(() => tf.engine().runKernel(SUM_KERNEL, { x: tf.reshape(x, [x.size]) }, attrs) as tf.Tensor2D);
  }
  return tf.tidy(() => {
    const kept = first === B ? x : tf.slice(x, [0, 0, 0, 0], [A, first, C, D]);
    const inner = D === 1 ? tf.reshape(kept, [A, first, C]) : tf.sum(kept, 3);
    const sums = tf.sum(inner, 1) as tf.Tensor2D;
    return divisor === 1 ? sums : tf.div(sums, divisor);
  });
}

/**
 * Sum of squared deviations over axes 1 and 3 of a 4-D tensor `[A, B, C, D]` from a per-output
 * value `m` `[A, C]`: `out[a, c] = Σ_b Σ_d (x[a, b, c, d] − m[a, c])² / divisor` (the second pass of
 * a two-pass variance, without materializing the deviations). On WebGL 2 one shader (as
 * {@link sumAxes13}); elsewhere `tf.sub`, `tf.square` and {@link sumAxes13}. Differentiable with
 * respect to `x` on both.
 *
 * @param x float32 `[A, B, C, D]`.
 * @param m float32 `[A, C]`.
 * @returns `[A, C]`, owned by the caller.
 * @throws RangeError for a tensor that is not 4-D or an `m` that is not `[A, C]`.
 */
export function sumSquaredDeviations13(x: tf.Tensor, m: tf.Tensor, options: { divisor?: number } = {}): tf.Tensor2D {
  if (x.rank !== 4) throw new RangeError(`sumSquaredDeviations13 needs a 4-D tensor, got rank ${x.rank}`);
  const [A, B, C, D] = x.shape as [number, number, number, number];
  if (m.rank !== 2 || m.shape[0] !== A || m.shape[1] !== C) throw new RangeError(`m must be [${A}, ${C}], got [${m.shape.join(', ')}]`);
  const divisor = options.divisor ?? 1;
  if (reductionShadersActive()) {
    registerShaders();
    const attrs = { shape: [A, B, C, D], first: B, divisor } as unknown as tf.NamedAttrMap;
    return tf.tidy(() => tf.engine().runKernel(SQDEV_KERNEL, { x: tf.reshape(x, [x.size]), m }, attrs) as tf.Tensor2D);
  }
  return tf.tidy(() => sumAxes13(tf.square(tf.sub(x, tf.reshape(m, [A, 1, C, 1]))), { divisor }));
}

/**
 * Sum of absolute differences over axes 1 and 3 of a 4-D tensor `[A, B, C, D]` and `y`, read in
 * flat (row-major) order and repeated when smaller: `out[a, c] = Σ_b Σ_d |x[a, b, c, d] − y_flat[i mod size(y)]| / divisor`
 * with `i` the flat index of `x[a, b, c, d]`. So `y` is either `x`'s values in any shape of the same
 * size, or a tensor broadcast along `x`'s leading axes (e.g. `[B, C, D]`). A mean absolute
 * difference without materializing the differences. On WebGL 2 one shader (as {@link sumAxes13});
 * elsewhere `tf.sub`, `tf.abs` and {@link sumAxes13}. Not differentiable.
 *
 * @param x float32 `[A, B, C, D]`.
 * @param y float32 whose size divides `x`'s.
 * @returns `[A, C]`, owned by the caller.
 * @throws RangeError for a tensor that is not 4-D or a `y` whose size does not divide `x`'s.
 */
export function sumAbsDifferences13(x: tf.Tensor, y: tf.Tensor, options: { divisor?: number } = {}): tf.Tensor2D {
  if (x.rank !== 4) throw new RangeError(`sumAbsDifferences13 needs a 4-D tensor, got rank ${x.rank}`);
  const [A, B, C, D] = x.shape as [number, number, number, number];
  const divisor = options.divisor ?? 1;
  if (y.size === 0 || x.size % y.size !== 0) throw new RangeError(`y [${y.shape.join(', ')}] does not repeat evenly over x [${x.shape.join(', ')}]`);
  if (reductionShadersActive()) {
    registerShaders();
    const attrs = { shape: [A, B, C, D], first: B, divisor } as unknown as tf.NamedAttrMap;
    return tf.tidy(() => tf.engine().runKernel(ABSDIFF_KERNEL, { x: tf.reshape(x, [x.size]), m: tf.reshape(y, [y.size]) }, attrs) as tf.Tensor2D);
  }
  return tf.tidy(() => sumAxes13(tf.reshape(tf.abs(tf.sub(tf.reshape(x, [x.size / y.size, y.size]), tf.reshape(y, [y.size]))), x.shape), { divisor }));
}

/**
 * `(x − mean)·scale + bias` per channel in one pass, for a 4-D view `[A, B, C, D]` whose channel is
 * axis 2: `mean` and `scale` are `[A, C]` (per group) or `[1, C]` (shared), `bias` is `[C]` or `null`.
 * `x` may also be `[1, B, C, D]` against `[A, C]` parameters: the same input under A sets of
 * parameters. The arithmetic is BatchNorm's normalization in its order (center, scale, shift).
 *
 * On WebGL 2 one shader (sizes as uniforms) instead of a tile, a subtraction, a multiplication, two
 * more tiles and an addition; elsewhere those tf ops, with operands arranged as `ChannelView` does
 * for the CPU backend.
 *
 * @returns `[A, B, C, D]`, owned by the caller.
 * @throws RangeError when the shapes do not fit together.
 */
export function centerScaleShift(x: tf.Tensor, mean: tf.Tensor, scale: tf.Tensor, bias: tf.Tensor | null): tf.Tensor4D {
  if (x.rank !== 4) throw new RangeError(`centerScaleShift needs a 4-D tensor, got rank ${x.rank}`);
  const [Ax, B, C, D] = x.shape as [number, number, number, number];
  const A = Math.max(Ax, mean.shape[0]!, scale.shape[0]!);
  for (const [what, t] of [['mean', mean], ['scale', scale]] as const) {
    if (t.rank !== 2 || t.shape[1] !== C || (t.shape[0] !== 1 && t.shape[0] !== A)) throw new RangeError(`${what} must be [${A}, ${C}] or [1, ${C}], got [${t.shape.join(', ')}]`);
  }
  if (Ax !== 1 && Ax !== A) throw new RangeError(`x must have ${A} or 1 groups, got ${Ax}`);
  if (bias && bias.size !== C) throw new RangeError(`bias must have ${C} values, got ${bias.size}`);
  if (reductionShadersActive()) {
    registerShaders();
    const attrs = { shape: [A, B, C, D], groupsX: Ax, groupsM: mean.shape[0]!, groupsS: scale.shape[0]! } as unknown as tf.NamedAttrMap;
    return tf.tidy(() => {
      const inputs: tf.NamedTensorMap = { x: tf.reshape(x, [x.size]), m: tf.reshape(mean, [mean.size]), s: tf.reshape(scale, [scale.size]) };
      if (bias) inputs['b'] = tf.reshape(bias, [C]);
      return tf.reshape(tf.engine().runKernel(NORMALIZE_KERNEL, inputs, attrs) as tf.Tensor, [A, B, C, D]) as tf.Tensor4D;
    });
  }
  return tf.tidy(() => {
    const F = C * D;
    // Operands of a [A, B, C·D] view: shared ones trailing ([C·D]: the CPU backend's fast path).
    const perChannel = (t: tf.Tensor): tf.Tensor => {
      const rows = t.shape.length === 2 ? t.shape[0]! : 1;
      const tiled = D === 1 ? tf.reshape(t, [rows, C]) : tf.reshape(tf.tile(tf.reshape(t, [rows, C, 1]), [1, 1, D]), [rows, F]);
      return rows === 1 ? tf.reshape(tiled, [F]) : tf.reshape(tiled, [rows, 1, F]);
    };
    let y = tf.mul(tf.sub(tf.reshape(x, [Ax, B, F]), perChannel(mean)), perChannel(scale));
    if (bias) y = tf.add(y, perChannel(bias));
    return tf.reshape(y, [A, B, C, D]) as tf.Tensor4D;
  });
}

/**
 * Largest value of a 4-D tensor `[A, B, C, D]` over axes 1 and 3: `out[a, c] = max_{b, d} x[a, b, c, d]`
 * (one shader with sizes as uniforms on WebGL 2, `tf.max` elsewhere; see {@link sumAxes13}). Not
 * differentiable.
 *
 * @param x float32 `[A, B, C, D]` without NaN.
 * @returns `[A, C]`, owned by the caller.
 * @throws RangeError for a tensor that is not 4-D.
 */
export function maxAxes13(x: tf.Tensor): tf.Tensor2D {
  if (x.rank !== 4) throw new RangeError(`maxAxes13 needs a 4-D tensor, got rank ${x.rank}`);
  const [A, B, C, D] = x.shape as [number, number, number, number];
  if (reductionShadersActive()) {
    registerShaders();
    const attrs = { shape: [A, B, C, D], first: B, divisor: 1 } as unknown as tf.NamedAttrMap;
    return tf.tidy(() => tf.engine().runKernel(MAX_KERNEL, { x: tf.reshape(x, [x.size]) }, attrs) as tf.Tensor2D);
  }
  return tf.tidy(() => tf.max(D === 1 ? tf.reshape(x, [A, B, C]) : tf.max(x, 3), 1) as tf.Tensor2D);
}

/**
 * Whether the reductions of this module run their own shaders: on the WebGL backend with WebGL 2
 * (GLSL ES 3.00 loops with uniform bounds). Callers that arrange tensors differently per backend
 * (e.g. to avoid materializing deviations) ask this.
 */
export function reductionShadersActive(): boolean {
  return tf.getBackend() === 'webgl' && tf.env().getNumber('WEBGL_VERSION') === 2;
}

/**
 * Shader source per reduction. The input is bound as a flat 1-D tensor (`getX(i)`: the cheapest
 * index arithmetic; per-element 4-D index math is what makes 4-D shaders slow under SwiftShader);
 * `sizeB`, `sizeC`, `sizeD` (the input's axes 1–3), `first` and `divisor` are uniforms, so nothing in
 * the source depends on the shape.
 */
/**
 * A reduction over axes 1 and 3: plain float32 sums of `term` (GLSL, reading `x = getX(i)` at
 * flat index `i`) over d (at most ∏spatial or a row), Kahan-compensated across b. `setup` runs
 * once per output element (`ac` is its `[a, c]`).
 */
function compensatedSum(term: string, setup = ''): string {
  return `
    void main() {
      ivec2 ac = getOutputCoords();
      int stride = sizeC * sizeD;
      int base = ac.x * sizeB * stride + ac.y * sizeD;${setup}
      float sum = 0.0;
      float carry = 0.0;
      for (int b = 0; b < first; b++) {
        float part = 0.0;
        int at = base + b * stride;
        for (int d = 0; d < sizeD; d++) {
          int i = at + d;
          float x = getX(i);
          part += ${term};
        }
        float y = part - carry;
        float t = sum + y;
        carry = (t - sum) - y;
        sum = t;
      }
      setOutput(sum / divisor);
    }
  `;
}

const USER_CODE = {
  sum: compensatedSum('x'),
  // The deviations (x - m[a, c])^2 are never stored.
  sqdev: compensatedSum('(x - mu) * (x - mu)', '\n      float mu = getM(ac.x, ac.y);'),
  // |x - m[i mod size(m)]| (m: the second input, broadcast along leading axes).
  absdiff: compensatedSum('abs(x - getM(imod(i, sizeM)))'),
  max: `
    void main() {
      ivec2 ac = getOutputCoords();
      int stride = sizeC * sizeD;
      int base = ac.x * sizeB * stride + ac.y * sizeD;
      float m = getX(base);
      for (int b = 0; b < first; b++) {
        int at = base + b * stride;
        for (int d = 0; d < sizeD; d++) {
          m = max(m, getX(at + d));
        }
      }
      setOutput(m);
    }
  `,
};

/** The part of the WebGL backend's `GPGPUProgram` interface the shaders use. */
class Axes13Program {
  readonly variableNames: string[];
  readonly outputShape: number[];
  readonly enableShapeUniforms: boolean;
  readonly customUniforms = [
    { name: 'sizeB', type: 'int' as const },
    { name: 'sizeC', type: 'int' as const },
    { name: 'sizeD', type: 'int' as const },
    { name: 'first', type: 'int' as const },
    { name: 'divisor', type: 'float' as const },
    { name: 'sizeM', type: 'int' as const },
  ];
  readonly userCode: string;

  /** @param shape the input's 4-D shape `[A, B, C, D]` (the input itself is bound flattened). */
  constructor(shape: readonly number[], op: keyof typeof USER_CODE) {
    this.outputShape = [shape[0]!, shape[2]!];
    this.variableNames = op === 'sqdev' || op === 'absdiff' ? ['x', 'm'] : ['x'];
    this.userCode = USER_CODE[op];
    // As the backend's own programs do (`useShapeUniforms`): sizes in uniforms when the flag is on.
    this.enableShapeUniforms = tf.env().getBool('WEBGL_USE_SHAPES_UNIFORMS');
  }

  /** Values of {@link Axes13Program.customUniforms} (`sizeM`: the second input's size, if any). */
  static uniforms(shape: readonly number[], first: number, divisor: number, sizeM: number): number[][] {
    return [[shape[1]!], [shape[2]!], [shape[3]!], [first], [divisor], [sizeM]];
  }
}

/** The per-channel normalization shader (`centerScaleShift`): output flat, every size a uniform. */
class CenterScaleShiftProgram {
  readonly variableNames: string[];
  readonly outputShape: number[];
  readonly enableShapeUniforms: boolean;
  readonly customUniforms = [
    { name: 'sizeB', type: 'int' as const },
    { name: 'sizeC', type: 'int' as const },
    { name: 'sizeD', type: 'int' as const },
    { name: 'groupsX', type: 'int' as const },
    { name: 'groupsM', type: 'int' as const },
    { name: 'groupsS', type: 'int' as const },
  ];
  readonly userCode: string;

  constructor(shape: readonly number[], withBias: boolean) {
    this.outputShape = [shape.reduce((a, b) => a * b, 1)];
    this.variableNames = withBias ? ['x', 'm', 's', 'b'] : ['x', 'm', 's'];
    this.enableShapeUniforms = tf.env().getBool('WEBGL_USE_SHAPES_UNIFORMS');
    this.userCode = `
      void main() {
        int i = getOutputCoords();
        int perGroup = sizeB * sizeC * sizeD;
        int a = i / perGroup;
        int c = imod(i / sizeD, sizeC);
        float x = getX(imod(a, groupsX) * perGroup + imod(i, perGroup));
        float y = (x - getM(imod(a, groupsM) * sizeC + c)) * getS(imod(a, groupsS) * sizeC + c);
        ${withBias ? 'y = y + getB(c);' : ''}
        setOutput(y);
      }
    `;
  }
}

/** Attributes of both kernels (the input is flat; `shape` is its 4-D view). */
interface Axes13Attrs {
  readonly shape: [number, number, number, number];
  readonly first: number;
  readonly divisor: number;
}

/** The WebGL backend method the kernel calls (duck-typed: the core does not import the backend package). */
interface WebGLBackendLike {
  runWebGLProgram(program: Axes13Program | CenterScaleShiftProgram, inputs: tf.TensorInfo[], outputDtype: 'float32', customUniformValues: number[][]): tf.TensorInfo;
}

let registered = false;

function registerShaders(): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel(SUM_KERNEL, 'webgl')) return; // another copy of this module registered them
  const run =
    (op: keyof typeof USER_CODE) =>
    ({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo => {
      const { shape, first, divisor } = attrs as unknown as Axes13Attrs;
      const m = inputs['m'];
      const bound = m ? [inputs['x']!, m] : [inputs['x']!];
      const sizeM = m ? m.shape.reduce((p, d) => p * d, 1) : 1;
      return (backend as WebGLBackendLike).runWebGLProgram(new Axes13Program(shape, op), bound, 'float32', Axes13Program.uniforms(shape, first, divisor, sizeM));
    };
  tf.registerKernel({ kernelName: SUM_KERNEL, backendName: 'webgl', kernelFunc: run('sum') as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: SQDEV_KERNEL, backendName: 'webgl', kernelFunc: run('sqdev') as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: ABSDIFF_KERNEL, backendName: 'webgl', kernelFunc: run('absdiff') as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: MAX_KERNEL, backendName: 'webgl', kernelFunc: run('max') as unknown as tf.KernelFunc });
  tf.registerKernel({
    kernelName: NORMALIZE_KERNEL,
    backendName: 'webgl',
    kernelFunc: (({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo => {
      const { shape, groupsX, groupsM, groupsS } = attrs as unknown as { shape: number[]; groupsX: number; groupsM: number; groupsS: number };
      const b = inputs['b'];
      const bound = [inputs['x']!, inputs['m']!, inputs['s']!, ...(b ? [b] : [])];
      const uniforms = [[shape[1]!], [shape[2]!], [shape[3]!], [groupsX], [groupsM], [groupsS]];
      return (backend as WebGLBackendLike).runWebGLProgram(new CenterScaleShiftProgram(shape, b !== undefined), bound, 'float32', uniforms);
    }) as unknown as tf.KernelFunc,
  });
  tf.registerGradient({
    kernelName: NORMALIZE_KERNEL,
    inputsToSave: ['x', 'm', 's'],
    gradFunc: (dy, saved, attrs) => {
      const [x, m, s] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const { shape, groupsX, groupsM, groupsS } = attrs as unknown as { shape: [number, number, number, number]; groupsX: number; groupsM: number; groupsS: number };
      const [A, B, C, D] = shape;
      const g = (): tf.Tensor => tf.reshape(dy as tf.Tensor, shape);
      const x4 = (): tf.Tensor => tf.reshape(x, [groupsX, B, C, D]);
      const m4 = (): tf.Tensor => tf.reshape(m, [groupsM, 1, C, 1]);
      const s4 = (): tf.Tensor => tf.reshape(s, [groupsS, 1, C, 1]);
      /** Sums a [A, B, C, D] gradient down to `groups` groups of per-channel values, flat. */
      const perChannel = (t: tf.Tensor, groups: number): tf.Tensor => tf.reshape(tf.sum(t, groups === 1 && A > 1 ? [0, 1, 3] : [1, 3]), [groups * C]);
      return {
        x: () => {
          const full = tf.mul(g(), s4());
          return tf.reshape(groupsX === 1 && A > 1 ? tf.sum(full, 0) : full, [groupsX * B * C * D]);
        },
        m: () => tf.neg(perChannel(tf.mul(g(), s4()), groupsM)),
        s: () => perChannel(tf.mul(g(), tf.sub(x4(), m4())), groupsS),
        b: () => tf.reshape(tf.sum(g(), [0, 1, 3]), [C]),
      };
    },
  });
  tf.registerGradient({
    kernelName: SQDEV_KERNEL,
    inputsToSave: ['x', 'm'],
    gradFunc: (dy, saved, attrs) => {
      const [x, m] = saved as [tf.Tensor, tf.Tensor];
      const { shape, divisor } = attrs as unknown as Axes13Attrs;
      const [A, B, C, D] = shape;
      // d/dx Σ (x − m)²/k = 2(x − m)/k; d/dm = −Σ 2(x − m)/k.
      const scaled = (): tf.Tensor => tf.mul(tf.reshape(tf.div(dy as tf.Tensor, divisor / 2), [A, 1, C, 1]), tf.sub(tf.reshape(x, shape), tf.reshape(m, [A, 1, C, 1])));
      return {
        x: () => tf.reshape(scaled(), [A * B * C * D]),
        m: () => tf.neg(tf.sum(tf.sum(scaled(), 3), 1)),
      };
    },
  });
  tf.registerGradient({
    kernelName: SUM_KERNEL,
    inputsToSave: [],
    gradFunc: (dy, _saved, attrs) => {
      const { shape, first, divisor } = attrs as unknown as Axes13Attrs;
      const [A, B, C, D] = shape;
      return {
        x: () => {
          const perOutput = tf.reshape(tf.div(dy as tf.Tensor, divisor), [A, 1, C, 1]);
          const used = first === B ? tf.ones([1, B, 1, D]) : tf.concat([tf.ones([1, first, 1, D]), tf.zeros([1, B - first, 1, D])], 1);
          return tf.reshape(tf.mul(perOutput, used), [A * B * C * D]); // the kernel's input is flat
        },
      };
    },
  });
}
