/**
 * NL003 bias-before-norm: a convolution or linear layer with a bias feeds directly into a
 * normalization that subtracts the per-channel mean, cancelling the bias exactly.
 */
import { defineRule, type RuleContext } from '../define';
import { constOf, reusedAfterLayer, type Obj } from '../../model/python/values';
import { kerasAxisMatch } from '../../model/python/keras-axes';
import { kwText, layerName, setKeywordEdit } from '../util';

const PRODUCERS = new Set(['conv', 'convtranspose', 'linear']);

/** Does `norm` subtract a per-channel mean of `prod`'s output (so a per-channel bias before it cancels)? */
function cancelsBias(ctx: RuleContext, prod: Obj, norm: Obj): boolean {
  const kind = norm.spec?.kind;
  if (norm.spec?.framework !== prod.spec?.framework) return false;
  // Keras: only when BatchNormalization's axis is the producer's channel axis (else NL011).
  if (norm.spec?.framework === 'keras') return kind === 'batchnorm' && kerasAxisMatch(ctx.model, prod, norm) === 'same';
  if (kind === 'batchnorm') return true;
  if (kind === 'instancenorm') return constOf(ctx.model.argOf(norm, 'affine').value) === true;
  if (kind === 'groupnorm') {
    // Only when every group is one channel; otherwise the group mean leaves the bias' spread.
    const g = constOf(ctx.model.argOf(norm, 'num_groups').value);
    const c = constOf(ctx.model.argOf(norm, 'num_channels').value);
    return typeof g === 'number' && g === c && constOf(ctx.model.argOf(norm, 'affine').value) === true;
  }
  return false;
}

/** Output channels of a conv/linear layer (`out_channels`, `out_features`; Keras `filters`, `units`), when known. */
export function outChannels(ctx: RuleContext, layer: Obj): number | undefined {
  const param = layer.spec?.outParam;
  if (!param) return undefined;
  const v = constOf(ctx.model.argOf(layer, param).value);
  return typeof v === 'number' ? v : undefined;
}

/** Channels a normalization layer expects, when known. */
export function normChannels(ctx: RuleContext, norm: Obj): number | undefined {
  if (norm.spec?.lazy) return undefined;
  const v = constOf(ctx.model.argOf(norm, norm.spec?.kind === 'groupnorm' ? 'num_channels' : 'num_features').value);
  return typeof v === 'number' ? v : undefined;
}

export default defineRule({
  meta: {
    code: 'NL003',
    name: 'bias-before-norm',
    summary: 'A conv/linear bias is cancelled by the BatchNorm right after it.',
    severity: 'info',
    fix: 'sometimes',
    enabledByDefault: true,
    frameworks: ['pytorch', 'keras', 'tfjs'],
  },
  check(ctx: RuleContext) {
    const done = new Set<Obj>();
    for (const p of ctx.model.pairs) {
      // `direct`: nothing in between, not even the producer's own activation (Keras `activation=`).
      if (p.how !== 'direct' || done.has(p.producer)) continue;
      // The producer's output also goes elsewhere (`d = conv(x); y = bn(d); ...; y + d`): the
      // bias reaches the residual, so the normalization does not cancel it.
      if (p.input && reusedAfterLayer(p.input)) continue;
      const prod = p.producer;
      if (!prod.spec || !PRODUCERS.has(prod.spec.kind) || !prod.call || !prod.site || !prod.spec.biasParam) continue;
      if (!cancelsBias(ctx, prod, p.consumer)) continue;
      const param = prod.spec.biasParam;
      const bias = ctx.model.argOf(prod, param);
      // Only a bias that is literally on (default or `bias=True`): a computed flag may differ per caller.
      if (!(bias.defaulted || (bias.expr?.k === 'bool' && bias.expr.value))) continue;
      // Different channel counts are NL011's business.
      const out = outChannels(ctx, prod);
      const want = normChannels(ctx, p.consumer);
      if (out !== undefined && want !== undefined && out !== want) continue;
      done.add(prod);
      const text = ctx.text(prod.site.file.path);
      const keras = prod.spec.framework === 'keras';
      const file = prod.site.file;
      const shift = keras && constOf(ctx.model.argOf(p.consumer, 'center').value) === false ? `and with \`${kwText(file, 'center', 'False')}\` nothing replaces it` : 'and its own shift (β) replaces the bias';
      ctx.report({
        site: prod.site,
        span: bias.keyword?.span ?? prod.site.span,
        message: `\`${layerName(prod)}\` has a bias that the following \`${layerName(p.consumer)}\` cancels: the normalization subtracts the per-channel mean, ${shift}; pass \`${kwText(file, param, 'False')}\``,
        related: p.consumer.site ? [{ site: p.consumer.site, message: `\`${layerName(p.consumer)}\` normalizes the output here` }] : [],
        fix: {
          title: keras
            ? `Set \`${kwText(file, 'use_bias', 'False')}\` (weights saved with the bias will no longer load into this layer)`
            : 'Set `bias=False` (checkpoints saved with the bias will no longer load with `strict=True`)',
          applicability: 'safe',
          edits: [setKeywordEdit(text, prod.call, param, 'False', file)],
        },
      });
    }
  },
});
