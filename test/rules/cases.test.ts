/**
 * Short rule cases (RuleTester style): findings by line and code, plus fixes that fixtures
 * cannot show (editor alternatives).
 */
import assert from 'node:assert/strict';
import { applyEdits } from '../../linter/src/core/apply-fixes';
import { findings, lintFiles } from '../helpers/project';

const MODEL = `import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, bias=False)
        self.bn = nn.BatchNorm2d(8)

    def forward(self, x):
        return self.bn(self.conv(x))
`;

async function codesAt(src: string): Promise<string[]> {
  const files = { 'm.py': src };
  return findings(files, await lintFiles(files));
}

describe('rule cases', () => {
  it('NL001: torch.onnx.export in training mode, but not the legacy exporter that switches to eval', async () => {
    const src = `${MODEL}
model = Net()
model.load_state_dict(torch.load("net.pt"))
torch.onnx.export(model, torch.randn(1, 3, 8, 8), "a.onnx")
torch.onnx.export(model, torch.randn(1, 3, 8, 8), "b.onnx", dynamo=False)
torch.jit.script(model)
traced = torch.jit.trace(model, torch.randn(1, 3, 8, 8))
`;
    assert.deepEqual(await codesAt(src), ['m.py:15:NL001', 'm.py:18:NL001']);
  });

  it('NL001: a fresh model with random weights run in a test() or under no_grad is a smoke test, not inference', async () => {
    const src = `${MODEL}
def test():
    net = Net()
    y = net(torch.randn(1, 3, 32, 32))
    print(y.size())

def shapes():
    with torch.no_grad():
        return Net()(torch.randn(2, 3, 8, 8)).shape

def pretrained():
    from torchvision.models import resnet18
    m = resnet18(weights="IMAGENET1K_V1")
    with torch.no_grad():
        return m(torch.randn(2, 3, 224, 224))
`;
    assert.deepEqual(await codesAt(src), ['m.py:26:NL001']);
  });

  it('NL001/NL002: BatchNorm without running statistics behaves the same in both modes', async () => {
    const src = MODEL.replace('nn.BatchNorm2d(8)', 'nn.BatchNorm2d(8, track_running_stats=False)') + `
model = Net()
model.load_state_dict(torch.load("net.pt"))
with torch.no_grad():
    model(torch.randn(2, 3, 8, 8))
`;
    assert.deepEqual(await codesAt(src), []);
  });

  it('NL001: offers "restore the previous mode" when the function trains again afterwards', async () => {
    const src = `${MODEL}
def fit(loader, val_batch):
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for x in loader:
        with torch.no_grad():
            print(model(val_batch).mean())
        model(x).sum().backward()
        opt.step()
`;
    const diags = await lintFiles({ 'm.py': src });
    assert.deepEqual(findings({ 'm.py': src }, diags), ['m.py:18:NL001']);
    const alt = diags[0].alternatives?.[0];
    assert.ok(alt, 'an alternative fix is offered');
    const fixed = applyEdits(src, alt.edits);
    assert.match(fixed, /        was_training = model\.training\n        model\.eval\(\)\n        with torch\.no_grad\(\):\n            print\(model\(val_batch\)\.mean\(\)\)\n        model\.train\(was_training\)\n/);
    assert.deepEqual(await codesAt(fixed), []);
  });

  it('NL002: a teacher in eval mode that no optimizer updates is not a finding', async () => {
    const src = `${MODEL}
student, teacher = Net(), Net()
teacher.eval()
opt = torch.optim.SGD(student.parameters(), lr=0.1)
for x in []:
    loss = (student(x) - teacher(x)).pow(2).mean()
    loss.backward()
    opt.step()
`;
    assert.deepEqual(await codesAt(src), []);
  });

  it('NL002: maybe-eval through the epoch loop is reported once, at the training step', async () => {
    const src = `${MODEL}
model = Net()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
model.train()
for epoch in range(3):
    for x in []:
        model(x).sum().backward()
        opt.step()
    model.eval()
`;
    assert.deepEqual(await codesAt(src), ['m.py:18:NL002']);
  });

  it('NL004 under DDP in the same file offers the SyncBatchNorm conversion as an editor alternative', async () => {
    const src = `import torch
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader
from torchvision.models import resnet50

model = resnet50().cuda()
model = DDP(model, device_ids=[0])
loader = DataLoader(range(100), batch_size=4)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for x in loader:
    model(x).sum().backward()
    opt.step()
`;
    const diags = await lintFiles({ 'm.py': src });
    const nl004 = diags.find((d) => d.code === 'NL004');
    assert.ok(nl004, 'NL004 reported');
    assert.match(nl004.message, /batches of 4 per process/);
    const alt = nl004.alternatives?.[0];
    assert.ok(alt && alt.applicability === 'unsafe');
    const fixed = applyEdits(src, alt.edits);
    assert.match(fixed, /model = nn\.SyncBatchNorm\.convert_sync_batchnorm\(model\)\nmodel = DDP\(model/);
    const after = (await lintFiles({ 'm.py': fixed })).map((d) => d.code);
    assert.ok(!after.includes('NL006'), 'the conversion also settles NL006');
  });

  it('NL001: every kind of inference site, with the reason in the message', async () => {
    const src = `${MODEL}
@torch.no_grad()
def predict(model, x):
    return model(x)

def evaluate(model, loader):
    return [model(x) for x in loader]

def train_then_use(loader):
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for x in loader:
        model(x).sum().backward()
        opt.step()
    return model(torch.randn(1, 3, 8, 8))

net = Net()
net.load_state_dict(torch.load("net.pt"))
predict(net, torch.randn(1, 3, 8, 8))
evaluate(net, [])
scores = net(torch.randn(4, 3, 8, 8))
`;
    const diags = await lintFiles({ 'm.py': src });
    const got = diags.map((d) => `${findings({ 'm.py': src }, [d])[0]} ${/runs for inference \((.*?)\) while/.exec(d.message)?.[1]}`);
    assert.deepEqual(got, [
      'm.py:15:NL001 in a \`@torch.no_grad()\` function',
      'm.py:18:NL001 in \`evaluate()\`',
      'm.py:26:NL001 after training',
      'm.py:32:NL001 after loading weights, on a path with no training step',
    ]);
  });

  it('NL001: a model with Dropout but no BatchNorm is a warning', async () => {
    const src = `import torch
import torch.nn as nn

head = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5), nn.Linear(8, 2))
head.load_state_dict(torch.load("head.pt"))
with torch.no_grad():
    out = head(torch.randn(1, 8))
`;
    const diags = await lintFiles({ 'm.py': src });
    assert.deepEqual(diags.map((d) => [d.code, d.severity]), [['NL001', 'warning']]);
    assert.match(diags[0].message, /Dropout keeps dropping activations/);
  });

  it('NL004 says that gradient accumulation does not help BatchNorm', async () => {
    const src = `import torch
from torch.utils.data import DataLoader
from torchvision.models import resnet18

model = resnet18()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
model.train()
for i, x in enumerate(DataLoader(range(64), batch_size=4)):
    (model(x).sum() / 8).backward()
    if (i + 1) % 8 == 0:
        opt.step()
        opt.zero_grad()
`;
    const diags = await lintFiles({ 'm.py': src });
    assert.deepEqual(diags.map((d) => d.code), ['NL004']);
    assert.match(diags[0].message, /batches of 4.*Gradient accumulation does not help/s);
    // A scheduler stepped every N iterations is not accumulation (Pytorch-UNet).
    const sched = src.replace('opt.step()\n        opt.zero_grad()', 'scheduler.step()').replace('    (model(x).sum() / 8).backward()', '    model(x).sum().backward()\n    opt.step()');
    const plain = await lintFiles({ 'm.py': sched });
    assert.deepEqual(plain.map((d) => d.code), ['NL004']);
    assert.doesNotMatch(plain[0].message, /accumulation/);
  });

  it('a whole module loaded with torch.load is unknown: silent unless assume-unknown-modules-normalize', async () => {
    const src = `import torch

model = torch.load("model.pt")
with torch.no_grad():
    out = model(torch.randn(1, 3, 224, 224))
`;
    assert.deepEqual(findings({ 'm.py': src }, await lintFiles({ 'm.py': src })), []);
    const opted = await lintFiles({ 'm.py': src }, { assumeUnknownModulesNormalize: true });
    assert.deepEqual(findings({ 'm.py': src }, opted), ['m.py:5:NL001']);
  });
  it('NL004 messages: the BatchNorm1d error only for a model that has one; the tf.distribute note only where a strategy is used', async () => {
    const torchSrc = (norm: string): string => `import torch
import torch.nn as nn
from torch.utils.data import DataLoader

model = nn.Sequential(nn.Linear(4, 8, bias=False), ${norm}, nn.ReLU())
opt = torch.optim.SGD(model.parameters(), lr=0.1)
model.train()
for x in DataLoader(range(64), batch_size=1):
    model(x).sum().backward()
    opt.step()
`;
    const [conv] = (await lintFiles({ 'm.py': torchSrc('nn.Unflatten(1, (8, 1, 1)), nn.BatchNorm2d(8)') })).filter((d) => d.code === 'NL004');
    assert.match(conv.message, /batches of 1: each example is normalized by its own statistics\.$/);
    const [flat] = (await lintFiles({ 'm.py': torchSrc('nn.BatchNorm1d(8)') })).filter((d) => d.code === 'NL004');
    assert.match(flat.message, /BatchNorm1d on \[N, C\]\) raises "Expected more than 1 value per channel when training"/);

    const kerasSrc = (strategy: string): string => `import tensorflow as tf
from tensorflow import keras
${strategy}
model = keras.Sequential([keras.layers.Conv2D(8, 3, use_bias=False), keras.layers.BatchNormalization()])
model.compile(optimizer="adam", loss="mse")
model.fit(tf.zeros([64, 8, 8, 3]), tf.zeros([64, 6, 6, 8]), batch_size=4)
`;
    const [plain] = await lintFiles({ 'k.py': kerasSrc('') });
    assert.doesNotMatch(plain.message, /tf\.distribute/);
    const [mirrored] = await lintFiles({ 'k.py': kerasSrc('strategy = tf.distribute.MirroredStrategy()') });
    assert.match(mirrored.message, /under the tf\.distribute strategy the per-replica batch is smaller still/);
  });

  it('NL002: a model call in a helper under the tape names the helper and gets an unsafe fix', async () => {
    const src = `import tensorflow as tf
from tensorflow import keras

model = keras.Sequential([keras.layers.Conv2D(8, 3, use_bias=False), keras.layers.BatchNormalization()])
opt = keras.optimizers.SGD()


def loss_of(m, x):
    return tf.reduce_mean(m(x))


def step(x):
    with tf.GradientTape() as tape:
        loss = loss_of(model, x)
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))


for x in []:
    step(x)
`;
    const [d] = (await lintFiles({ 'm.py': src })).filter((x) => x.code === 'NL002');
    const line = (offset: number): number => src.slice(0, offset).split('\n').length;
    assert.equal(line(d.span.start), 9);
    assert.match(d.message, /^`m` is called without `training=True` in a helper called inside a gradient computation/);
    assert.deepEqual(d.related.map((r) => line(r.span.start)), [14, 20]);
    assert.equal(d.fix?.applicability, 'unsafe');
    assert.match(d.fix!.title, /the helper is called inside the gradient computation; check its other callers/);
    assert.equal(applyEdits(src, d.fix!.edits).split('\n')[8], '    return tf.reduce_mean(m(x, training=True))');
  });

  it('NL006: a wrap inside a helper is reported at the wrap, through the call, with an unsafe fix', async () => {
    const src = `import torch
import torch.nn as nn


def smart_ddp(model):
    return nn.parallel.DistributedDataParallel(model, device_ids=[0])


model = nn.Sequential(nn.Conv2d(3, 8, 3, bias=False), nn.BatchNorm2d(8))
model = smart_ddp(model)
`;
    const diags = (await lintFiles({ 'm.py': src })).filter((d) => d.code === 'NL006');
    assert.equal(diags.length, 1);
    const line = (offset: number): number => src.slice(0, offset).split('\n').length;
    assert.equal(line(diags[0].span.start), 6);
    assert.deepEqual(diags[0].related?.map((r) => [line(r.span.start), r.message]), [[10, 'reached through this call']]);
    assert.equal(diags[0].fix?.applicability, 'unsafe');
    assert.match(applyEdits(src, diags[0].fix!.edits), /def smart_ddp\(model\):\n    model = nn\.SyncBatchNorm\.convert_sync_batchnorm\(model\)\n    return/);
  });

  it('NL003: the fix is unsafe when the normalization layer class is passed in (a parameter, a local, self attribute); safe when written', async () => {
    const src = `import torch.nn as nn


class A(nn.Module):
    def __init__(self, c, norm_module=nn.BatchNorm2d):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 1)
        self.bn = norm_module(c)

    def forward(self, x):
        return self.bn(self.conv(x))


class B(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 1)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x):
        return self.bn(self.conv(x))


class C(nn.Module):
    def __init__(self, c, norm=None):
        super().__init__()
        Norm = nn.BatchNorm2d
        layer = norm or nn.BatchNorm2d
        self.conv = nn.Conv2d(c, c, 1)
        self.bn = Norm(c)
        self.conv2 = nn.Conv2d(c, c, 1)
        self.bn2 = layer(c)

    def forward(self, x):
        return self.bn2(self.conv2(self.bn(self.conv(x))))
`;
    const diags = (await lintFiles({ 'm.py': src })).filter((d) => d.code === 'NL003');
    const line = (offset: number): number => src.slice(0, offset).split('\n').length;
    // C: a local chosen in the function is written (safe); one set from a parameter is passed in.
    assert.deepEqual(diags.map((d) => [line(d.span.start), d.fix?.applicability]), [[7, 'unsafe'], [17, 'safe'], [29, 'safe'], [31, 'unsafe']]);
    assert.match(diags[0].fix!.title, /passed in/);
  });

  it('NL003: the fix is unsafe when the file reads .bias without checking it for None; safe when an init loop checks', async () => {
    const layers = `import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 128)
        self.bn = nn.BatchNorm1d(128)
`;
    const unchecked = `${layers}        self.fc.bias.detach().zero_()

    def forward(self, x):
        return self.bn(self.fc(x))
`;
    const checked = `${layers}        for m in self.modules():
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.bn(self.fc(x))
`;
    const normBranch = `${layers}        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
            elif isinstance(m, nn.BatchNorm1d):
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        return self.bn(self.fc(x))
`;
    const fixOf = async (src: string) => (await lintFiles({ 'm.py': src })).find((d) => d.code === 'NL003')?.fix;
    // A read in an `isinstance(m, nn.BatchNorm1d)` branch is a norm's bias (Lightning's UvA-DL notebooks).
    assert.equal((await fixOf(normBranch))?.applicability, 'safe');
    const a = await fixOf(unchecked);
    assert.equal(a?.applicability, 'unsafe');
    assert.match(a!.title, /reads `\.bias`/);
    assert.equal((await fixOf(checked))?.applicability, 'safe');
  });

  it('NL003: the fix is unsafe when the normalization is conditional and the layer is also built without it', async () => {
    const src = `import torch.nn as nn


def make_layers(cfg, batch_norm=False):
    layers = []
    for v in cfg:
        conv = nn.Conv2d(3, v, 3, padding=1)
        if batch_norm:
            layers += [conv, nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
        else:
            layers += [conv, nn.ReLU(inplace=True)]
    return nn.Sequential(*layers)


def block(cin, cout, normalize=True):
    return [nn.Linear(cin, cout), nn.BatchNorm1d(cout) if normalize else nn.Identity()]


class Down(nn.Module):
    def __init__(self, cin, cout, batchnorm=True):
        super().__init__()
        self.batchnorm = batchnorm
        self.conv = nn.Conv2d(cin, cout, 4, 2, 1)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        x = self.conv(x)
        if self.batchnorm:
            x = self.bn(x)
        return x


class Always(nn.Module):
    def __init__(self, c, wide=False):
        super().__init__()
        if wide:
            self.body = nn.Sequential(nn.Conv2d(c, 2 * c, 3), nn.BatchNorm2d(2 * c))
        else:
            self.body = nn.Sequential(nn.Conv2d(c, c, 3), nn.BatchNorm2d(c))

    def forward(self, x):
        return self.body(x)


features = make_layers([64, 128], batch_norm=True)
mlp = nn.Sequential(*block(8, 16), *block(16, 4, normalize=False))
wide = Always(8, wide=True)
`;
    const diags = (await lintFiles({ 'm.py': src })).filter((d) => d.code === 'NL003');
    const byLine = new Map(diags.map((d) => [src.slice(0, d.span.start).split('\n').length, d.fix]));
    assert.deepEqual([...byLine.keys()].sort((a, b) => a - b), [7, 16, 23, 37, 39]);
    for (const line of [7, 16, 23]) {
      assert.equal(byLine.get(line)?.applicability, 'unsafe', `line ${line}`);
      assert.match(byLine.get(line)!.title, /the normalization is conditional/);
    }
    for (const line of [37, 39]) assert.equal(byLine.get(line)?.applicability, 'safe', `line ${line}`);
  });
});
