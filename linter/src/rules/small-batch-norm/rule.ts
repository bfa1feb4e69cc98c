/**
 * NL004 small-batch-norm: a BatchNorm model is trained with per-device batches too small for
 * reliable batch statistics, or a last batch of one may reach a BatchNorm1d. The batches come
 * from a PyTorch `DataLoader`, or in Keras from `fit(batch_size=N)`, a `tf.data` `.batch(N)`, a
 * dataset utility or an `ImageDataGenerator.flow*()` that `fit` trains on.
 */
import { defineRule, type RuleContext } from '../define';
import { constOf } from '../../model/python/values';
import { isScript, setKeywordEdit, syncBatchNormFix } from '../util';

export default defineRule({
  meta: {
    code: 'NL004',
    name: 'small-batch-norm',
    summary: 'A BatchNorm model is trained with batches too small for reliable batch statistics.',
    severity: 'warning',
    fix: 'sometimes',
    enabledByDefault: true,
    frameworks: ['pytorch', 'keras', 'tfjs'],
  },
  check(ctx: RuleContext) {
    const { model } = ctx;
    const ddpWrapped = new Set([...model.ddp.values()].map((f) => f.obj));
    for (const l of model.loaders) {
      if (l.hasBatchSampler || l.customCollate) continue;
      // (A Keras base frozen with `trainable = False` normalizes with its moving statistics.)
      const trained = [...l.trains].filter((o) => model.trainsBatchNorm(o));
      if (trained.length === 0) continue;
      const opts = ctx.config(l.site.file.path).options;
      const bs = constOf(l.batchSize);
      const ddp = [...l.trains].some((o) => ddpWrapped.has(o));
      const per = ddp ? ' per process (DDP: each process normalizes over its own batch)' : '';
      const accum = l.accumulation ? ' Gradient accumulation does not help: BatchNorm still sees one small batch at a time.' : '';
      const span = l.batchSizeSpan ?? l.call.span;
      const keras = l.framework === 'keras';
      if (bs === 1) {
        ctx.report({
          site: l.site,
          span,
          severity: 'error',
          message: keras
            ? 'BatchNormalization is trained with batches of 1: each example is normalized by its own statistics (a Dense output becomes the constant β), and the moving statistics learn nothing useful'
            : `BatchNorm is trained with batches of 1${per}: each example is normalized by its own statistics${
              trained.some((o) => model.carry(o).batchnorm1d) ? ', and a BatchNorm with one value per channel (BatchNorm1d on [N, C]) raises "Expected more than 1 value per channel when training"' : ''}.${accum}`,
        });
        continue;
      }
      if (typeof bs === 'number' && Number.isInteger(bs) && bs > 1 && bs < opts.minBatchSize) {
        // Under DDP in the same file, offer the SyncBatchNorm conversion (editor only).
        const wrap = [...model.ddp.values()].find((f) => l.trains.has(f.obj) && !f.converted && !f.convertedAfter && f.site.file === l.site.file);
        const sync = wrap ? syncBatchNormFix(model, ctx.text(l.site.file.path), wrap, 'unsafe') : null;
        ctx.report({
          site: l.site,
          span,
          alternatives: sync ? [{ ...sync, title: `${sync.title} (normalize over the global batch)` }] : undefined,
          message: keras
            ? isScript(l.site.file)
              ? `BatchNormalization is trained with batches of ${bs}: statistics from fewer than ${opts.minBatchSize} examples are noisy and accuracy drops; use a larger batch, or normalize per example (tf.layers.layerNormalization)`
              : `BatchNormalization is trained with batches of ${bs}: statistics from fewer than ${opts.minBatchSize} examples are noisy and accuracy drops; use a larger batch or GroupNormalization${
                /\bdistribute\b/.test(ctx.text(l.site.file.path)) ? ' (under the tf.distribute strategy the per-replica batch is smaller still)' : ''}`
            : `BatchNorm is trained with batches of ${bs}${per}: statistics from fewer than ${opts.minBatchSize} examples are noisy and accuracy drops; use a larger batch, GroupNorm, or SyncBatchNorm under DDP.${accum}`,
        });
      }
      // The last batch may hold one example: only a BatchNorm with one value per channel (BatchNorm1d
      // on [N, C], BatchNorm2d on 1×1 maps) raises on it.
      const dropLast = l.dropLast ? constOf(l.dropLast) : false;
      // Off where the dataset length is known and the last batch is not one example.
      const lastBatchOfOne = l.datasetLength === null || typeof bs !== 'number' || l.datasetLength % bs === 1;
      if (opts.checkDropLast && dropLast === false && bs !== 1 && lastBatchOfOne && trained.some((o) => model.carry(o).batchnorm1d)) {
        const text = ctx.text(l.site.file.path);
        ctx.report({
          site: l.site,
          message: 'This training DataLoader feeds a model with a BatchNorm that sees one value per channel of each example (BatchNorm1d, or BatchNorm2d on the 1×1 maps of a global pooling) and does not set `drop_last=True`: when the dataset size leaves a last batch of one example, training raises "Expected more than 1 value per channel when training"',
          fix: { title: 'Set `drop_last=True`', applicability: 'safe', edits: [setKeywordEdit(text, l.call, 'drop_last', 'True')] },
        });
      }
    }
  },
});
