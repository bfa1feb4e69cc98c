/**
 * NL011 norm-num-features-mismatch: the channel count a BatchNorm expects differs from what the
 * layer before it produces, or its dimensionality does not match (BatchNorm2d after Linear).
 * Keras BatchNormalization infers its channel count; there the mismatch is its `axis`: out of
 * range for the producer's rank (a build-time error), or a valid axis that is not the
 * producer's channel axis (it silently normalizes rows or columns instead of channels).
 */
import { defineRule, type RuleContext } from '../define';
import type { LayerPair } from '../../model/python/facts';
import type { Obj } from '../../model/python/values';
import { kerasAxisMatch, kerasAxisNames, kerasLayout, kerasNormAxis } from '../../model/python/keras-axes';
import { inExclusiveBranches, isScript, kwText, layerName, setKeywordEdit } from '../util';
import { normChannels, outChannels } from '../bias-before-norm/rule';

const PRODUCERS = new Set(['conv', 'convtranspose', 'linear']);
const NORMS = new Set(['batchnorm', 'instancenorm', 'groupnorm']);

function shapeOf(layer: Obj): string {
  const d = layer.spec?.dims;
  if (d === 0) return '[N, features]';
  if (d === 1) return '[N, C, L]';
  if (d === 2) return '[N, C, H, W]';
  return '[N, C, D, H, W]';
}

export default defineRule({
  meta: {
    code: 'NL011',
    name: 'norm-num-features-mismatch',
    summary: 'A normalization layer expects a different channel count or dimensionality than the layer before it produces.',
    severity: 'error',
    fix: 'sometimes',
    enabledByDefault: true,
    frameworks: ['pytorch', 'keras', 'tfjs'],
  },
  check(ctx: RuleContext) {
    const done = new Set<Obj>();
    for (const p of ctx.model.pairs) {
      if (p.how === 'reshaped' || done.has(p.consumer)) continue;
      const prod = p.producer;
      const norm = p.consumer;
      if (!prod.spec || !PRODUCERS.has(prod.spec.kind) || !norm.spec || !NORMS.has(norm.spec.kind) || !norm.site || !norm.call) continue;
      if (prod.spec.framework !== norm.spec.framework) continue;
      // Built in exclusive branches of one `if`: never in the same module.
      if (prod.site && prod.site.file === norm.site.file && inExclusiveBranches(norm.site.file.ir.body, prod.site.span, norm.site.span)) continue;
      if (norm.spec.framework === 'keras') {
        if (checkKerasAxis(ctx, p)) done.add(norm);
        continue;
      }
      // Dimensionality: BatchNorm{1,2,3}d against Conv{1,2,3}d / Linear.
      const pd = prod.spec.dims;
      const nd = norm.spec.dims;
      if (norm.spec.kind === 'batchnorm' && pd !== null && nd !== null) {
        const ok = pd === nd || (pd === 0 && nd === 1);
        if (!ok) {
          done.add(norm);
          ctx.report({
            site: norm.site,
            message: `\`${layerName(norm)}\` expects ${nd === 1 ? '[N, C] or [N, C, L]' : nd === 2 ? '[N, C, H, W]' : '[N, C, D, H, W]'} input but follows \`${layerName(prod)}\`, which produces ${shapeOf(prod)}: this raises at the first forward pass`,
            related: prod.site ? [{ site: prod.site, message: `\`${layerName(prod)}\` is created here` }] : [],
          });
          continue;
        }
      }
      const out = outChannels(ctx, prod);
      const want = normChannels(ctx, norm);
      if (out === undefined || want === undefined || out === want) continue;
      done.add(norm);
      const param = norm.spec.kind === 'groupnorm' ? 'num_channels' : 'num_features';
      const arg = ctx.model.argOf(norm, param);
      // (A count bound by a `functools.partial` is shared by the other layers it builds: no fix.)
      const literal = arg.expr && arg.expr.k === 'num' && !arg.viaPartial;
      ctx.report({
        site: norm.site,
        span: arg.expr?.span ?? norm.site.span,
        message: `\`${layerName(norm)}\` expects ${want} channels but the \`${layerName(prod)}\` before it produces ${out}: this raises at the first forward pass`,
        related: prod.site ? [{ site: prod.site, message: `\`${layerName(prod)}\` produces ${out} channels` }] : [],
        fix: literal
          ? { title: `Set \`${param}\` to ${out}`, applicability: 'safe', edits: [{ start: arg.expr!.span.start, end: arg.expr!.span.end, content: String(out) }] }
          : null,
      });
    }
  },
});

/** Keras: a BatchNormalization whose literal `axis` is not the literal channel axis of the conv before it. */
function checkKerasAxis(ctx: RuleContext, p: LayerPair): boolean {
  const prod = p.producer;
  const norm = p.consumer;
  if (norm.spec?.kind !== 'batchnorm' || !norm.site || !norm.call) return false;
  const match = kerasAxisMatch(ctx.model, prod, norm);
  const layout = kerasLayout(ctx.model, prod);
  const axis = kerasNormAxis(ctx.model, norm);
  if (!match || match === 'same' || !layout || layout.rank === null || axis === undefined) return false;
  const names = kerasAxisNames(layout.rank, layout.channelsFirst);
  const shape = `[${names.join(', ')}]`;
  const want = layout.channelsFirst ? 1 : -1;
  const arg = ctx.model.argOf(norm, 'axis');
  const positional = !!arg.expr && !arg.keyword && axis >= layout.rank;
  const text = ctx.text(norm.site.file.path);
  const format = layout.channelsFirst ? 'channels-first' : 'channels-last';
  const file = norm.site.file;
  const ts = isScript(file);
  const written = ts ? `${layerName(norm)}({axis: ${axis}})` : `${layerName(norm)}(axis=${axis})`;
  // The error each framework raises when the model is built (Keras 3.x; TensorFlow.js 4.22).
  const fails = ts ? `TensorFlow.js: \`ValueError: Axis ${axis} of input tensor should have a defined dimension\`` : 'Keras 3: `IndexError: tuple index out of range`';
  const message =
    match === 'invalid'
      ? `\`${written}\` follows \`${layerName(prod)}\`, whose output ${shape} has ${layout.rank} axes: building the model fails (${fails}); the channels are axis ${want}${positional ? ' (the first argument of `BatchNormalization` is `axis`, not the channel count of PyTorch\'s `BatchNorm2d`)' : ''}`
      : `\`${layerName(norm)}\` normalizes axis ${axis} (\`${names[axis < 0 ? axis + layout.rank : axis]}\` of ${shape}) but \`${layerName(prod)}\` puts its channels on axis ${want} (${format}): it learns one mean and variance per ${layout.rank > 3 ? 'row or column' : 'position'} instead of per channel; use \`${kwText(file, 'axis', String(want))}\``;
  ctx.report({
    site: norm.site,
    span: arg.expr?.span ?? norm.site.span,
    message,
    related: prod.site ? [{ site: prod.site, message: `\`${layerName(prod)}\` produces ${shape} (${format})` }] : [],
    fix: arg.expr?.k === 'num' || (arg.expr?.k === 'unary' && arg.expr.operand.k === 'num') || arg.defaulted
      ? {
          title: `Set \`${kwText(file, 'axis', String(want))}\` (the channels of the ${format} \`${layerName(prod)}\` output; saved moving statistics will no longer match)`,
          applicability: 'safe',
          edits: [arg.expr ? { start: arg.expr.span.start, end: arg.expr.span.end, content: String(want) } : setKeywordEdit(text, norm.call, 'axis', String(want), norm.site?.file)],
        }
      : null,
  });
  return true;
}
