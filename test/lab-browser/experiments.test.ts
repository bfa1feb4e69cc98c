/**
 * BN Lab experiments on the CPU backend in Node: the numbers behave as the physics says (train/eval
 * gap shrinks with steps, grows as the batch shrinks, Keras's reading of a PyTorch momentum barely
 * tracks, folding is exact, a model without eval() depends on its batch), results are seeded and
 * deterministic, and no tensor leaks.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useTfjsCpu } from '../helpers/tfjs-cpu';
import {
  alternatives,
  batchSweep,
  defaultLabConfig,
  folding,
  forgotEval,
  labConfigFromLayer,
  momentumTracking,
  normalizeLabConfig,
  retargetResult,
  runAll,
  runView,
  trainEval,
  VIEW_IDS,
  viewKey,
  type LabConfig,
} from '../../extension/src/lab/experiments';
import { labHtml } from '../../extension/src/lab/panel/html';
import type { LayerInfo } from '../../extension/src/lab/messages';

const cfg = (patch: Partial<LabConfig> = {}): LabConfig => normalizeLabConfig({ ...defaultLabConfig(), ...patch });

describe('BN Lab experiments (CPU backend)', function () {
  this.timeout(60000);
  useTfjsCpu({ checkLeaks: true });

  describe('train vs eval', () => {
    it('the gap shrinks as steps go by with the default PyTorch momentum', () => {
      const r = trainEval(cfg());
      assert.equal(r.gap.length, 41);
      assert.ok(r.gap[0]! > 0.5, `gap before training ${r.gap[0]}`);
      assert.ok(r.finalGap < 0.1 * r.gap[0]!, `final gap ${r.finalGap} vs initial ${r.gap[0]}`);
      // Mostly decreasing: the gap after 10 steps is well below the initial one and above the final.
      assert.ok(r.gap[10]! < r.gap[0]! && r.gap[10]! > r.finalGap);
      assert.match(r.takeaway, /off the train-mode outputs on average after 40 steps/);
      const h = r.histogram;
      assert.equal(h.centers.length, 32);
      assert.ok(Math.abs(h.train.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    });

    it("Keras's default momentum 0.99 keeps the gap large after 40 steps", () => {
      const torch = trainEval(cfg());
      const keras = trainEval(cfg({ framework: 'keras3', momentum: 0.99, eps: 1e-3 }));
      assert.ok(keras.finalGap > 5 * torch.finalGap, `keras ${keras.finalGap} torch ${torch.finalGap}`);
      assert.match(keras.takeaway, /needs about \d+ steps/);
    });

    it('a train/test shift leaves a gap that training cannot remove', () => {
      const r = trainEval(cfg({ distribution: { mean: 1.5, std: 2, channelSpread: 0.5, shift: 1 } }));
      assert.ok(r.finalGap > 0.5, `final gap ${r.finalGap}`);
      assert.match(r.takeaway, /shifted by 1σ/);
    });

    it('without running statistics train and eval agree', () => {
      const r = trainEval(cfg({ trackRunningStats: false }));
      assert.ok(r.gap.every((g) => g === 0));
    });

    it('reports PyTorch’s error for one value per channel', () => {
      const r = trainEval(cfg({ dims: 1, spatial: 1, batchSize: 1 }));
      assert.match(r.error ?? '', /^ValueError: Expected more than 1 value per channel when training/);
      assert.equal(r.gap.length, 0);
    });
  });

  describe('batch-size sweep', () => {
    it('a batch of 2 gives a larger gap and noisier statistics than 64', () => {
      const r = batchSweep(cfg());
      const at = (n: number): number => r.sizes.indexOf(n);
      assert.ok(r.gap[at(2)]! > 3 * r.gap[at(64)]!, `gap 2: ${r.gap[at(2)]}, 64: ${r.gap[at(64)]}`);
      assert.ok(r.meanSpread[at(2)]! > 3 * r.meanSpread[at(64)]!);
      // The batch-mean error follows 1/√n within a factor of 2.
      r.sizes.forEach((_, i) => {
        const ratio = r.meanSpread[i]! / r.expectedMeanSpread[i]!;
        assert.ok(ratio > 0.4 && ratio < 2, `size ${r.sizes[i]}: ratio ${ratio}`);
      });
    });

    it('marks where PyTorch cannot train and quotes the batch size from the code', () => {
      const r = batchSweep(cfg({ dims: 1, spatial: 1, resolvedBatchSize: 4 }));
      assert.equal(r.gap[0], null);
      assert.match(r.errors[0] ?? '', /ValueError/);
      assert.ok(r.gap.slice(1).every((g) => g !== null && g > 0));
      assert.match(r.takeaway, /batch size in the code \(4\)/);
    });
  });

  describe('momentum', () => {
    it("PyTorch momentum=0.99 read the Keras way barely tracks the true mean", () => {
      const r = momentumTracking(cfg({ momentum: 0.99 }));
      assert.ok(r.other);
      assert.ok(Math.abs(r.other.newBatchWeight! - 0.01) < 1e-12);
      assert.ok(r.other.meanError > 0.5, `keras reading error ${r.other.meanError}σ`);
      assert.ok(r.code.meanError < 0.2, `pytorch reading error ${r.code.meanError}σ`);
      // From 0 towards the true mean, under Keras's reading it has covered less than half the way.
      assert.ok(Math.abs(r.other.runningMean.at(-1)!) < 0.5 * Math.abs(r.trueMean));
      assert.match(r.takeaway, /barely tracks/);
    });

    it('the default PyTorch momentum tracks, its Keras reading (weight 0.9) follows each batch', () => {
      const r = momentumTracking(cfg({ dims: 1, spatial: 1, batchSize: 8 }));
      assert.ok(r.code.meanError < 0.3);
      assert.ok(r.other && r.other.meanError > r.code.meanError, `${r.other?.meanError} vs ${r.code.meanError}`);
      // Under weight 0.9 the running mean is nearly the last batch mean.
      const last = r.batchMean.at(-1)!;
      assert.ok(Math.abs(r.other.runningMean.at(-1)! - last) < Math.abs(r.code.runningMean.at(-1)! - last) + 1e-6);
    });

    it('has no other reading for the cumulative average (momentum=None)', () => {
      const r = momentumTracking(cfg({ momentum: null }));
      assert.equal(r.other, null);
      assert.equal(r.code.newBatchWeight, null);
    });
  });

  describe('forgot eval()', () => {
    it('train-mode predictions vary with the batch, eval-mode ones do not', () => {
      const r = forgotEval(cfg());
      assert.ok(r.trainRange > 0.1, `train range ${r.trainRange}`);
      assert.ok(r.evalRange < 1e-5, `eval range ${r.evalRange}`);
      for (const v of Object.values(r.eval).flat()) assert.ok(Math.abs(v - r.reference) < 1e-5);
      // Composition matters at a fixed size, not only the size.
      const i = r.sizes.indexOf(16);
      assert.ok(Math.abs(r.train.typical[i]! - r.train.shifted[i]!) > 0.05);
      assert.match(r.takeaway, /in eval mode it is always/);
    });

    it('without running statistics eval mode depends on the batch too', () => {
      const r = forgotEval(cfg({ trackRunningStats: false }));
      assert.ok(r.evalRange > 0.1);
      assert.match(r.takeaway, /does not help/);
    });
  });

  describe('alternatives', () => {
    it('only BatchNorm depends on the rest of the batch', () => {
      const r = alternatives(cfg({ batchSize: 4 }));
      assert.deepEqual(r.rows.map((x) => x.name), ['BatchNorm', 'LayerNorm', 'GroupNorm(2)', 'InstanceNorm']);
      assert.ok(r.rows[0]!.batchDependence! > 0.05);
      for (const row of r.rows.slice(1)) {
        assert.ok(row.batchDependence! < 1e-5, `${row.name}: ${row.batchDependence}`);
        assert.ok(row.trainEvalGap! < 1e-6);
      }
    });

    it('InstanceNorm needs spatial dimensions', () => {
      const r = alternatives(cfg({ dims: 1, spatial: 1 }));
      assert.equal(r.rows[3]!.batchDependence, null);
      assert.match(r.rows[3]!.error ?? '', /spatial/);
    });
  });

  describe('folding', () => {
    for (const [name, patch] of [
      ['Conv2d → BatchNorm2d', {}],
      ['Linear → BatchNorm1d', { dims: 1, spatial: 1 }],
      ['Conv3d → BatchNorm3d', { dims: 3, spatial: 3 }],
      ['Keras channels-last, 3-D', { framework: 'keras3', dims: 3, spatial: 3, momentum: 0.99, eps: 1e-3 }],
      ['Keras channels-last', { framework: 'keras3', momentum: 0.99, eps: 1e-3 }],
      ['no bias, no affine', { producer: { kind: 'conv', bias: false }, affine: false }],
    ] as [string, Partial<LabConfig>][]) {
      it(`folded matches unfolded within 1e-5 (${name})`, () => {
        const r = folding(cfg(patch));
        assert.equal(r.error, null);
        assert.ok(r.maxDiff < 1e-5, `max diff ${r.maxDiff}`);
        assert.ok(r.channelMaxDiff.every((d) => d <= r.maxDiff));
        assert.ok(r.trainModeMaxDiff > 1e-2, 'train mode should differ from the folded layer');
        r.folded.forEach((v, i) => assert.ok(Math.abs(v - r.unfolded[i]!) < 1e-5));
      });
    }

    it('refuses to fold without running statistics', () => {
      assert.match(folding(cfg({ trackRunningStats: false })).error ?? '', /track_running_stats=False/);
    });
  });

  it('is deterministic for a seed and changes with it', () => {
    const a = runAll(cfg());
    const b = runAll(cfg());
    assert.deepEqual(a, b);
    const c = trainEval(cfg({ seed: 2 }));
    assert.notDeepEqual(c.gap, a.trainEval.gap);
  });

  // The panel recomputes only the views whose viewKey changed; a wrong key would leave stale charts.
  it('a view whose key does not change gives the same numbers (every config field)', () => {
    const base = cfg();
    const patches: Partial<LabConfig>[] = [
      { batchSize: 16 },
      { batchSize: 1 },
      { resolvedBatchSize: 4 },
      { steps: 20 },
      { distribution: { ...base.distribution, shift: 1 } },
      { distribution: { ...base.distribution, mean: 0 } },
      { distribution: { ...base.distribution, std: 1 } },
      { distribution: { ...base.distribution, channelSpread: 0 } },
      { numFeatures: 32 },
      { numFeatures: 3 },
      { producer: { kind: 'conv', bias: false } },
      { layerClass: 'torch.nn.BatchNorm2d' },
      { seed: 2 },
      { spatial: 3 },
      { eps: 1e-3 },
      { momentum: 0.3 },
      { affine: false },
      { trackRunningStats: false },
      { dims: 1, spatial: 1 },
      { framework: 'keras3', momentum: 0.99, eps: 1e-3 },
    ];
    const fresh = runAll(base);
    let reused = 0;
    for (const patch of patches) {
      const other = cfg(patch);
      for (const id of VIEW_IDS) {
        if (viewKey(id, other) !== viewKey(id, base)) continue;
        reused++;
        assert.deepEqual(retargetResult(id, fresh[id], other), runView(id, other), `${id} with ${JSON.stringify(patch)}`);
      }
    }
    // The batch size leaves the batch-size sweep's and the forgotten eval()'s numbers alone.
    assert.equal(viewKey('batchSweep', cfg({ batchSize: 16 })), viewKey('batchSweep', base));
    assert.equal(viewKey('forgotEval', cfg({ batchSize: 16 })), viewKey('forgotEval', base));
    assert.ok(reused > 20, `only ${reused} (view, patch) pairs kept their key`);
  });
});

describe('BN Lab configuration', () => {
  it('reads a layer resolved by the language server', () => {
    const layer: LayerInfo = {
      file: 'model.py',
      span: { start: 0, end: 1 },
      q: 'torch.nn.BatchNorm1d',
      kind: 'batchnorm',
      dims: 1,
      args: [
        { name: 'num_features', value: '256', constant: 256, defaulted: false },
        { name: 'eps', value: '1e-3', constant: 0.001, defaulted: false },
        { name: 'momentum', value: 'None', constant: null, defaulted: false },
        { name: 'affine', value: 'False', constant: false, defaulted: false },
      ],
      momentum: { torch: null, keras: null, cumulative: true },
      uses: [],
      producer: { q: 'torch.nn.Linear', file: 'model.py', span: { start: 0, end: 1 }, bias: false },
      batchSizes: [8, 32],
      framework: 'pytorch',
    };
    const c = labConfigFromLayer(layer);
    assert.equal(c.numFeatures, 256);
    assert.equal(c.channels, 8);
    assert.equal(c.eps, 0.001);
    assert.equal(c.momentum, null);
    assert.equal(c.affine, false);
    assert.equal(c.dims, 1);
    assert.equal(c.spatial, 1);
    assert.equal(c.batchSize, 8);
    assert.equal(c.resolvedBatchSize, 8);
    assert.deepEqual(c.producer, { kind: 'linear', bias: false });
    const keras = labConfigFromLayer({ ...layer, framework: 'keras', q: 'keras.layers.BatchNormalization', args: [], momentum: { torch: 0.01, keras: 0.99, cumulative: false } });
    assert.equal(keras.framework, 'keras3');
    assert.equal(keras.momentum, 0.99);
    assert.equal(keras.eps, 1e-3);
  });

  it('repairs a bad or partial config', () => {
    const c = normalizeLabConfig({ batchSize: 10_000, numFeatures: -3, framework: 'keras2', momentum: null } as Partial<LabConfig>);
    assert.equal(c.batchSize, 256);
    assert.equal(c.numFeatures, 1);
    assert.equal(c.momentum, 0.99);
    assert.equal(c.trackRunningStats, true);
  });

  it('renders the page with a strict CSP and escaped values', () => {
    const html = labHtml({ scriptUri: 'https://x/panel.js?a=1&b="2"', styleUri: 'panel.css', cspSource: 'vscode-webview://abc', nonce: 'n0nce+/=', standalone: false });
    assert.match(html, /content="default-src 'none'; script-src 'nonce-n0nce\+\/='; style-src vscode-webview:\/\/abc; img-src vscode-webview:\/\/abc data:; font-src vscode-webview:\/\/abc"/);
    assert.match(html, /<script nonce="n0nce\+\/=" src="https:\/\/x\/panel.js\?a=1&amp;b=&quot;2&quot;"><\/script>/);
    assert.doesNotMatch(html, /<style|unsafe-inline|unsafe-eval/);
    assert.match(html, /data-standalone="false"/);
  });
});
