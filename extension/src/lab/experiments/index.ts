/**
 * BN Lab experiments: pure functions (no DOM) that compute the data series of each panel view
 * from a {@link LabConfig} with the simulation core, on whatever TensorFlow.js backend is active.
 * Every random draw is seeded and made in JavaScript, so the CPU and WebGL backends see identical
 * inputs. Each result carries a one-sentence takeaway computed from its numbers.
 */
import { alternatives, type AlternativesResult } from './alternatives';
import { batchSweep, retargetBatchSweep, type BatchSweepResult } from './batch-sweep';
import type { LabConfig } from './config';
import { folding, type FoldingResult } from './folding';
import { forgotEval, type ForgotEvalResult } from './forgot-eval';
import { momentumTracking, type MomentumResult } from './momentum';
import { trainEval, type TrainEvalResult } from './train-eval';

export { alternatives, groupCount } from './alternatives';
export type { AlternativeRow, AlternativesResult } from './alternatives';
export { batchSweep, retargetBatchSweep } from './batch-sweep';
export type { BatchSweepResult } from './batch-sweep';
export {
  batchNormConfigOf,
  defaultLabConfig,
  frameworkName,
  inputShape,
  labConfigFromLayer,
  MAX_BATCH_SIZE,
  MAX_SIMULATED_CHANNELS,
  normalizeLabConfig,
  spatialSize,
  SWEEP_BATCH_SIZES,
} from './config';
export type { Distribution, LabConfig, ProducerInfo } from './config';
export { channelStats, Rng } from './data';
export { folding } from './folding';
export type { FoldingResult } from './folding';
export { COMPOSITIONS, FORGOT_EVAL_SIZES, forgotEval } from './forgot-eval';
export type { Composition, ForgotEvalResult } from './forgot-eval';
export { momentumTracking } from './momentum';
export type { MomentumResult, MomentumTrack } from './momentum';
export { newBatchWeight, trainEval } from './train-eval';
export type { TrainEvalResult } from './train-eval';
export { fmt } from './util';

/** The views of the panel, in display order. */
export const VIEW_IDS = ['trainEval', 'batchSweep', 'momentum', 'forgotEval', 'alternatives', 'folding'] as const;

/** One of {@link VIEW_IDS}. */
export type ViewId = (typeof VIEW_IDS)[number];

/** Every view's result. */
export interface AllResults {
  trainEval: TrainEvalResult;
  batchSweep: BatchSweepResult;
  momentum: MomentumResult;
  forgotEval: ForgotEvalResult;
  alternatives: AlternativesResult;
  folding: FoldingResult;
}

/** Runs one view's experiment. */
export function runView<K extends ViewId>(view: K, cfg: LabConfig): AllResults[K] {
  const run: { [V in ViewId]: (c: LabConfig) => AllResults[V] } = {
    trainEval,
    batchSweep: (c) => batchSweep(c),
    momentum: momentumTracking,
    forgotEval,
    alternatives: (c) => alternatives(c),
    folding,
  };
  return run[view](cfg);
}

/** Runs every experiment on the active backend. */
export function runAll(cfg: LabConfig): AllResults {
  return {
    trainEval: trainEval(cfg),
    batchSweep: batchSweep(cfg),
    momentum: momentumTracking(cfg),
    forgotEval: forgotEval(cfg),
    alternatives: alternatives(cfg),
    folding: folding(cfg),
  };
}

/**
 * What a view's numbers depend on: two configurations with the same key give the same result for
 * that view (up to {@link retargetResult}). Used by the panel to recompute only the views a control
 * affects; `test/lab-browser/experiments.test.ts` checks every field against a fresh computation.
 */
export function viewKey(view: ViewId, cfg: LabConfig): string {
  const layer = [cfg.framework, cfg.dims, cfg.spatial, cfg.channels, cfg.eps, cfg.momentum, cfg.affine, cfg.trackRunningStats, cfg.seed];
  const { mean, std, channelSpread, shift } = cfg.distribution;
  const data = [mean, std, channelSpread]; // training data; `shift` moves only the test data
  const parts: Record<ViewId, unknown[]> = {
    trainEval: [layer, data, shift, cfg.batchSize, cfg.steps],
    batchSweep: [layer, data], // its own batch sizes; cfg.batchSize only marks one (retargetResult)
    momentum: [layer, data, cfg.batchSize, cfg.steps],
    forgotEval: [layer, data], // its own batch sizes
    alternatives: [layer, data, cfg.batchSize],
    folding: [layer, cfg.numFeatures, cfg.producer, cfg.batchSize], // its own seeded data and weights
  };
  return JSON.stringify(parts[view]);
}

/** A result computed for another configuration with the same {@link viewKey}, adjusted to `cfg`. */
export function retargetResult<K extends ViewId>(view: K, result: AllResults[K], cfg: LabConfig): AllResults[K] {
  return view === 'batchSweep' ? (retargetBatchSweep(result as BatchSweepResult, cfg) as AllResults[K]) : result;
}
