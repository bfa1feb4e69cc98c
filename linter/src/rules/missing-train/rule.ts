/**
 * NL002 missing-train: a BatchNorm module is trained while it is in eval mode (typically a
 * `model.eval()` for validation that is never undone before the next epoch).
 */
import { defineRule, indentAt, lineStartOf, type RuleContext } from '../define';
import { modesOf, type PyTorchModel } from '../../model/python/interp';
import type { Obj } from '../../model/python/values';
import type { FuncDef } from '../../model/python/ir';
import { isScript, kwText, setKeywordEdit, sourceName, sourcesOf } from '../util';

function related(model: PyTorchModel, a: Obj, b: Obj): boolean {
  if (a === b) return true;
  const seen = new Set<Obj>();
  const under = (root: Obj, x: Obj): boolean => {
    if (seen.has(root)) return false;
    seen.add(root);
    for (const vals of root.attrs.values()) for (const v of vals) if (v.t === 'obj' && (v.obj === x || under(v.obj, x))) return true;
    return false;
  };
  void model;
  return under(a, b) || (seen.clear(), under(b, a));
}

/** The first statement of a function body that is not its docstring. */
function bodyStartAfterDocstring(fn: FuncDef): number {
  const [first, second] = fn.body;
  if (first && first.k === 'expr' && first.value.k === 'str' && second) return second.span.start;
  return fn.bodyStart;
}

export default defineRule({
  meta: {
    code: 'NL002',
    name: 'missing-train',
    summary: 'A BatchNorm module is trained while it is in eval mode.',
    severity: 'error',
    fix: 'sometimes',
    enabledByDefault: true,
    frameworks: ['pytorch', 'keras', 'tfjs'],
  },
  check(ctx: RuleContext) {
    const { model } = ctx;
    for (const f of model.steps.values()) {
      // Lightning manages modes; a frozen module in eval mode is deliberate (linear probing).
      if (f.lightning || f.frozen || f.obj.kind === 'sym') continue;
      // Keras `fit` sets the training flag itself; Keras models have no eval mode.
      if (f.keras || model.isKeras(f.obj)) continue;
      const modes = modesOf(f.mode);
      if (!modes.has('eval') || modes.has('unknown') || modes.has('entry') || modes.has('bneval')) continue;
      const evals = sourcesOf(f.mode, 'eval');
      if (!evals.every((s) => s.how === 'explicit' && s.site)) continue;
      if (!model.carriesModeDependentBatchNorm(f.obj)) continue;
      // A module in eval mode that no optimizer updates is a frozen helper (a perceptual-loss
      // network, a teacher): not a finding.
      if (model.optimized && ![...model.optimized].some((o) => related(model, o, f.obj))) continue;
      const maybe = modes.size > 1;
      const name = f.receiver;
      const message = maybe
        ? `\`${name}\` may be in eval mode at this training step: \`${name}.eval()\` is not undone before training resumes (e.g. the next epoch), so BatchNorm normalizes with frozen running statistics and stops updating them; call \`${name}.train()\` before training`
        : `\`${name}\` is in eval mode at this training step: BatchNorm normalizes with its running statistics and does not update them; call \`${name}.train()\` before training`;
      const text = ctx.text(f.site.file.path);
      // Where `.train()` belongs: at the top of the training function when the eval comes from
      // outside it, else at the top of the loop around the step.
      const fn = f.fn;
      const evalInside = fn && evals.some((s) => s.site!.file === f.site.file && s.site!.span.start >= fn.span.start && s.site!.span.end <= fn.span.end);
      const at = fn && !evalInside ? bodyStartAfterDocstring(fn) : f.insertAt?.start;
      // A `.train()` there would run before an `.eval()` that precedes the step in the same
      // pass (an eval-mode probe inside the training loop): no fix rather than one that does
      // nothing (and that `--fix` would insert again each round).
      const offset = at !== undefined && evals.some((s) => s.site!.file === f.site.file && s.site!.span.start >= at && s.site!.span.start < f.site.span.start) ? undefined : at;
      const receiverOk = /^[A-Za-z_][\w.]*$/.test(name);
      ctx.report({
        site: f.site,
        message,
        related: [
          ...evals.map((s) => ({ site: s.site!, message: 'put in eval mode here' })),
          ...f.via.map((site) => ({ site, message: 'reached through this call' })),
        ],
        fix:
          offset !== undefined && receiverOk
            ? {
                title: `Insert \`${name}.train()\` before training`,
                applicability: 'safe',
                edits: [{ start: lineStartOf(text, offset), end: lineStartOf(text, offset), content: `${indentAt(text, offset)}${name}.train()\n` }],
              }
            : null,
      });
    }
    // Keras and TensorFlow.js have no model mode: a layer runs in inference mode when called
    // without `training` (or with `training=False`), also inside a gradient computation.
    for (const f of model.inferenceInTraining.values()) {
      // A frozen model (`trainable = False`) in inference mode is what fine-tuning wants.
      if (!model.isKeras(f.obj) || !model.carriesModeDependentBatchNorm(f.obj) || model.isKerasFrozen(f.obj)) continue;
      const file = f.site.file;
      const on = kwText(file, f.flagName ?? 'training', 'True');
      const how = f.predict ? 'through `predict()`' : f.flag ? `with \`${kwText(file, 'training', 'False')}\` while every variable trains (no \`varList\`)` : `without \`${on}\``;
      const receiver = sourceName(file, f.receiver);
      const advice = f.predict ? (isScript(file) ? `call it with \`apply(x, {${on}})\`` : `call it as \`${receiver}(x, ${on})\``) : `pass \`${on}\``;
      const where = isScript(file)
        ? 'inside this gradient computation (a function the optimizer minimizes or `tf.variableGrads` differentiates)'
        : f.helper
          ? 'in a helper called inside a gradient computation (a `tf.GradientTape` block)'
          : 'inside this gradient computation (a `tf.GradientTape` block or a loss `optimizer.minimize` calls)';
      ctx.report({
        site: f.site,
        span: f.flag?.span ?? f.site.span,
        message: `\`${receiver}\` is called ${how} ${where}: it runs in inference mode, so BatchNormalization normalizes with its moving statistics and never updates them while the weights train; ${advice}`,
        related: f.via.map((site) => ({ site, message: 'reached through this call' })),
        // In a helper the tape calls, the helper may also run for evaluation (`test_step`): unsafe.
        fix: f.predict ? null : {
          title: f.helper ? `Pass \`${on}\` (the helper is called inside the gradient computation; check its other callers)` : `Pass \`${on}\``,
          applicability: f.helper ? 'unsafe' : 'safe',
          edits: [setKeywordEdit(ctx.text(file.path), f.call, f.flagName ?? 'training', 'True', file)],
        },
      });
    }
  },
});
