/**
 * NL008 forced-training-flag (Keras): a training flag baked into a model definition. Either a
 * BatchNormalization (or a sub-model that contains one) called with `training=True` inside the
 * code that builds the model, so the model uses batch statistics even in `predict()`; or a
 * frozen base model (`base.trainable = False`) called inside the model without
 * `training=False`, so its BatchNorm layers leave inference mode once it is unfrozen for
 * fine-tuning.
 */
import { defineRule, type RuleContext } from '../define';
import type { Edit } from '../../core/diagnostic';
import type { CallExpr, Keyword } from '../../model/python/ir';
import { describe, setKeywordEdit } from '../util';

export default defineRule({
  meta: {
    code: 'NL008',
    name: 'forced-training-flag',
    summary: 'A training flag is baked into a Keras model definition (`training=True`, or a frozen base model called without `training=False`).',
    severity: 'error',
    fix: 'sometimes',
    enabledByDefault: true,
    frameworks: ['keras'],
  },
  check(ctx: RuleContext) {
    const { model } = ctx;
    for (const f of model.forcedTraining.values()) {
      if (!model.isKeras(f.obj) || !model.carriesModeDependentBatchNorm(f.obj)) continue;
      const text = ctx.text(f.site.file.path);
      const what = f.obj.kind === 'layer' && f.obj.spec?.kind === 'batchnorm' ? 'this BatchNormalization' : `${describe(f.obj)}, which contains BatchNormalization,`;
      const passThrough = !!f.fn && f.fn.params.some((p) => p.name === 'training');
      ctx.report({
        site: f.site,
        span: f.flag.span,
        message: `\`training=True\` is baked into the model: ${what} always normalizes with the statistics of the current batch and updates its moving statistics, in \`predict()\` and \`evaluate()\` and in the exported model too; ${passThrough ? 'pass the caller\'s `training` through' : 'remove the flag (Keras sets it: `fit` trains, `predict` infers)'}`,
        fix: passThrough
          ? { title: 'Pass the caller\'s `training` through', applicability: 'safe', edits: [{ start: f.flag.value.span.start, end: f.flag.value.span.end, content: 'training' }] }
          : { title: 'Remove `training=True`', applicability: 'safe', edits: [removeKeyword(text, f.call, f.flag)] },
      });
    }
    for (const f of model.frozenBaseCalls) {
      if (!model.isKeras(f.obj) || !model.carriesModeDependentBatchNorm(f.obj)) continue;
      const text = ctx.text(f.site.file.path);
      const name = f.call.fn.k === 'name' || f.call.fn.k === 'attr' ? text.slice(f.call.fn.span.start, f.call.fn.span.end) : 'the base model';
      ctx.report({
        site: f.site,
        message: `\`${name}\` is frozen (\`trainable = False\`) but called without \`training=False\`: when you unfreeze it to fine-tune, its BatchNormalization layers switch to batch statistics and overwrite the pretrained moving statistics, wrecking what the base model learned; call it with \`training=False\``,
        related: [{ site: f.frozenAt, message: `\`${name}\` is frozen here` }],
        fix: { title: 'Add `training=False`', applicability: 'safe', edits: [setKeywordEdit(text, f.call, 'training', 'False')] },
      });
    }
  },
});

/** Deletes `, training=True` (with the comma before it, or after it when it comes first). */
function removeKeyword(text: string, call: CallExpr, kw: Keyword): Edit {
  let start = kw.span.start;
  let i = start - 1;
  while (i > call.argsSpan.start && /\s/.test(text[i])) i--;
  if (text[i] === ',') start = i;
  else {
    // The first argument: take the comma and spaces after it instead.
    let j = kw.span.end;
    while (j < call.argsSpan.end - 1 && /\s/.test(text[j])) j++;
    if (text[j] === ',') {
      j++;
      while (j < call.argsSpan.end - 1 && / /.test(text[j])) j++;
      return { start: kw.span.start, end: j, content: '' };
    }
  }
  return { start, end: kw.span.end, content: '' };
}
