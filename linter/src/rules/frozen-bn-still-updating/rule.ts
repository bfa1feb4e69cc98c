/**
 * NL010 frozen-bn-still-updating: BatchNorm parameters are frozen (requires_grad=False), then
 * `model.train()` puts those layers back into training mode, so their running statistics keep
 * drifting.
 */
import { defineRule, indentAt, type RuleContext } from '../define';
import { nnPrefix } from '../util';

export default defineRule({
  meta: {
    code: 'NL010',
    name: 'frozen-bn-still-updating',
    summary: 'Frozen BatchNorm layers are put back into training mode and keep updating their running statistics.',
    severity: 'warning',
    fix: 'sometimes',
    enabledByDefault: true,
    frameworks: ['pytorch'],
  },
  check(ctx: RuleContext) {
    for (const f of ctx.model.frozenTrains.values()) {
      const text = ctx.text(f.site.file.path);
      const frozenText = text.slice(f.frozenAt.span.start, f.frozenAt.span.end);
      const m = /([A-Za-z_][\w.]*)\.(?:parameters|named_parameters|requires_grad_)\(/.exec(frozenText);
      // Named from the `.train()` receiver when the frozen module is an attribute path below it:
      // that name exists where the fix goes (the freeze may be written in another function,
      // under that function's names). Else (message only) as the freeze writes it.
      const written = text.slice(f.site.span.start, f.site.span.end).replace(/\s+/g, '');
      const atSite = f.frozenPath && written.startsWith(`${f.receiver}.train(`) ? [f.receiver, ...f.frozenPath].join('.') : null;
      const frozenName = atSite ?? (m && f.frozenAt.file === f.site.file ? m[1] : f.receiver);
      const prefix = nnPrefix(ctx.model, f.site.file);
      // The BatchNorm-eval loop goes on the lines after the `.train()` statement, inserted at the
      // end of its line (before the line break): an insertion after the break would fall outside
      // a notebook cell whose last line this is, and a file may end without one.
      const nl = text.indexOf('\n', f.stmtSpan.end);
      const at = nl < 0 ? text.length : text[nl - 1] === '\r' ? nl - 1 : nl;
      const indent = indentAt(text, f.stmtSpan.start);
      ctx.report({
        site: f.site,
        message: `\`${f.receiver}.train()\` puts the frozen BatchNorm layers of \`${frozenName}\` back into training mode: requires_grad=False stops their weights, not their running statistics, which keep updating with every batch; set those BatchNorm modules to eval after \`.train()\` (or use FrozenBatchNorm2d)`,
        related: [{ site: f.frozenAt, message: 'parameters frozen here' }, ...f.via.map((site) => ({ site, message: 'reached through this call' }))],
        fix:
          prefix && atSite && /^[A-Za-z_][\w.]*$/.test(atSite)
            ? {
                title: `Put the BatchNorm layers of \`${frozenName}\` in eval mode after \`.train()\``,
                applicability: 'unsafe',
                edits: [{
                  start: at,
                  end: at,
                  content: [`for module in ${frozenName}.modules():`, `    if isinstance(module, ${prefix}modules.batchnorm._BatchNorm):`, '        module.eval()'].map((l) => `\n${indent}${l}`).join(''),
                }],
              }
            : null,
      });
    }
  },
});
