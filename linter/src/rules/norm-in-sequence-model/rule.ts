/**
 * NL005 norm-in-sequence-model: BatchNorm on the path of a recurrent or attention model.
 */
import { defineRule, type RuleContext } from '../define';
import type { Obj } from '../../model/python/values';
import { layerName } from '../util';

export default defineRule({
  meta: {
    code: 'NL005',
    name: 'norm-in-sequence-model',
    summary: 'BatchNorm is used on the path of a recurrent or attention sequence model.',
    severity: 'warning',
    fix: 'sometimes',
    enabledByDefault: true,
    frameworks: ['pytorch'],
  },
  check(ctx: RuleContext) {
    const done = new Set<Obj>();
    for (const f of ctx.model.sequenceNorms) {
      const norm = f.norm;
      if (done.has(norm) || !norm.site || !norm.call) continue;
      done.add(norm);
      const text = ctx.text(norm.site.file.path);
      const where = f.why === 'time-step-loop' ? `inside a loop over time steps with \`${layerName(f.seq)}\`` : `on the output of \`${layerName(f.seq)}\``;
      const call = norm.call;
      const calleeText = text.slice(call.fn.span.start, call.fn.span.end);
      const first = call.args[0] && call.args[0].k !== 'star' ? text.slice(call.args[0].span.start, call.args[0].span.end) : null;
      const canFix = /BatchNorm1d$/.test(calleeText) && first !== null && !norm.spec?.lazy;
      ctx.report({
        site: norm.site,
        message: `\`${layerName(norm)}\` is applied ${where}: batch statistics mix time steps and padded positions of sequences of different lengths; sequence models use LayerNorm (or RMSNorm)`,
        related: f.seq.site ? [{ site: f.seq.site, message: `\`${layerName(f.seq)}\` is created here` }] : [],
        fix: canFix
          ? {
              title: `Replace with \`${calleeText.replace(/BatchNorm1d$/, 'LayerNorm')}(${first})\` (LayerNorm normalizes the last dimension; BatchNorm1d normalizes dim 1 of (N, C, L))`,
              applicability: 'unsafe',
              edits: [{ start: call.span.start, end: call.span.end, content: `${calleeText.replace(/BatchNorm1d$/, 'LayerNorm')}(${first})` }],
            }
          : null,
      });
    }
  },
});
