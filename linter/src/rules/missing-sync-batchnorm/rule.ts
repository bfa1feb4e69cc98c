/**
 * NL006 missing-sync-batchnorm: a BatchNorm model is wrapped in DistributedDataParallel without
 * converting BatchNorm to SyncBatchNorm first (or converted after the wrap).
 */
import { defineRule, type RuleContext } from '../define';
import { constOf, type Obj } from '../../model/python/values';
import { setKeywordEdit, syncBatchNormFix } from '../util';

export default defineRule({
  meta: {
    code: 'NL006',
    name: 'missing-sync-batchnorm',
    summary: 'A BatchNorm model is trained with DDP without SyncBatchNorm.',
    severity: 'warning',
    fix: 'sometimes',
    enabledByDefault: true,
    frameworks: ['pytorch'],
  },
  check(ctx: RuleContext) {
    const { model } = ctx;
    const perDeviceBatch = (obj: Obj): number | undefined => {
      let min: number | undefined;
      for (const l of model.loaders) {
        if (!l.trains.has(obj)) continue;
        const bs = constOf(l.batchSize);
        if (typeof bs === 'number') min = min === undefined ? bs : Math.min(min, bs);
      }
      return min;
    };
    const reported = new Set<string>();
    for (const f of model.ddp.values()) {
      if (f.converted || !model.carriesUnsyncedBatchNorm(f.obj)) continue;
      // A wrap in a helper is one finding, whichever caller's model reached it first.
      const at = `${f.site.file.path}:${f.site.span.start}:${f.convertedAfter ? 'after' : ''}`;
      if (reported.has(at)) continue;
      reported.add(at);
      const via = (f.via ?? []).map((site) => ({ site, message: 'reached through this call' }));
      // A Keras model under the torch backend: `convert_sync_batchnorm` does not convert Keras
      // layers (Keras 3 has `BatchNormalization(synchronized=True)` instead).
      if (model.isKeras(f.obj)) continue;
      const bs = perDeviceBatch(f.obj);
      const small = bs !== undefined && bs < ctx.config(f.site.file.path).options.minBatchSize;
      const severity = small ? 'warning' : 'info';
      const batchNote = bs !== undefined ? ` (${bs} examples per process)` : '';
      if (f.convertedAfter) {
        ctx.report({
          site: f.convertedAfter,
          severity,
          message: `SyncBatchNorm conversion runs after the model was wrapped in DistributedDataParallel: DDP already holds the original BatchNorm layers, so each process keeps normalizing over its own batch${batchNote}; convert before wrapping`,
          related: [{ site: f.site, message: 'wrapped in DistributedDataParallel here' }, ...via],
        });
        continue;
      }
      const text = ctx.text(f.site.file.path);
      ctx.report({
        site: f.site,
        severity,
        message: `BatchNorm model wrapped in DistributedDataParallel without SyncBatchNorm: each process normalizes over its own batch${batchNote}, not the global one; convert with \`nn.SyncBatchNorm.convert_sync_batchnorm\` before wrapping`,
        related: via,
        // In a helper, the conversion also applies to its other callers' models; a BatchNorm
        // subclass with its own forward() (timm's BatchNormAct2d) becomes a plain SyncBatchNorm
        // and loses what it adds: unsafe.
        fix: syncBatchNormFix(model, text, f, via.length || model.carry(f.obj).batchnormCustom ? 'unsafe' : 'safe'),
      });
    }
    for (const t of model.lightning) {
      if (!t.distributed || t.syncBatchnorm !== false) continue;
      if (!t.fits.some((o) => model.carriesUnsyncedBatchNorm(o))) continue;
      const text = ctx.text(t.site.file.path);
      ctx.report({
        site: t.site,
        message: 'Lightning Trainer runs DDP on several devices without `sync_batchnorm=True`: each process normalizes its BatchNorm layers over its own batch',
        fix: { title: 'Set `sync_batchnorm=True`', applicability: 'safe', edits: [setKeywordEdit(text, t.call, 'sync_batchnorm', 'True')] },
      });
    }
  },
});
