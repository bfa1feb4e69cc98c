/**
 * NL001 missing-eval: a module that carries BatchNorm or Dropout runs for inference while it is
 * still in training mode. Keras has no model mode: there the finding is a call that passes
 * `training=True` at an inference site (an evaluation or serving function, `test_step`,
 * after `fit`).
 */
import { defineRule, insertLinesAfter, insertLinesBefore, type RuleContext } from '../define';
import { forEachExprInBody, forEachSubExpr, modesOf, someStmt } from '../../model/python/interp';
import type { InferenceFact } from '../../model/python/facts';
import type { FuncDef, Keyword } from '../../model/python/ir';
import { describe, kwText, lit, sourceName, sourcesOf } from '../util';

const WHY: Record<InferenceFact['kind'], (f: InferenceFact) => string> = {
  no_grad: (f) => (f.gradOff === 'inference_mode' ? 'inside `torch.inference_mode()`' : f.gradOff === 'set_grad_enabled' ? 'with `torch.set_grad_enabled(False)`' : 'inside `torch.no_grad()`'),
  decorator: (f) => (f.gradOff === 'inference_mode' ? 'in a `@torch.inference_mode()` function' : 'in a `@torch.no_grad()` function'),
  'eval-function': (f) => (f.fn ? `in \`${f.fn.name}()\`` : 'in an evaluation function'),
  export: () => 'exported',
  'after-training': () => 'after training',
  'load-and-predict': () => 'after loading weights, on a path with no training step',
};

/** Attributes only BatchNorm statistics code touches. */
const BN_STATISTICS = new Set(['running_mean', 'running_var', 'num_batches_tracked', 'reset_running_stats']);

/**
 * A function that reads or resets BatchNorm statistics (`bn.running_mean`,
 * `reset_running_stats()`) or sets a module's `momentum` (`bn.momentum = None` for a cumulative
 * average): a statistics procedure whose forward passes run in training mode on purpose.
 */
function handlesBatchNormStatistics(def: FuncDef): boolean {
  let found = false;
  someStmt(def.body, (s) => {
    if (s.k === 'assign' && s.targets.some((t) => t.k === 'attr' && t.attr === 'momentum')) found = true;
    return found;
  });
  if (found) return true;
  forEachExprInBody(def.body, (e) => forEachSubExpr(e, (x) => {
    if (x.k === 'attr' && BN_STATISTICS.has(x.attr)) found = true;
  }));
  return found;
}

export default defineRule({
  meta: {
    code: 'NL001',
    name: 'missing-eval',
    summary: 'A module with BatchNorm or Dropout runs for inference while still in training mode.',
    severity: 'error',
    fix: 'sometimes',
    enabledByDefault: true,
    frameworks: ['pytorch', 'keras', 'tfjs'],
  },
  check(ctx: RuleContext) {
    const { model } = ctx;
    for (const f of model.inference.values()) {
      if (f.obj.kind === 'sym') continue;
      if (f.trainingFlag) {
        if (model.isKeras(f.obj)) reportKeras(ctx, f, f.trainingFlag);
        continue;
      }
      // `model.predict(x)` and plain calls of a Keras model run in inference mode.
      if (model.isKeras(f.obj)) continue;
      const modes = modesOf(f.mode);
      if (!modes.has('train') || modes.has('unknown') || modes.has('entry')) continue;
      const trains = sourcesOf(f.mode, 'train');
      // Recalibrating BatchNorm statistics: an explicit `.train()` followed by no_grad forward
      // passes with no training step in between (torch.optim.swa_utils.update_bn does this).
      if ((f.kind === 'no_grad' || f.kind === 'decorator') && !f.mode.stepSinceSet && trains.every((s) => s.how === 'explicit')) continue;
      // A function that puts the model in training mode itself before running it (Udacity's
      // `test(model, train)`: `if train: model.train()`) chooses the mode: not "still" in it.
      const fn = f.fn;
      if (fn && f.kind !== 'export' && !f.mode.stepSinceSet && trains.length > 0 &&
        trains.every((s) => s.how === 'explicit' && s.site && s.site.file === f.site.file && s.site.span.start >= fn.span.start && s.site.span.end <= fn.span.end)) continue;
      // The same in a function that handles BatchNorm statistics itself (pycls's and fvcore's
      // precise BN: `bn.momentum = 1.0`, then averaging `running_mean`/`running_var`).
      if ((f.kind === 'no_grad' || f.kind === 'decorator') && f.fn && handlesBatchNormStatistics(f.fn)) continue;
      // A freshly constructed model with random weights (no load, no training on this path)
      // run in a `test()` or under no_grad is a smoke test: its outputs mean nothing anyway.
      if (f.fresh && trains.every((s) => s.how === 'construct')) continue;
      const carry = model.carry(f.obj);
      const bn = model.carriesModeDependentBatchNorm(f.obj);
      if (!bn && !carry.dropout) continue;
      const maybe = modes.size > 1;
      const what =
        f.kind === 'export'
          ? bn
            ? 'the exported model would normalize with batch statistics instead of the running statistics'
            : 'the exported model would keep Dropout active'
          : bn
            ? 'BatchNorm normalizes with the statistics of the current batch and keeps updating its running statistics'
            : 'Dropout keeps dropping activations at random';
      const verb = f.kind === 'export' ? 'is exported' : `runs for inference (${WHY[f.kind](f)})`;
      const message = `\`${f.receiver}\` ${verb} while it ${maybe ? 'may still be' : 'is still'} in training mode: ${what}; call \`${f.receiver}.eval()\` first`;
      const related = [
        ...trains.filter((s) => s.site).map((s) => ({
          site: s.site!,
          message: s.how === 'construct' ? `${describe(f.obj)} is created here, in training mode` : s.how === 'load' ? 'loaded here, in training mode' : 'put in training mode here',
        })),
        ...f.via.map((site) => ({ site, message: 'reached through this call' })),
        ...(f.forwardAt ? [{ site: f.forwardAt, message: 'the forward pass this call runs' }] : []),
      ];
      const text = ctx.text(f.site.file.path);
      const receiverOk = /^[A-Za-z_][\w.]*$/.test(f.receiver);
      ctx.report({
        site: f.site,
        severity: bn ? 'error' : 'warning',
        message,
        related,
        fix: receiverOk
          ? {
              title: `Insert \`${f.receiver}.eval()\` before the inference`,
              applicability: 'unsafe',
              edits: [insertLinesBefore(text, f.insertBefore.start, [`${f.receiver}.eval()`])],
            }
          : null,
        alternatives:
          receiverOk && f.trainsAfter
            ? [{
                title: `Switch \`${f.receiver}\` to eval for the inference and restore its previous mode afterwards`,
                applicability: 'unsafe',
                edits: [
                  insertLinesBefore(text, f.insertBefore.start, ['was_training = ' + f.receiver + '.training', `${f.receiver}.eval()`]),
                  insertLinesAfter(text, f.insertBefore, [`${f.receiver}.train(was_training)`]),
                ],
              }]
            : undefined,
      });
    }
  },
});

/**
 * Keras: `model(x, training=True)` at an inference site. Only for models with BatchNorm: with
 * Dropout alone, `training=True` at prediction time is usually deliberate (Monte Carlo dropout).
 */
function reportKeras(ctx: RuleContext, f: InferenceFact, flag: Keyword): void {
  if (!ctx.model.carriesModeDependentBatchNorm(f.obj)) return;
  const where = f.kind === 'after-training' ? 'after training' : f.fn ? `in \`${f.fn.name}()\`` : 'in an evaluation function';
  ctx.report({
    site: f.site,
    message: `\`${sourceName(f.site.file, f.receiver)}\` is called with \`${kwText(f.site.file, 'training', 'True')}\` for inference (${where}): BatchNorm normalizes with the statistics of the current batch instead of its moving statistics, and predictions depend on the rest of the batch; pass \`${kwText(f.site.file, 'training', 'False')}\` (or leave it out)`,
    related: f.via.map((site) => ({ site, message: 'reached through this call' })),
    fix: {
      title: `Set \`${kwText(f.site.file, 'training', 'False')}\``,
      applicability: 'unsafe',
      edits: [{ start: flag.value.span.start, end: flag.value.span.end, content: lit(f.site.file, 'False') }],
    },
  });
}
