/**
 * The other normalizations of BN Lab's comparison panel, with PyTorch 1.13.1 semantics:
 * LayerNorm, GroupNorm and InstanceNorm. None of them has running statistics, so train and eval
 * modes give the same output. Each normalizes with the BIASED variance and `eps` inside the square
 * root (PyTorch docs for `nn.LayerNorm`, `nn.GroupNorm`, `nn.InstanceNorm2d`; matched by the golden
 * `norm_comparison_nchw` case [run]).
 */
import * as tf from '@tensorflow/tfjs';
import { FrameworkError, formatPythonList, formatTorchSize } from './errors';
import { reductionShadersActive, sumAxes13, sumSquaredDeviations13 } from './kernels';
import { assertFloat32, broadcastPerChannel, product } from './shapes';

/** Options shared by the normalizations. */
export interface NormOptions {
  /**
   * Added to the variance. No default on purpose: PyTorch uses 1e-5 for all three, while
   * `tf.layers.layerNormalization` and Keras default to 1e-3 (see `FRAMEWORK_FACTS[…].layerNormDefaultEps`).
   */
  readonly eps: number;
  /** Scale γ (shape documented per function), or omitted/`null` for 1. */
  readonly weight?: tf.Tensor | null;
  /** Offset β (same shape as `weight`), or omitted/`null` for 0. */
  readonly bias?: tf.Tensor | null;
}

/**
 * `torch.nn.LayerNorm(normalized_shape)`: normalizes each sample over its trailing dimensions.
 *
 * @param x any shape `[*, ...normalizedShape]`, e.g. `[N, C, H, W]` with `normalizedShape = [C, H, W]`
 *   (per sample) or `[W]` (per row).
 * @param normalizedShape the trailing dimensions to normalize over.
 * @param options `weight`/`bias` of shape `normalizedShape` (elementwise affine).
 * @returns a tensor shaped like `x`, owned by the caller.
 * @throws FrameworkError PyTorch's `RuntimeError` when the trailing dimensions differ from
 *   `normalizedShape` (`Given normalized_shape=[5], expected input with shape [*, 5], but got input of size[2, 3]`).
 * @throws RangeError for an empty `normalizedShape` or a wrongly shaped weight/bias.
 */
export function layerNorm(x: tf.Tensor, normalizedShape: readonly number[], options: NormOptions): tf.Tensor {
  assertFloat32(x, 'input');
  const k = normalizedShape.length;
  if (k === 0) throw new RangeError('normalizedShape must not be empty');
  const trailing = x.shape.slice(x.rank - k);
  if (k > x.rank || !trailing.every((d, i) => d === normalizedShape[i])) {
    throw new FrameworkError(
      'normalized-shape',
      'pytorch',
      'RuntimeError',
      `Given normalized_shape=${formatPythonList(normalizedShape)}, expected input with shape [*, ${normalizedShape.join(', ')}], ` +
        `but got input of size${formatPythonList(x.shape)}`,
    );
  }
  for (const [name, t] of [['weight', options.weight], ['bias', options.bias]] as const) {
    if (t && (t.rank !== k || !t.shape.every((d, i) => d === normalizedShape[i]))) {
      throw new RangeError(`${name} must have shape [${normalizedShape.join(', ')}], got [${t.shape.join(', ')}]`);
    }
  }
  const axes = Array.from({ length: k }, (_, i) => x.rank - k + i);
  return tf.tidy(() => affine(standardize(x, axes, options.eps), options.weight, options.bias));
}

/**
 * `torch.nn.GroupNorm(num_groups, C)`: normalizes each sample over groups of `C/numGroups`
 * channels (and all spatial positions). `numGroups = 1` is LayerNorm over `[C, …]`; `numGroups = C`
 * is InstanceNorm (both at initial affine parameters).
 *
 * @param x channels-first `[N, C, *]` (rank ≥ 2).
 * @param options `weight`/`bias` of shape `[C]`.
 * @returns a tensor shaped like `x`, owned by the caller.
 * @throws FrameworkError PyTorch's `ValueError` when `C` is not divisible by `numGroups`
 *   (`num_channels must be divisible by num_groups`, raised by the constructor) or when
 *   `N·C/numGroups·∏spatial = 1` (`Expected more than 1 value per channel when training, got input size [1, 2]`:
 *   `F.group_norm` → `_verify_batch_size`, observed on PyTorch 1.13.1).
 */
export function groupNorm(x: tf.Tensor, numGroups: number, options: NormOptions): tf.Tensor {
  assertFloat32(x, 'input');
  checkGroupNorm(x.shape, numGroups);
  const [N, C] = x.shape as [number, number];
  const spatial = x.shape.slice(2);
  assertPerChannel(options, C);
  return tf.tidy(() => {
    const grouped = tf.reshape(x, [N, numGroups, (C / numGroups) * product(spatial)]);
    const normalized = tf.reshape(standardize(grouped, [2], options.eps), x.shape);
    return affinePerChannel(normalized, options.weight, options.bias);
  });
}

/**
 * The checks {@link groupNorm} makes on its input shape, without computing anything: lets a caller
 * that normalizes several batches as one larger batch (GroupNorm treats every sample alone) raise
 * exactly what one batch of `shape` would raise.
 *
 * @param shape channels-first `[N, C, *]`.
 * @throws the errors documented on {@link groupNorm}.
 */
export function checkGroupNorm(shape: readonly number[], numGroups: number): void {
  if (shape.length < 2) throw new RangeError(`groupNorm needs [N, C, *], got rank ${shape.length}`);
  if (!Number.isInteger(numGroups) || numGroups < 1) throw new RangeError(`numGroups must be a positive integer, got ${numGroups}`);
  const [N, C] = shape as [number, number];
  if (C % numGroups !== 0) throw new FrameworkError('group-count', 'pytorch', 'ValueError', 'num_channels must be divisible by num_groups');
  const spatial = shape.slice(2);
  if (((N * C) / numGroups) * product(spatial) === 1) {
    const verified = [(N * C) / numGroups, numGroups, ...spatial];
    const message = `Expected more than 1 value per channel when training, got input size ${formatPythonList(verified)}`;
    throw new FrameworkError('batch-of-one', 'pytorch', 'ValueError', message);
  }
}

/**
 * `torch.nn.InstanceNorm{1,2,3}d(C)` with the default `track_running_stats=False` (so train and
 * eval both use instance statistics): normalizes each `(n, c)` over its spatial positions.
 *
 * @param x channels-first `[N, C, L]`, `[N, C, H, W]` or `[N, C, D, H, W]`.
 * @param options `weight`/`bias` of shape `[C]` (PyTorch `affine=True`; the default is no affine).
 * @returns a tensor shaped like `x`, owned by the caller.
 * @throws FrameworkError PyTorch's `ValueError` for one spatial element
 *   (`Expected more than 1 spatial element when training, got input size torch.Size([2, 3, 1, 1])`:
 *   `F.instance_norm` → `_verify_spatial_size`, observed on PyTorch 1.13.1 in both modes).
 */
export function instanceNorm(x: tf.Tensor, options: NormOptions): tf.Tensor {
  assertFloat32(x, 'input');
  if (x.rank < 3) throw new RangeError(`instanceNorm needs [N, C, *spatial], got rank ${x.rank}`);
  if (product(x.shape.slice(2)) === 1) {
    const message = `Expected more than 1 spatial element when training, got input size ${formatTorchSize(x.shape)}`;
    throw new FrameworkError('spatial-of-one', 'pytorch', 'ValueError', message);
  }
  assertPerChannel(options, x.shape[1]!);
  const axes = Array.from({ length: x.rank - 2 }, (_, i) => i + 2);
  return tf.tidy(() => affinePerChannel(standardize(x, axes, options.eps), options.weight, options.bias));
}

/**
 * `(x − mean)·rsqrt(var + eps)` with biased moments over the TRAILING `axes` (two passes: the mean,
 * then the mean of squared deviations, as `tf.moments`). The sums go through `sumAxes13`, whose
 * WebGL shader is reused for every batch size.
 */
function standardize(x: tf.Tensor, axes: number[], eps: number): tf.Tensor {
  const length = product(axes.map((a) => x.shape[a]!));
  const rows = x.size / length;
  const v = tf.reshape(x, [rows, length]);
  const split = tf.reshape(v, [rows, 1, 1, length]);
  const mean = sumAxes13(split, { divisor: length }); // [rows, 1]
  const centered = tf.sub(v, mean);
  const variance = reductionShadersActive()
    ? sumSquaredDeviations13(split, mean, { divisor: length })
    : sumAxes13(tf.reshape(tf.square(centered), [rows, 1, 1, length]), { divisor: length });
  return tf.reshape(tf.mul(centered, tf.rsqrt(tf.add(variance, eps))), x.shape);
}

function affine(y: tf.Tensor, weight: tf.Tensor | null | undefined, bias: tf.Tensor | null | undefined): tf.Tensor {
  const scaled = weight ? tf.mul(y, weight) : y;
  return bias ? tf.add(scaled, bias) : scaled;
}

function affinePerChannel(y: tf.Tensor, weight: tf.Tensor | null | undefined, bias: tf.Tensor | null | undefined): tf.Tensor {
  const perChannel = (t: tf.Tensor | null | undefined): tf.Tensor | null => (t ? broadcastPerChannel(t, y.rank, 'channels-first') : null);
  return affine(y, perChannel(weight), perChannel(bias));
}

function assertPerChannel(options: NormOptions, channels: number): void {
  for (const [name, t] of [['weight', options.weight], ['bias', options.bias]] as const) {
    if (t && (t.rank !== 1 || t.size !== channels)) throw new RangeError(`${name} must have shape [${channels}], got [${t.shape.join(', ')}]`);
  }
}
