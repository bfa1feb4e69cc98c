/**
 * Known framework DEFECTS: what the real layer does that its specification does not (crashes,
 * wrong outputs, silent defaults).
 *
 * The simulation computes what each layer is specified to compute and does not reproduce these
 * defects; BN Lab shows them as warnings next to the simulated numbers. Each entry was observed
 * on TensorFlow.js 4.22.0 with the CPU backend (SEMANTICS.md §4; recorded in `batchnorm_tfjs.json`).
 * Errors that a framework raises BY DESIGN (PyTorch's batch-of-one `ValueError`, …) are thrown by
 * the simulation instead, as `FrameworkError`.
 */
import { effectiveMomentum } from './frameworks';
import { channelAxis } from './shapes';
import type { BatchNormConfig, Mode } from './types';

/** Identifier of a known defect. */
export type FrameworkIssueId =
  /** `momentum: null` silently becomes 0.99 (no cumulative average). */
  | 'tfjs-null-momentum'
  /** `center: false` or `scale: false` crashes in training. */
  | 'tfjs-training-without-affine'
  /** Ranks other than 2–4 are not implemented (BatchNorm3d inputs). */
  | 'tfjs-rank-not-implemented'
  /** The gradient of `tf.batchNorm` without a scale crashes. */
  | 'tfjs-gradient-without-scale'
  /** Gradients through the channels-first (`axis=1`, rank ≥ 3) path crash. */
  | 'tfjs-channels-first-gradient'
  /** The CPU kernel gives wrong outputs for channels-first (`axis=1`, rank ≥ 3) inputs. */
  | 'tfjs-channels-first-cpu-output';

/** One known defect that applies to an operation. */
export interface FrameworkIssue {
  readonly id: FrameworkIssueId;
  /** `'throws'`: the real layer raises `exceptionType: message`. `'wrong-output'`/`'silent-default'`: it runs but differs from the specification. */
  readonly effect: 'throws' | 'wrong-output' | 'silent-default';
  /** Exception class the framework raises (`'throws'` only). */
  readonly exceptionType: string | null;
  /** The framework's message (`'throws'`), or a description. */
  readonly message: string;
  /** Where the defect is documented. */
  readonly source: string;
}

/** The operation whose known defects are wanted. */
export interface IssueQuery {
  /** Rank of the input. */
  readonly rank: number;
  readonly mode: Mode;
  /** Whether gradients are taken (training a model, or `forwardBackward`). */
  readonly gradient: boolean;
  /** TensorFlow.js backend name (`tf.getBackend()`), for backend-specific defects. */
  readonly backend: string;
  /** Number of elements of the input (appears in some messages). */
  readonly size: number;
}

const TFJS_LAYER_SRC = 'node_modules/@tensorflow/tfjs-layers/dist/layers/normalization.js (4.22.0); SEMANTICS.md §4';

/**
 * The known defects that the real framework would hit for `query`, in the order the framework
 * hits them: the first entry whose effect is `'throws'` is the exception the real code raises.
 * Only TensorFlow.js defects are catalogued; other frameworks return `[]`.
 */
export function frameworkIssues(config: BatchNormConfig, query: IssueQuery): FrameworkIssue[] {
  if (config.framework !== 'tfjs') return [];
  const issues: FrameworkIssue[] = [];
  const training = query.mode === 'train'; // tfjs ignores `trainable` for the mode
  const channelsFirstBroadcast = config.layout === 'channels-first' && query.rank >= 3;
  if (config.momentum === null) {
    issues.push({
      id: 'tfjs-null-momentum',
      effect: 'silent-default',
      exceptionType: null,
      message: `momentum null is replaced by ${effectiveMomentum(config)} (no cumulative moving average)`,
      source: TFJS_LAYER_SRC,
    });
  }
  // `call()` reads gamma and beta before normalizing in training.
  if (training && (!config.center || !config.scale)) {
    issues.push({
      id: 'tfjs-training-without-affine',
      effect: 'throws',
      exceptionType: 'TypeError',
      message: "Cannot read properties of undefined (reading 'read')",
      source: TFJS_LAYER_SRC,
    });
  }
  if (query.rank < 2 || query.rank > 4) {
    issues.push({
      id: 'tfjs-rank-not-implemented',
      effect: 'throws',
      exceptionType: 'NotImplementedError',
      message: `batchNormalization is not implemented for array of rank ${query.rank} yet`,
      source: TFJS_LAYER_SRC,
    });
  }
  if (query.gradient && !config.scale) {
    issues.push({
      id: 'tfjs-gradient-without-scale',
      effect: 'throws',
      exceptionType: 'TypeError',
      message: "Cannot read properties of undefined (reading 'dataId')",
      source: 'node_modules/@tensorflow/tfjs-core/dist/gradients/FusedBatchNorm_grad.js (4.22.0) saves an undefined scale',
    });
  }
  if (query.gradient && channelsFirstBroadcast) {
    const broadcastShape = Array.from({ length: query.rank }, (_, i) => (i === channelAxis(query.rank, 'channels-first') ? config.numFeatures : 1));
    issues.push({
      id: 'tfjs-channels-first-gradient',
      effect: 'throws',
      exceptionType: 'Error',
      message: `Size(${query.size}) must match the product of shape ${broadcastShape.join(',')}`,
      source: 'FusedBatchNorm_grad.js (4.22.0) reshapes an unreduced gradient to the [1,C,1,…] statistics shape',
    });
  }
  if (channelsFirstBroadcast && query.backend === 'cpu') {
    issues.push({
      id: 'tfjs-channels-first-cpu-output',
      effect: 'wrong-output',
      exceptionType: null,
      message: 'the CPU batchNorm kernel indexes mean/variance/gamma/beta along the LAST axis, so axis=1 outputs are wrong; transpose to channels-last',
      source: 'https://github.com/tensorflow/tfjs/issues/1106; node_modules/@tensorflow/tfjs-backend-cpu/dist/kernels/BatchNorm.js',
    });
  }
  return issues;
}
