/**
 * NL007 momentum-convention: a BatchNorm momentum written in the other framework's convention
 * (PyTorch weighs the new batch, default 0.1; Keras/TensorFlow.js weigh the old average, 0.99).
 * PyTorch: a literal above 0.5 is the Keras value pasted in; Keras: a literal below 0.5 is the
 * PyTorch value.
 */
import { defineRule, type RuleContext } from '../define';
import { constOf } from '../../model/python/values';
import { isScript, kwText, layerName } from '../util';

/** `1 - m` printed with as many decimals as `raw` has (0.99 → 0.01, 0.9 → 0.1, 0.999 → 0.001). */
export function complement(raw: string, m: number): string {
  const dec = /\.(\d+)/.exec(raw)?.[1].length ?? 1;
  return (1 - m).toFixed(Math.max(1, dec));
}

export default defineRule({
  meta: {
    code: 'NL007',
    name: 'momentum-convention',
    summary: 'A BatchNorm momentum is written in the other framework\'s convention.',
    severity: 'warning',
    fix: 'sometimes',
    enabledByDefault: true,
    frameworks: ['pytorch', 'keras', 'tfjs'],
  },
  check(ctx: RuleContext) {
    for (const layer of ctx.model.layers) {
      if (layer.spec?.kind !== 'batchnorm' || !layer.site) continue;
      const keras = layer.spec.framework === 'keras';
      const arg = ctx.model.argOf(layer, 'momentum');
      if (!arg.expr) continue;
      // Without running statistics the momentum is never used.
      if (constOf(ctx.model.argOf(layer, 'track_running_stats').value) === false) continue;
      const m = constOf(arg.value);
      // Statistics of the last batch only (Keras `momentum=0`, PyTorch `momentum=1`) is a
      // deliberate choice (semantic-segmentation-pytorch's BatchNorm tests), never a port: the
      // other framework's reading (statistics never updated) is useless.
      if (typeof m !== 'number' || m < 0 || m > 1 || (keras ? m >= 0.5 || m === 0 : m <= 0.5 || m === 1)) continue;
      const literal = arg.expr.k === 'num' ? arg.expr : null;
      const fixed = literal ? complement(literal.raw, m) : complement(String(m), m);
      const file = layer.site.file;
      const ts = isScript(file);
      const written = ts ? `\`${layerName(layer)}({momentum: ${literal?.raw ?? m}})\`` : `\`${layerName(layer)}(momentum=${literal?.raw ?? m})\``;
      const use = kwText(file, 'momentum', fixed);
      ctx.report({
        site: layer.site,
        span: arg.expr.span,
        message: keras
          ? `${written} uses the PyTorch convention: ${ts ? 'TensorFlow.js' : 'Keras'}' momentum is the decay of the moving average (default 0.99), so the moving statistics keep ${Math.round(m * 100)}% of their old value and follow the last few batches; use \`${use}\``
          : `${written} uses the Keras convention: PyTorch's momentum is the weight of the new batch (default 0.1), so running statistics follow the last batch almost exactly; use \`${use}\``,
        fix: literal
          ? { title: `Replace \`${kwText(file, 'momentum', literal.raw)}\` with \`${use}\``, applicability: 'safe', edits: [{ start: literal.span.start, end: literal.span.end, content: fixed }] }
          : null,
      });
    }
  },
});
