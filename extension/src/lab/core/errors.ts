/**
 * Errors that a simulated framework raises BY DESIGN, with the framework's own exception type and
 * message, so BN Lab can show exactly what the user's code would print.
 *
 * Misuse of the simulation API itself (a bad config, a tensor of the wrong dtype) throws plain
 * `RangeError`/`TypeError` instead. Known framework DEFECTS (crashes and wrong outputs caused by
 * bugs) are not thrown: see `frameworkIssues`.
 */
import type { Framework } from './types';

/** What went wrong, independent of the framework's wording. */
export type FrameworkErrorCode =
  /** Train-mode statistics over one value per channel (PyTorch BatchNorm/GroupNorm). */
  | 'batch-of-one'
  /** InstanceNorm with one spatial element (PyTorch). */
  | 'spatial-of-one'
  /** Input rank not accepted by the layer (PyTorch `BatchNorm{1,2,3}d`). */
  | 'input-rank'
  /** Channel count of the input differs from the layer's (`num_features`, built shape). */
  | 'num-features'
  /** LayerNorm input whose trailing dimensions differ from `normalized_shape`. */
  | 'normalized-shape'
  /** GroupNorm channel count not divisible by the group count. */
  | 'group-count';

/**
 * An exception the simulated framework itself would raise.
 *
 * `exceptionType` is the framework's class name (`ValueError`, `RuntimeError`, …) and `message` is
 * the framework's text verbatim (sources: PyTorch 1.13.1 `torch/nn/functional.py`,
 * `torch/nn/modules/batchnorm.py` and ATen `Normalization.cpp`, each observed by running it; Keras and
 * TensorFlow.js input-spec messages from `keras/engine/input_spec.py` and
 * `tfjs-layers/dist/engine/topology.js` 4.22.0).
 */
export class FrameworkError extends Error {
  override readonly name = 'FrameworkError';

  constructor(
    /** Framework-independent category. */
    readonly code: FrameworkErrorCode,
    /** Framework whose behaviour this is. */
    readonly framework: Framework,
    /** The framework's exception class, e.g. `ValueError`. */
    readonly exceptionType: string,
    message: string,
  ) {
    super(message);
  }
}

/** Formats a shape like Python prints `torch.Size`: `torch.Size([1, 3])`. */
export function formatTorchSize(shape: readonly number[]): string {
  return `torch.Size([${shape.join(', ')}])`;
}

/** Formats a shape like Python prints a list: `[1, 3]`. */
export function formatPythonList(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Formats a shape like Python prints a tuple: `(1, 3)`, `(3,)`. */
export function formatPythonTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}
