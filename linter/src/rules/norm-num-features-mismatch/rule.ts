/**
 * NL011 norm-num-features-mismatch: the channel count a BatchNorm expects differs from what the
 * layer before it produces, or its dimensionality does not match (BatchNorm2d after Linear).
 */
import { defineRule, type RuleContext } from '../define';
import type { Obj } from '../../model/python/values';
import { layerName } from '../util';
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
    frameworks: ['pytorch'],
  },
  check(ctx: RuleContext) {
    const done = new Set<Obj>();
    for (const p of ctx.model.pairs) {
      if (p.how === 'reshaped' || done.has(p.consumer)) continue;
      const prod = p.producer;
      const norm = p.consumer;
      if (!prod.spec || !PRODUCERS.has(prod.spec.kind) || !norm.spec || !NORMS.has(norm.spec.kind) || !norm.site || !norm.call) continue;
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
      const literal = arg.expr && arg.expr.k === 'num';
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
