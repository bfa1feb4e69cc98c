/**
 * Project subclasses of a PyTorch BatchNorm layer (timm's BatchNormAct2d, detectron2's
 * NaiveSyncBatchNorm, a BatchNorm2d with other defaults) count as BatchNorm for the mode,
 * batch-size and DDP rules, unless the subclass may not behave like one in training mode; and
 * the SyncBatchNorm conversion of a model holding one with its own forward() is unsafe.
 */
import assert from 'node:assert/strict';
import { applyEdits } from '../../linter/src/core/apply-fixes';
import { findings, lintFiles } from '../helpers/project';

const CLASSES = `import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.batchnorm import _BatchNorm


class BatchNormAct2d(nn.BatchNorm2d):
    def __init__(self, num_features, act=True):
        super().__init__(num_features)
        self.act = nn.ReLU() if act else nn.Identity()

    def forward(self, x):
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        x = F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, bn_training, 0.1, self.eps)
        return self.act(x)


class PlainBN(nn.BatchNorm2d):
    pass


class MyNorm(_BatchNorm):
    def _check_input_dim(self, x):
        pass


class FrozenBN(nn.BatchNorm2d):
    def forward(self, x):
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, self.eps)


class EvalBN(nn.BatchNorm2d):
    def train(self, mode=True):
        return super().train(False)


class UntrackedBN(nn.BatchNorm2d):
    def __init__(self, n):
        super().__init__(n, track_running_stats=False)


class NaiveSyncBatchNorm(nn.BatchNorm2d):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        return x


class Net(nn.Module):
    def __init__(self, norm):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, bias=False)
        self.bn = norm(8)

    def forward(self, x):
        return self.bn(self.conv(x))
`;

const lineOf = (src: string, offset: number): number => src.slice(0, offset).split('\n').length;
/** The 1-based line of the first occurrence of `needle`. */
const lineWith = (src: string, needle: string): number => lineOf(src, src.indexOf(needle));

describe('BatchNorm subclasses', () => {
  it('NL001: a model holding a BatchNorm subclass is evaluated in training mode; not when the subclass behaves the same in both modes', async () => {
    const norms = ['BatchNormAct2d', 'PlainBN', 'MyNorm', 'FrozenBN', 'EvalBN', 'UntrackedBN', 'NaiveSyncBatchNorm'];
    const base = CLASSES.split('\n').length;
    const src = CLASSES + norms.map((n) => `
def predict_${n}(x):
    model = Net(${n})
    model.load_state_dict(torch.load("w.pt"))
    with torch.no_grad():
        return model(x)
`).join('');
    const files = { 'm.py': src };
    const got = findings(files, await lintFiles(files)).filter((f) => f.endsWith('NL001'));
    // Each function is 6 lines (a blank line first); the model call is its 6th line.
    const expected = ['BatchNormAct2d', 'PlainBN', 'MyNorm', 'NaiveSyncBatchNorm'].map((n) => `m.py:${base + norms.indexOf(n) * 6 + 5}:NL001`);
    assert.deepEqual(got, expected);
  });

  it('NL006: a subclass named Sync is already synchronized; converting a model whose subclass has its own forward() is unsafe, a plain one safe', async () => {
    const src = `${CLASSES}
a = nn.parallel.DistributedDataParallel(Net(NaiveSyncBatchNorm))
b = nn.parallel.DistributedDataParallel(Net(BatchNormAct2d).cuda(), device_ids=[0])
c = nn.parallel.DistributedDataParallel(Net(PlainBN))
`;
    const diags = (await lintFiles({ 'm.py': src })).filter((d) => d.code === 'NL006');
    assert.deepEqual(diags.map((d) => [lineOf(src, d.span.start), d.fix?.applicability]), [[lineWith(src, '\nb = ') + 1, 'unsafe'], [lineWith(src, '\nc = ') + 1, 'safe']]);
    assert.match(
      applyEdits(src, diags[0].fix!.edits),
      /\nb = nn\.parallel\.DistributedDataParallel\(nn\.SyncBatchNorm\.convert_sync_batchnorm\(Net\(BatchNormAct2d\)\.cuda\(\)\), device_ids=\[0\]\)\n/,
    );
  });

  it('NL004: a batch of 1 trains a model holding a BatchNorm subclass', async () => {
    const src = `${CLASSES}
model = Net(BatchNormAct2d)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(8, 3, 8, 8)), batch_size=1)
for (x,) in loader:
    opt.zero_grad()
    model(x).sum().backward()
    opt.step()
`;
    const files = { 'm.py': src };
    const got = findings(files, await lintFiles(files)).filter((f) => f.endsWith('NL004'));
    assert.deepEqual(got, [`m.py:${lineWith(src, '\nloader = ') + 1}:NL004`]);
  });
});
