/**
 * The rule registry: every rule, sorted by code. Codes are stable public API (never renumbered,
 * never reused).
 */
import type { RuleMeta } from '../core/rule';
import { UNUSED_NOQA } from '../core/suppression';
import type { Rule } from './define';
import missingEval from './missing-eval/rule';
import missingTrain from './missing-train/rule';
import biasBeforeNorm from './bias-before-norm/rule';
import smallBatchNorm from './small-batch-norm/rule';
import normInSequenceModel from './norm-in-sequence-model/rule';
import missingSyncBatchnorm from './missing-sync-batchnorm/rule';
import momentumConvention from './momentum-convention/rule';
import forcedTrainingFlag from './forced-training-flag/rule';
import frozenBnStillUpdating from './frozen-bn-still-updating/rule';
import normNumFeaturesMismatch from './norm-num-features-mismatch/rule';

/** Rule implementations run by the engine. */
export const RULE_IMPLS: readonly Rule[] = [
  missingEval,
  missingTrain,
  biasBeforeNorm,
  smallBatchNorm,
  normInSequenceModel,
  missingSyncBatchnorm,
  momentumConvention,
  forcedTrainingFlag,
  frozenBnStillUpdating,
  normNumFeaturesMismatch,
];

/** Metadata of every code normlint can report, including the engine's own NL000. */
export const RULES: readonly RuleMeta[] = [UNUSED_NOQA, ...RULE_IMPLS.map((r) => r.meta)];

/** The rule with this code (`NL001`) or name (`missing-eval`), or undefined. */
export function ruleByCode(codeOrName: string): RuleMeta | undefined {
  const k = codeOrName.trim();
  return RULES.find((r) => r.code === k.toUpperCase() || r.name === k.toLowerCase());
}
