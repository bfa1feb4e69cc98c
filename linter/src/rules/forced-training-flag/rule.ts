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
import { describe, isScript, kwText, setKeywordEdit } from '../util';

export default defineRule({
  meta: {
    code: 'NL008',
    name: 'forced-training-flag',
    summary: 'A training flag is baked into a Keras model definition (`training=True`, or a frozen base model called without `training=False`).',
    severity: 'error',
    fix: 'sometimes',
    enabledByDefault: true,
    frameworks: ['keras', 'tfjs'],
  },
  check(ctx: RuleContext) {
    const { model } = ctx;
    for (const f of model.forcedTraining.values()) {
      if (!model.isKeras(f.obj) || !model.carriesModeDependentBatchNorm(f.obj)) continue;
      const text = ctx.text(f.site.file.path);
      const what = f.obj.kind === 'layer' && f.obj.spec?.kind === 'batchnorm' ? 'this BatchNormalization' : `${describe(f.obj)}, which contains BatchNormalization,`;
      const file = f.site.file;
      const ts = isScript(file);
      // TensorFlow.js: only a custom layer's `call(inputs, kwargs)` gets here; the caller's flag
      // is `kwargs.training` (removing the flag would make the layer infer under `fit()` too).
      const kwargsParam = ts ? f.fn?.params[2]?.name : undefined;
      const passThrough = ts ? !!kwargsParam && /^[A-Za-z_$][\w$]*$/.test(kwargsParam) : !!f.fn && f.fn.params.some((p) => p.name === 'training');
      const through = ts ? `${kwargsParam}.training` : 'training';
      const forced = kwText(file, 'training', 'True');
      const fw = ts ? 'TensorFlow.js' : 'Keras';
      ctx.report({
        site: f.site,
        span: f.flag.span,
        message: `\`${forced}\` is baked into the model: ${what} always normalizes with the statistics of the current batch and updates its moving statistics, in \`predict()\` and \`evaluate()\` and in the exported model too; ${passThrough ? `pass the caller's \`${through}\` through` : ts ? 'pass the caller\'s flag through: declare `call(inputs, kwargs)` and use `kwargs.training` (without a flag the layer would infer under `fit()` too)' : `remove the flag (${fw} sets it: \`fit\` trains, \`predict\` infers)`}`,
        fix: passThrough
          ? { title: `Pass the caller's \`${through}\` through`, applicability: 'safe', edits: [{ start: f.flag.value.span.start, end: f.flag.value.span.end, content: through }] }
          : ts
            ? null
            : { title: `Remove \`${forced}\``, applicability: 'safe', edits: [removeKeyword(text, f.call, f.flag)] },
      });
    }
    for (const f of model.frozenBaseCalls) {
      if (!model.isKeras(f.obj) || !model.carriesModeDependentBatchNorm(f.obj)) continue;
      const text = ctx.text(f.site.file.path);
      const name = f.call.fn.k === 'name' || f.call.fn.k === 'attr' ? text.slice(f.call.fn.span.start, f.call.fn.span.end) : 'the base model';
      const file = f.site.file;
      // (Python only: TensorFlow.js has no frozen-base finding, see `kerasCall`.)
      const off = kwText(file, 'training', 'False');
      const frozen = 'trainable = False';
      ctx.report({
        site: f.site,
        message: `\`${name}\` is frozen (\`${frozen}\`) but called without \`${off}\`: when you unfreeze it to fine-tune, its BatchNormalization layers switch to batch statistics and overwrite the pretrained moving statistics, wrecking what the base model learned; call it with \`${off}\``,
        related: [{ site: f.frozenAt, message: `\`${name}\` is frozen here` }],
        fix: { title: `Add \`${off}\``, applicability: 'safe', edits: [setKeywordEdit(text, f.call, 'training', 'False', file)] },
      });
    }
  },
});

/**
 * Deletes `, training=True` (with the comma before it, or after it when it comes first). In a
 * TensorFlow.js config object, deletes `training: true` likewise, or the whole `, {training:
 * true}` argument when it is the object's only option.
 */
function removeKeyword(text: string, call: CallExpr, kw: Keyword): Edit {
  const cfg = call.config;
  if (cfg && call.kwargs.length === 1 && call.doubleStar.length === 0) {
    let i = cfg.start - 1;
    while (i > call.argsSpan.start && /\s/.test(text[i])) i--;
    return text[i] === ',' ? { start: i, end: cfg.end, content: '' } : { start: cfg.start, end: cfg.end, content: '' };
  }
  // Bounds of the argument list: the parentheses, or the braces of a config object.
  const open = cfg ? cfg.start : call.argsSpan.start;
  const close = cfg ? cfg.end : call.argsSpan.end;
  let start = kw.span.start;
  let i = start - 1;
  while (i > open && /\s/.test(text[i])) i--;
  if (text[i] === ',') start = i;
  else {
    // The first argument: take the comma and spaces after it instead.
    let j = kw.span.end;
    while (j < close - 1 && /\s/.test(text[j])) j++;
    if (text[j] === ',') {
      j++;
      while (j < close - 1 && / /.test(text[j])) j++;
      return { start: kw.span.start, end: j, content: '' };
    }
  }
  return { start, end: kw.span.end, content: '' };
}
