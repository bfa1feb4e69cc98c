/**
 * NL005 norm-in-sequence-model: BatchNorm on the path of a recurrent or attention model
 * (PyTorch `nn.LSTM`/`nn.MultiheadAttention`..., Keras `LSTM(return_sequences=True)`/
 * `MultiHeadAttention`..., and Keras `TimeDistributed(BatchNormalization())` on such a path).
 */
import { defineRule, type RuleContext } from '../define';
import type { Fix } from '../../core/diagnostic';
import type { Obj } from '../../model/python/values';
import { isScript, layerName } from '../util';

export default defineRule({
  meta: {
    code: 'NL005',
    name: 'norm-in-sequence-model',
    summary: 'BatchNorm is used on the path of a recurrent or attention sequence model.',
    severity: 'warning',
    fix: 'sometimes',
    enabledByDefault: true,
    frameworks: ['pytorch', 'keras', 'tfjs'],
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
      const keras = norm.spec?.framework === 'keras';
      const ts = isScript(norm.site.file);
      const shown = f.wrapper ? (ts ? `tf.layers.timeDistributed({layer: ${layerName(norm)}()})` : `TimeDistributed(${layerName(norm)})`) : layerName(norm);
      ctx.report({
        site: norm.site,
        message: keras
          ? `\`${shown}\` is applied ${f.why === 'time-step-loop' ? where : `on the sequence path after \`${layerName(f.seq)}\``}: one mean and variance per feature over the batch and every time step (padding included when sequences are padded)${f.wrapper ? ', which the wrapper does not change: it folds time into the batch' : ''}, so a step's output depends on the other sequences of its batch; sequence models use \`${ts ? 'tf.layers.layerNormalization' : 'LayerNormalization'}\``
          : `\`${layerName(norm)}\` is applied ${where}: batch statistics mix time steps and padded positions of sequences of different lengths; sequence models use LayerNorm (or RMSNorm)`,
        related: f.seq.site ? [{ site: f.seq.site, message: `\`${layerName(f.seq)}\` is created here` }] : [],
        fix: keras ? kerasFix(ctx, text, calleeText, norm) : torchFix(text, calleeText, norm),
      });
    }
  },
});

/** `nn.BatchNorm1d(C)` → `nn.LayerNorm(C)`. */
function torchFix(text: string, calleeText: string, norm: Obj): Fix | null {
  const call = norm.call!;
  const first = call.args[0] && call.args[0].k !== 'star' ? text.slice(call.args[0].span.start, call.args[0].span.end) : null;
  if (!/BatchNorm1d$/.test(calleeText) || first === null || norm.spec?.lazy) return null;
  const replacement = `${calleeText.replace(/BatchNorm1d$/, 'LayerNorm')}(${first})`;
  return {
    title: `Replace with \`${replacement}\` (LayerNorm normalizes the last dimension; BatchNorm1d normalizes dim 1 of (N, C, L))`,
    applicability: 'unsafe',
    edits: [{ start: call.span.start, end: call.span.end, content: replacement }],
  };
}

/** Keyword arguments BatchNormalization and LayerNormalization share, with the same meaning. */
const SHARED_KERAS_ARGS = new Set(['epsilon', 'center', 'scale', 'name', 'dtype', 'beta_initializer', 'gamma_initializer', 'beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint']);

/** `layers.BatchNormalization(...)` → `layers.LayerNormalization(...)` when every argument carries over. */
function kerasFix(ctx: RuleContext, text: string, calleeText: string, norm: Obj): Fix | null {
  const call = norm.call!;
  if (isScript(norm.site?.file)) {
    // `tf.layers.batchNormalization({...})` → `tf.layers.layerNormalization({...})`.
    if (!/(^|\.)layers\.batchNormalization$/.test(calleeText) || call.args.length > 0 || call.doubleStar.length > 0) return null;
    if (!call.kwargs.every((k) => SHARED_KERAS_ARGS.has(k.name))) return null;
    const callee = calleeText.replace(/batchNormalization$/, 'layerNormalization');
    return {
      title: `Replace with \`${callee}\` (it normalizes each time step over its features, not each feature over the batch and time steps)`,
      applicability: 'unsafe',
      edits: [{ start: call.fn.span.start, end: call.fn.span.end, content: callee }],
    };
  }
  if (!/BatchNormalization$/.test(calleeText) || call.args.length > 0 || call.doubleStar.length > 0) return null;
  // A bare `BatchNormalization(...)` needs `LayerNormalization` imported the same way.
  if (!calleeText.includes('.') && !ctx.model.resolveGlobal(norm.site!.file, 'LayerNormalization').some((v) => v.t === 'ext' && v.q === 'keras.layers.LayerNormalization')) return null;
  if (!call.kwargs.every((k) => SHARED_KERAS_ARGS.has(k.name))) return null;
  const callee = calleeText.replace(/BatchNormalization$/, 'LayerNormalization');
  return {
    title: `Replace with \`${callee}\` (it normalizes each time step over its features, not each feature over the batch and time steps)`,
    applicability: 'unsafe',
    edits: [{ start: call.fn.span.start, end: call.fn.span.end, content: callee }],
  };
}
