/**
 * BN Lab simulation core: normalization layers of PyTorch, Keras 2/3 and TensorFlow.js reproduced on
 * `@tensorflow/tfjs` tensors. Pure TypeScript over tf ops, no Node-only API (it runs in a webview on
 * WebGL or CPU). The caller picks and initializes the backend (`await tf.setBackend('cpu')`).
 *
 * Ownership: tensors returned by functions and methods belong to the caller (release them with
 * `disposeAll` or `tf.dispose`); tensors exposed by getters of a stateful object belong to that
 * object, which releases them in its `dispose()`.
 */
export { BatchNormSim, batchNormalize, channelMoments } from './batchnorm';
export type { BatchNormBackward, BatchNormForward, BatchNormPlan, EvalNormalization, ForwardOptions, RunningAverageUpdate } from './batchnorm';
export { FrameworkError, formatPythonList, formatPythonTuple, formatTorchSize } from './errors';
export type { FrameworkErrorCode } from './errors';
export { foldBatchNorm } from './folding';
export type { FoldableLayer, FoldOptions } from './folding';
export {
  defaultBatchNormConfig,
  effectiveMomentum,
  FRAMEWORK_FACTS,
  hasBias,
  hasWeight,
  kerasMomentumFromTorch,
  layoutOf,
  torchClassName,
  torchMomentumFromKeras,
  tracksRunningStats,
  validateBatchNormConfig,
} from './frameworks';
export type { FrameworkFacts, MomentumMeaning, RunningVarianceEstimator } from './frameworks';
export { frameworkIssues } from './issues';
export type { FrameworkIssue, FrameworkIssueId, IssueQuery } from './issues';
export { conv2dChannelsFirst, linear } from './layers';
export type { Conv2dOptions } from './layers';
export { LinearBnReluLinear } from './mlp';
export type { MlpForward, MlpInit } from './mlp';
export { checkGroupNorm, groupNorm, instanceNorm, layerNorm } from './norms';
export type { NormOptions } from './norms';
export { centerScaleShift, maxAxes13, reductionShadersActive, sumAbsDifferences13, sumAxes13, sumSquaredDeviations13 } from './kernels';
export type { SumOptions } from './kernels';
export { channelAxis, disposeAll, reductionAxes, StackedChannelView, toChannelsFirstPerm, toChannelsLastPerm } from './shapes';
export type * from './types';
