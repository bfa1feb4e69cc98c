/**
 * Layer reports (`Engine.lastLayers`): the resolved configuration of each normalization layer
 * construction, for hovers and BN Lab.
 */
import assert from 'node:assert/strict';
import { allRulesConfig, testEngine } from '../helpers/project';
import type { LayerReport } from '../../linter/src/core/engine';

async function layers(files: Record<string, string>): Promise<LayerReport[]> {
  const engine = await testEngine();
  const facts = Object.entries(files).map(([path, text]) => engine.analyze({ path, text }));
  const cfg = allRulesConfig();
  engine.lint(facts, { configFor: () => cfg, textOf: (p) => files[p], collectLayers: true });
  return engine.lastLayers;
}

const arg = (l: LayerReport, name: string) => l.args.find((a) => a.name === name)!;

describe('layer reports', () => {
  it('gives defaults as PyTorch documents them and momentum in both conventions', async () => {
    const [bn] = await layers({ 'm.py': 'import torch.nn as nn\nbn = nn.BatchNorm2d(32, momentum=0.01, affine=False)\n' });
    assert.equal(bn.q, 'torch.nn.BatchNorm2d');
    assert.equal(bn.dims, 2);
    assert.deepEqual(arg(bn, 'num_features'), { name: 'num_features', value: '32', constant: 32, defaulted: false });
    assert.deepEqual(arg(bn, 'eps'), { name: 'eps', value: '1e-05', constant: 0.00001, defaulted: true });
    assert.equal(arg(bn, 'affine').value, 'False');
    assert.deepEqual(bn.momentum, { torch: 0.01, keras: 0.99, cumulative: false });
  });

  it('reports momentum=None as a cumulative average and covers the other norm layers', async () => {
    const ls = await layers({ 'm.py': 'import torch.nn as nn\na = nn.BatchNorm1d(8, momentum=None)\nb = nn.GroupNorm(4, 32)\nc = nn.LayerNorm(16)\nd = nn.Conv2d(3, 8, 3)\n' });
    assert.deepEqual(ls.map((l) => l.q), ['torch.nn.BatchNorm1d', 'torch.nn.GroupNorm', 'torch.nn.LayerNorm']);
    assert.deepEqual(ls[0].momentum, { torch: null, keras: null, cumulative: true });
    assert.equal(ls[1].momentum, null);
  });

  it('one report per construction site, with the values of every construction normlint follows', async () => {
    const src = [
      'import torch.nn as nn',
      'def bn(c):',
      '    return nn.BatchNorm2d(c)',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.a = bn(64)',
      '        self.b = bn(128)',
      '    def forward(self, x):',
      '        return self.b(self.a(x))',
      '',
    ].join('\n');
    const ls = await layers({ 'm.py': src });
    assert.equal(ls.length, 1);
    assert.equal(arg(ls[0], 'num_features').value, 'c ∈ {64, 128}');
    assert.equal(arg(ls[0], 'num_features').constant, undefined);
  });

  it('gives the producing layer with its bias and the training batch sizes', async () => {
    const src = [
      'import torch',
      'import torch.nn as nn',
      'from torch.utils.data import DataLoader',
      'model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())',
      'other = nn.Sequential(nn.Linear(4, 4, bias=False), nn.BatchNorm1d(4))',
      'opt = torch.optim.SGD(model.parameters(), lr=0.1)',
      'loader = DataLoader(list(range(100)), batch_size=8, drop_last=True)',
      'for x in loader:',
      '    model(x).sum().backward()',
      '    opt.step()',
      '',
    ].join('\n');
    const [bn2d, bn1d] = await layers({ 'm.py': src });
    assert.equal(bn2d.producer?.q, 'torch.nn.Conv2d');
    assert.equal(bn2d.producer?.bias, true);
    assert.deepEqual(bn2d.batchSizes, [8]);
    assert.equal(bn1d.producer?.q, 'torch.nn.Linear');
    assert.equal(bn1d.producer?.bias, false);
    assert.deepEqual(bn1d.batchSizes, [], 'not trained by that loader');
    assert.equal(bn2d.framework, 'pytorch');
  });

  it('lists where modules containing the layer are trained and run for inference, with their modes', async () => {
    const ls = await layers({
      'm.py': 'import torch\nimport torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))\nopt = torch.optim.SGD(model.parameters(), lr=0.1)\nloss = model(torch.randn(32, 4)).sum()\nloss.backward()\nopt.step()\nwith torch.no_grad():\n    model(torch.randn(32, 4))\n',
    });
    assert.deepEqual(ls[0].uses.map((u) => [u.kind, u.modes]), [['train-step', ['train']], ['inference', ['train']]]);
  });
});

describe('layer reports computed later', () => {
  it("collectLayers: 'lazy' gives the same reports as computing them at once, and keeps them", async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const root = path.join(__dirname, '../../examples');
    const files = (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => /\.(py|ts|js)$/.test(f)).sort();
    const texts = new Map(files.map((f) => [f, fs.readFileSync(path.join(root, f), 'utf8')]));
    const engine = await testEngine();
    const cfg = allRulesConfig();
    const facts = files.map((f) => engine.analyze({ path: f, text: texts.get(f)! }));
    const opts = { configFor: () => cfg, textOf: (p: string) => texts.get(p) ?? '' };
    const eagerDiags = engine.lint(facts, { ...opts, collectLayers: true });
    const eager = engine.lastLayers;
    assert.equal(engine.lastLayersLater, null);
    const lazyDiags = engine.lint(facts, { ...opts, collectLayers: 'lazy' });
    assert.deepEqual(engine.lastLayers, []);
    const later = engine.lastLayersLater!;
    assert.ok(eager.length > 20, `examples have layers (${eager.length})`);
    assert.deepEqual(lazyDiags, eagerDiags);
    assert.deepEqual(later(), eager);
    assert.equal(later(), later(), 'memoized');
    engine.lint(facts, { ...opts });
    assert.equal(engine.lastLayersLater, null, 'a later run without layers forgets them');
  });
});
