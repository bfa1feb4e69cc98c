/**
 * Protocol tests: the real server (`normlint server --stdio`, the built CLI) driven by a real
 * LSP client library, the way an editor drives it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { CodeAction, Hover, CodeLens, Diagnostic, TextEdit } from 'vscode-languageserver-protocol';
import { applyTextEdits, LspTestClient, uri } from '../helpers/lsp-client';
import { CLI, ensureBuilt, makeProject, REPO } from '../cli/helpers';
import { jsonPosition } from '../helpers/notebook-positions';

const MODEL = `import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, bias=False)
        self.bn = nn.BatchNorm2d(16, momentum=0.99)

    def forward(self, x):
        return self.bn(self.conv(x))
`;

const TRAIN = `import torch
from model import Net

model = Net()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in [(torch.randn(32, 3, 8, 8), 0)]:
    loss = model(x).sum()
    loss.backward()
    opt.step()

model.eval()
with torch.no_grad():
    print(model(torch.randn(32, 3, 8, 8)))
`;

function codes(diags: readonly Diagnostic[]): string[] {
  return diags.map((d) => String(d.code)).sort();
}

function editsOf(a: CodeAction, u: string): TextEdit[] {
  const dc = a.edit?.documentChanges?.[0];
  if (dc && 'edits' in dc) return dc.edits as TextEdit[];
  return a.edit?.changes?.[u] ?? [];
}

describe('language server over stdio', function () {
  this.timeout(120_000);
  const clients: LspTestClient[] = [];
  before(() => ensureBuilt());
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.shutdown();
  });
  const start = async (root: string | null, settings: Record<string, unknown> = {}): Promise<LspTestClient> => {
    const c = new LspTestClient(root ?? REPO);
    clients.push(c);
    await c.initialize(root, settings);
    return c;
  };

  it('publishes the same findings as `normlint check` for every example, with code, docs link and source', async () => {
    const root = path.join(REPO, 'examples');
    const c = await start(root);
    await c.idle();
    const cli = spawnSync(process.execPath, [CLI, 'check', root, '--output-format', 'json', '--no-cache'], { encoding: 'utf8' });
    // A notebook that is not open is published in its JSON text (the CLI's rows count in cells).
    const row = (d: { filename: string; cell: number | null; location: { row: number; column: number } }): number =>
      d.cell === null ? d.location.row : jsonPosition(fs.readFileSync(d.filename, 'utf8'), d.cell, d.location.row, d.location.column).line;
    const expected = (JSON.parse(cli.stdout) as Array<{ code: string; filename: string; cell: number | null; location: { row: number; column: number } }>)
      .map((d) => `${path.relative(root, d.filename)}:${row(d)}:${d.code}`)
      .sort();
    assert.ok(expected.some((e) => e.includes('.ipynb:')), 'the examples include a notebook');
    const got: string[] = [];
    for (const [u, p] of c.diagnostics) {
      for (const d of p.diagnostics) {
        got.push(`${path.relative(root, new URL(u).pathname)}:${d.range.start.line + 1}:${d.code}`);
        assert.equal(d.source, 'normlint');
        assert.equal(d.codeDescription?.href, `https://github.com/normlint/normlint/blob/main/docs/rules/${d.code}.md`);
      }
    }
    assert.deepEqual(got.sort(), expected);
    // Every rule with an example shows up.
    assert.deepEqual([...new Set(expected.map((e) => e.split(':')[2]))].sort(), ['NL001', 'NL002', 'NL003', 'NL004', 'NL005', 'NL006', 'NL007', 'NL008', 'NL010', 'NL011']);
    // Related information points into other files (NL001: where the model is put in training mode).
    const rel = [...c.diagnostics.values()].flatMap((p) => p.diagnostics).filter((d) => d.relatedInformation?.length);
    assert.ok(rel.length > 0, 'some diagnostics carry relatedInformation');
  });

  it('applies a quick fix from the diagnostic data and the finding goes away', async () => {
    const root = makeProject({ 'model.py': MODEL, 'train.py': TRAIN });
    const c = await start(root);
    const u = uri(path.join(root, 'model.py'));
    await c.open(u, MODEL, 1);
    const diags = await c.waitDiags(u, (d) => d.some((x) => x.code === 'NL007'), 1);
    const nl007 = diags.find((d) => d.code === 'NL007')!;
    const actions = (await c.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: u },
      range: nl007.range,
      context: { diagnostics: [nl007], only: ['quickfix'] },
    })) as CodeAction[];
    const fix = actions.find((a) => a.isPreferred)!;
    assert.ok(fix, `a preferred fix among ${actions.map((a) => a.title).join(', ')}`);
    assert.match(fix.title, /momentum=0\.01/);
    assert.ok(actions.some((a) => a.title === 'Disable NL007 for this line'));
    assert.ok(actions.some((a) => a.title === 'Show documentation for NL007' && a.command));
    const fixed = applyTextEdits(MODEL, editsOf(fix, u));
    assert.match(fixed, /momentum=0\.01\)/);
    await c.change(u, 2, [{ text: fixed }]);
    await c.waitDiags(u, (d) => !d.some((x) => x.code === 'NL007'), 2);

    // Show documentation: the server asks the client to open the rule's page.
    await c.conn.sendRequest('workspace/executeCommand', { command: 'normlint.showDocumentation', arguments: ['NL007'] });
    assert.deepEqual(c.shown, ['https://github.com/normlint/normlint/blob/main/docs/rules/NL007.md']);
  });

  it('"Disable for this line" adds a noqa comment that silences the finding', async () => {
    const root = makeProject({ 'model.py': MODEL.replace('momentum=0.99)', 'momentum=0.99)  # keep: ported from Keras') });
    const c = await start(root);
    const u = uri(path.join(root, 'model.py'));
    const text = fs.readFileSync(path.join(root, 'model.py'), 'utf8');
    await c.open(u, text, 1);
    const d = (await c.waitDiags(u, (x) => x.some((y) => y.code === 'NL007'), 1)).find((x) => x.code === 'NL007')!;
    const actions = (await c.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: u }, range: d.range, context: { diagnostics: [d] } })) as CodeAction[];
    const disable = actions.find((a) => a.title === 'Disable NL007 for this line')!;
    const after = applyTextEdits(text, editsOf(disable, u));
    assert.match(after, /momentum=0\.99\)  # noqa: NL007 # keep: ported from Keras\n/);
    await c.change(u, 2, [{ text: after }]);
    await c.waitDiags(u, (x) => x.length === 0, 2);
  });

  it('offers "Disable" for each line of a rule\'s findings in the range, and its documentation once', async () => {
    const text = 'import torch.nn as nn\n\na = nn.BatchNorm2d(8, momentum=0.9)\nb = nn.BatchNorm2d(8, momentum=0.99)\n';
    const root = makeProject({ 'model.py': text });
    const c = await start(root);
    const u = uri(path.join(root, 'model.py'));
    await c.open(u, text, 1);
    const ds = (await c.waitDiags(u, (x) => x.filter((y) => y.code === 'NL007').length === 2, 1)).filter((x) => x.code === 'NL007');
    const range = { start: ds[0].range.start, end: ds[1].range.end };
    const actions = (await c.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: u }, range, context: { diagnostics: ds } })) as CodeAction[];
    const disables = actions.filter((a) => a.title === 'Disable NL007 for this line');
    assert.deepEqual(disables.map((a) => editsOf(a, u)[0].range.start.line).sort(), [2, 3]);
    assert.equal(actions.filter((a) => a.title === 'Show documentation for NL007').length, 1);
  });

  it('source.fixAll.normlint applies every safe fix in one edit', async () => {
    const two = MODEL.replace('self.conv = nn.Conv2d(3, 16, 3, bias=False)', 'self.conv = nn.Conv2d(3, 16, 3, bias=False)\n        self.bn0 = nn.BatchNorm2d(3, momentum=0.9)');
    const root = makeProject({ 'model.py': two });
    const c = await start(root);
    const u = uri(path.join(root, 'model.py'));
    await c.open(u, two, 1);
    await c.waitDiags(u, (d) => d.filter((x) => x.code === 'NL007').length === 2, 1);
    const actions = (await c.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: u },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll.normlint'] },
    })) as CodeAction[];
    assert.equal(actions.length, 1);
    assert.equal(actions[0].kind, 'source.fixAll.normlint');
    const fixed = applyTextEdits(two, editsOf(actions[0], u));
    assert.match(fixed, /BatchNorm2d\(3, momentum=0\.1\)/);
    assert.match(fixed, /BatchNorm2d\(16, momentum=0\.01\)/);
  });

  it('TensorFlow.js in TypeScript: findings, hover, the `useBias: false` fix and a `normlint-disable-next-line` directive', async () => {
    const ts = [
      "import * as tf from '@tensorflow/tfjs';",
      '',
      'export function build(): tf.Sequential {',
      '  const model = tf.sequential();',
      '  model.add(tf.layers.dense({units: 8, inputShape: [4]}));',
      '  model.add(tf.layers.batchNormalization({momentum: 0.1}));',
      '  return model;',
      '}',
      '',
    ].join('\n');
    const root = makeProject({ 'model.ts': ts });
    const c = await start(root);
    const u = uri(path.join(root, 'model.ts'));
    await c.open(u, ts, 1, 'typescript');
    const diags = await c.waitDiags(u, (d) => d.some((x) => x.code === 'NL003') && d.some((x) => x.code === 'NL007'), 1);
    const nl003 = diags.find((d) => d.code === 'NL003')!;
    assert.equal(nl003.range.start.line, 4);
    const actions = (await c.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: u },
      range: nl003.range,
      context: { diagnostics: [nl003], only: ['quickfix'] },
    })) as CodeAction[];
    const fix = actions.find((a) => a.isPreferred)!;
    assert.equal(fix.title, 'Set `useBias: false` (weights saved with the bias will no longer load into this layer)');
    const fixed = applyTextEdits(ts, editsOf(fix, u));
    assert.match(fixed, /tf\.layers\.dense\(\{units: 8, inputShape: \[4\], useBias: false\}\)/);
    const nl007 = diags.find((d) => d.code === 'NL007')!;
    // The hover speaks TensorFlow.js: factory name, camelCase options, JavaScript literals.
    const hover = (await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: u }, position: { line: 5, character: 25 } })) as Hover;
    const md = (hover.contents as { value: string }).value;
    assert.match(md, /^\*\*tf\.layers\.batchNormalization\*\* · normlint/);
    assert.match(md, /\| momentum \| `0\.1` · TensorFlow\.js: the moving average keeps 0\.1 of itself per batch; PyTorch equivalent `momentum=0\.9`/);
    assert.match(md, /\| center \| `true` \(default\) \|/);
    assert.match(md, /Fed by `tf\.layers\.dense` at `model\.ts:5` with a bias/);
    const more = (await c.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: u }, range: nl007.range, context: { diagnostics: [nl007] } })) as CodeAction[];
    const disable = more.find((a) => a.title === 'Disable NL007 for this line')!;
    const disabled = applyTextEdits(fixed, editsOf(disable, u));
    assert.match(disabled, /\n  \/\/ normlint-disable-next-line NL007\n  model\.add\(tf\.layers\.batchNormalization\(\{momentum: 0\.1\}\)\);/);
    await c.change(u, 2, [{ text: disabled }]);
    await c.waitDiags(u, (x) => x.length === 0, 2);
  });

  it('hovers a BatchNorm constructor with its configuration, mode facts and findings', async () => {
    const root = makeProject({ 'model.py': MODEL, 'train.py': TRAIN });
    const c = await start(root);
    const u = uri(path.join(root, 'model.py'));
    await c.open(u, MODEL, 1);
    await c.waitDiags(u, (d) => d.length > 0, 1);
    const line = MODEL.split('\n').findIndex((l) => l.includes('BatchNorm2d'));
    const character = MODEL.split('\n')[line].indexOf('BatchNorm2d') + 3;
    const hover = (await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: u }, position: { line, character } })) as Hover;
    const md = (hover.contents as { value: string }).value;
    assert.match(md, /\*\*nn\.BatchNorm2d\*\*/);
    assert.match(md, /\| num_features \| `16` \|/);
    assert.match(md, /\| eps \| `1e-05` \(default\) \|/);
    assert.match(md, /\| momentum \| `0\.99` · PyTorch: new batch weighs 0\.99; Keras\/TF\.js equivalent `momentum=0\.01`/);
    assert.match(md, /\| affine \| `True` \(default\) \|/);
    assert.match(md, /\| track_running_stats \| `True` \(default\) \|/);
    assert.match(md, /trained at `train\.py:8` in train mode/);
    assert.match(md, /Fed by `nn\.Conv2d` at `model\.py:7` without bias\./);
    assert.match(md, /inference at `train\.py:13` in eval mode/);
    assert.match(md, /\[NL007\]\(https:\/\/github\.com\/normlint\/normlint\/blob\/main\/docs\/rules\/NL007\.md\) momentum-convention/);
    // Not on a layer: no hover.
    const none = await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: u }, position: { line: 0, character: 2 } });
    assert.equal(none, null);
    // Code lens above each normalization layer.
    const lenses = (await c.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: u } })) as CodeLens[];
    assert.equal(lenses.length, 1);
    assert.equal(lenses[0].range.start.line, line);
    assert.equal(lenses[0].command?.title, 'Simulate in BN Lab');
    // The lens carries the layer for BN Lab; normlint/layerAt gives the same under the cursor.
    const lensArgs = lenses[0].command?.arguments?.[0] as { uri: string; layer: { q: string; producer: { q: string; bias: boolean } | null; batchSizes: number[] } };
    assert.equal(lensArgs.uri, u);
    assert.equal(lensArgs.layer.q, 'torch.nn.BatchNorm2d');
    assert.deepEqual(lensArgs.layer.producer && { q: lensArgs.layer.producer.q, bias: lensArgs.layer.producer.bias }, { q: 'torch.nn.Conv2d', bias: false });
    const at = (await c.conn.sendRequest('normlint/layerAt', { textDocument: { uri: u }, position: { line, character } })) as typeof lensArgs;
    assert.deepEqual(at, lensArgs);
    assert.equal(await c.conn.sendRequest('normlint/layerAt', { textDocument: { uri: u }, position: { line: 0, character: 0 } }), null);
  });

  it('hovers and code lenses follow incremental edits (layer reports computed from the analysis of that version)', async () => {
    const root = makeProject({ 'model.py': MODEL, 'train.py': TRAIN });
    const c = await start(root);
    const u = uri(path.join(root, 'model.py'));
    await c.open(u, MODEL, 1);
    await c.waitDiags(u, (d) => d.length > 0, 1);
    const bnLine = (text: string): number => text.split('\n').findIndex((l) => l.includes('BatchNorm2d'));
    const hoverAt = async (text: string): Promise<string> => {
      const line = bnLine(text);
      const hover = (await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: u }, position: { line, character: text.split('\n')[line].indexOf('BatchNorm2d') + 3 } })) as Hover;
      return (hover.contents as { value: string }).value;
    };
    assert.match(await hoverAt(MODEL), /\| momentum \| `0\.99`/);
    // Two lines inserted above the class (every statement after them moves), then the momentum
    // retyped in place: incremental changes, as an editor sends them.
    let text = MODEL;
    const edit = async (version: number, at: number, del: number, ins: string): Promise<void> => {
      const before = text.slice(0, at).split('\n');
      const start = { line: before.length - 1, character: before.at(-1)!.length };
      const endText = text.slice(0, at + del).split('\n');
      const end = { line: endText.length - 1, character: endText.at(-1)!.length };
      text = text.slice(0, at) + ins + text.slice(at + del);
      await c.change(u, version, [{ range: { start, end }, text: ins }]);
    };
    await edit(2, MODEL.indexOf('class '), 0, '# a comment\nSCALE = 2\n');
    const m = text.indexOf('momentum=0.99') + 'momentum='.length;
    await edit(3, m, 4, '0.5');
    await c.waitDiags(u, (d) => !d.some((x) => x.code === 'NL007'), 3);
    assert.match(await hoverAt(text), /\| momentum \| `0\.5` · PyTorch: new batch weighs 0\.5/);
    const lenses = (await c.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: u } })) as CodeLens[];
    assert.deepEqual(lenses.map((l) => l.range.start.line), [bnLine(text)]);
    const layer = (lenses[0].command?.arguments?.[0] as { layer: { momentum: unknown } }).layer;
    assert.ok(JSON.stringify(layer).includes('0.5'), JSON.stringify(layer));
    // One more keystroke: the next version's hover, at the same place.
    await edit(4, text.indexOf('0.5') + 3, 0, '5');
    await c.waitDiags(u, () => true, 4);
    assert.match(await hoverAt(text), /\| momentum \| `0\.55`/);
  });

  it('hovers a Keras BatchNormalization with momentum in the Keras convention and no PyTorch layout', async () => {
    const text = 'from tensorflow import keras\n\nbn = keras.layers.BatchNormalization(momentum=0.1)\n';
    const root = makeProject({ 'model.py': text });
    const c = await start(root);
    const u = uri(path.join(root, 'model.py'));
    await c.open(u, text, 1);
    await c.waitDiags(u, (d) => d.some((x) => x.code === 'NL007'), 1);
    const character = text.split('\n')[2].indexOf('BatchNormalization') + 3;
    const hover = (await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: u }, position: { line: 2, character } })) as Hover;
    const md = (hover.contents as { value: string }).value;
    assert.match(md, /\| momentum \| `0\.1` · Keras: the moving average keeps 0\.1 of itself per batch; PyTorch equivalent `momentum=0\.9`/);
    assert.doesNotMatch(md, /\[N, C/);
  });

  it('reports ranges in UTF-16 code units after CJK, emoji and combining marks', async () => {
    const prefix = 'name = "中文😀e\u0301"; bn = nn.BatchNorm2d(8, momentum=0.9)';
    const text = `import torch.nn as nn\n${prefix}\n`;
    const root = makeProject({ 'm.py': text });
    const c = await start(root);
    const u = uri(path.join(root, 'm.py'));
    await c.open(u, text, 1);
    const [d] = await c.waitDiags(u, (x) => x.length === 1, 1);
    assert.equal(d.code, 'NL007');
    const col = prefix.indexOf('0.9)');
    assert.deepEqual(d.range, { start: { line: 1, character: col }, end: { line: 1, character: col + 3 } });
    // The quick fix edits exactly those code units.
    const [action] = ((await c.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: u }, range: d.range, context: { diagnostics: [d], only: ['quickfix'] } })) as CodeAction[]).filter((a) => a.isPreferred);
    assert.equal(applyTextEdits(text, editsOf(action, u)), text.replace('momentum=0.9)', 'momentum=0.1)'));
  });

  it('applies settings from workspace/configuration and re-analyzes when they change', async () => {
    const root = makeProject({ 'model.py': MODEL });
    const c = await start(root, { ignore: ['NL007'] });
    const u = uri(path.join(root, 'model.py'));
    await c.idle();
    assert.deepEqual(codes(c.diags(u)), []);
    c.settings = { ignore: [] };
    await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await c.waitDiags(u, (d) => codes(d).includes('NL007'));
    c.settings = { enable: false };
    await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await c.waitDiags(u, (d) => d.length === 0);
  });

  it('normlint.run = onSave analyzes on save only; normlint.minBatchSize sets NL004\'s threshold', async () => {
    const small = [
      'import torch',
      'from model import Net',
      '',
      'model = Net()',
      'opt = torch.optim.SGD(model.parameters(), lr=0.1)',
      'loader = torch.utils.data.DataLoader(list(range(1000)), batch_size=24, shuffle=True, drop_last=True)',
      'for x in loader:',
      '    model(x).sum().backward()',
      '    opt.step()',
      '',
    ].join('\n');
    const root = makeProject({ 'model.py': MODEL, 'train.py': small });
    const c = await start(root, { run: 'onSave', minBatchSize: 32 });
    const model = uri(path.join(root, 'model.py'));
    const train = uri(path.join(root, 'train.py'));
    await c.open(train, small, 1);
    await c.waitDiags(train, (d) => codes(d).includes('NL004'), 1);
    await c.open(model, MODEL, 1);
    await c.waitDiags(model, (d) => codes(d).includes('NL007'), 1);
    // Typing does not analyze...
    const fixed = MODEL.replace('momentum=0.99', 'momentum=0.01');
    await c.change(model, 2, [{ text: fixed }]);
    const before = c.statuses.length;
    await c.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: train } }); // a round trip
    assert.equal(c.statuses.length, before, 'no analysis ran on a change');
    assert.ok(codes(c.diags(model)).includes('NL007'));
    // ...saving does.
    await c.conn.sendNotification('textDocument/didSave', { textDocument: { uri: model } });
    await c.waitDiags(model, (d) => !codes(d).includes('NL007'), 2);
    // With the default threshold (16), a batch of 24 is fine.
    c.settings = { run: 'onSave' };
    await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await c.waitDiags(train, (d) => !codes(d).includes('NL004'));
  });

  it('updates findings in train.py when model.py changes on disk (file watcher) or in the editor', async () => {
    const plain = MODEL.replace('        self.bn = nn.BatchNorm2d(16, momentum=0.99)\n', '').replace('self.bn(self.conv(x))', 'self.conv(x)');
    const evalless = TRAIN.replace('model.eval()\n', '');
    const root = makeProject({ 'model.py': plain, 'train.py': evalless });
    const c = await start(root);
    const train = uri(path.join(root, 'train.py'));
    const model = uri(path.join(root, 'model.py'));
    await c.open(train, evalless, 1);
    await c.idle();
    assert.deepEqual(codes(c.diags(train)), [], 'no BatchNorm, no NL001');
    // The model gains a BatchNorm on disk: inference in training mode in train.py.
    fs.writeFileSync(path.join(root, 'model.py'), MODEL);
    await c.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: model, type: 2 }] });
    await c.waitDiags(train, (d) => codes(d).includes('NL001'));
    // Opened and edited in the editor (unsaved): the BatchNorm goes again.
    await c.open(model, MODEL, 1);
    await c.change(model, 2, [{ text: plain }]);
    await c.waitDiags(train, (d) => !codes(d).includes('NL001'));
    // A new file is picked up.
    fs.writeFileSync(path.join(root, 'other.py'), 'import torch.nn as nn\nbn = nn.BatchNorm1d(4, momentum=0.9)\n');
    await c.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri(path.join(root, 'other.py')), type: 1 }] });
    await c.waitDiags(uri(path.join(root, 'other.py')), (d) => codes(d).includes('NL007'));
  });

  it('a broken config file gets one clear diagnostic and the server keeps serving', async () => {
    const root = makeProject({ 'model.py': MODEL, 'normlint.toml': 'select = ["NL007"]\nmin-batch-sise = 4\n' });
    const c = await start(root);
    const cfg = uri(path.join(root, 'normlint.toml'));
    const [d] = await c.waitDiags(cfg, (x) => x.length === 1);
    assert.equal(d.range.start.line, 1);
    assert.match(String(d.message), /min-batch-sise/);
    assert.match(String(d.message), /min-batch-size/, 'suggests the right key');
    await c.waitDiags(uri(path.join(root, 'model.py')), (x) => codes(x).includes('NL007'));
    // Fixed: the config diagnostic goes and the config applies.
    fs.writeFileSync(path.join(root, 'normlint.toml'), 'ignore = ["NL007"]\n');
    await c.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: cfg, type: 2 }] });
    await c.waitDiags(cfg, (x) => x.length === 0);
    await c.waitDiags(uri(path.join(root, 'model.py')), (x) => x.length === 0);
  });

  it('survives 1,000 rapid edits and ends with the findings of the final text', async () => {
    const root = makeProject({ 'model.py': MODEL, 'train.py': TRAIN });
    // No debounce: analyses start between edits and are abandoned or superseded.
    const c = await start(root, { debounceMs: 0 });
    const u = uri(path.join(root, 'model.py'));
    await c.open(u, MODEL, 1);
    await c.waitDiags(u, (d) => d.length > 0, 1);
    let text = MODEL;
    let version = 1;
    const at = MODEL.indexOf('momentum=0.99') + 'momentum=0.9'.length; // before the last 9
    // Type and delete characters at the momentum literal, plus garbage that breaks the syntax for a while.
    for (let i = 0; i < 1000; i++) {
      const line = text.slice(0, at).split('\n').length - 1;
      const character = at - text.lastIndexOf('\n', at - 1) - 1;
      let change;
      if (i % 2 === 0) {
        const ch = i % 10 === 0 ? '(' : String(i % 10);
        change = { range: { start: { line, character }, end: { line, character } }, text: ch };
        text = text.slice(0, at) + ch + text.slice(at);
      } else {
        change = { range: { start: { line, character }, end: { line, character: character + 1 } }, text: '' };
        text = text.slice(0, at) + text.slice(at + 1);
      }
      await c.change(u, ++version, [change]);
    }
    assert.equal(text, MODEL);
    // Then a final edit that removes the bug.
    const fixedText = MODEL.replace('momentum=0.99', 'momentum=0.01');
    await c.change(u, ++version, [{ text: fixedText }]);
    const final = await c.waitDiags(u, (d) => !codes(d).includes('NL007'), version, 30000);
    assert.deepEqual(codes(final), []);
    assert.ok(c.alive, 'server alive');
    // Every publication was for the version current when it was sent, so versions never go back.
    assert.ok(c.statuses.length > 2, 'several analyses ran during the edits');
    // Still answers requests.
    const lenses = (await c.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: u } })) as CodeLens[];
    assert.equal(lenses.length, 1);
  });

  it('never dies on bad input: out-of-range edits, binary and huge files, unknown commands', async () => {
    const root = makeProject({ 'model.py': MODEL, 'bin.py': new Uint8Array([0x69, 0x6d, 0, 1, 2, 0xff]), 'bad.py': 'def (:\n  bn = nn.BatchNorm2d(8, momentum=0.9\n' });
    const c = await start(root);
    await c.idle();
    const u = uri(path.join(root, 'model.py'));
    await c.open(u, MODEL, 1);
    await c.change(u, 2, [{ range: { start: { line: 999, character: 0 }, end: { line: 1000, character: 5 } }, text: 'x' }]);
    await c.conn.sendRequest('workspace/executeCommand', { command: 'normlint.nope', arguments: [] });
    await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: 'file:///nowhere/x.py' }, position: { line: 0, character: 0 } });
    await c.open(uri(path.join(root, 'huge.py')), 'x = 1\n'.repeat(2_000_000), 1);
    await c.change(u, 3, [{ text: MODEL.replace('0.99', '0.1') }]);
    await c.waitDiags(u, (d) => d.length === 0, 3);
    assert.ok(c.alive);
  });

  it('reports unreadable noqa directives and files too large to analyze as information, not findings', async () => {
    const bad = 'import torch.nn as nn\nbn = nn.BatchNorm2d(8)  # noqa: 401\n';
    const root = makeProject({ 'bad_noqa.py': bad });
    const c = await start(root);
    const u = uri(path.join(root, 'bad_noqa.py'));
    await c.open(u, bad, 1);
    const [d] = await c.waitDiags(u, (x) => x.length === 1, 1);
    assert.equal(d.severity, 3);
    assert.equal(d.code, undefined);
    assert.equal(d.range.start.line, 1);
    assert.match(String(d.message), /^invalid suppression directive: expected a comma-separated list of codes/);
    const huge = uri(path.join(root, 'huge.py'));
    await c.open(huge, bad.replace('  # noqa: 401', '') + 'x = 1\n'.repeat(2_000_000), 1);
    const [h] = await c.waitDiags(huge, (x) => x.length === 1, 1);
    assert.equal(h.severity, 3);
    assert.equal(h.message, 'file too large to analyze; skipped');
  });

  it('publishes an opened file first while the folder is still being indexed', async () => {
    const files: Record<string, string> = { 'model.py': MODEL };
    // A folder large enough that indexing it takes a while.
    for (let i = 0; i < 150; i++) files[`pkg${i}/net.py`] = MODEL.replace('class Net', `class Net${i}`).repeat(3);
    const root = makeProject(files);
    const c = await start(root);
    const u = uri(path.join(root, 'model.py'));
    await c.open(u, MODEL, 1);
    await c.waitDiags(u, (d) => codes(d).includes('NL007'), 1, 60000);
    const others = [...c.diagnostics.keys()].filter((k) => k !== u);
    assert.ok(others.length < 150, `the opened file came before the rest of the folder (${others.length} other files already published)`);
    await c.idle(0, 60000);
    await c.waitFor('every file published', () => [...c.diagnostics.keys()].length === 151, 60000);
  });

  it('lints a loose file outside any workspace folder', async () => {
    const dir = makeProject({ 'loose.py': MODEL });
    const c = await start(null);
    const u = uri(path.join(dir, 'loose.py'));
    await c.open(u, MODEL, 1);
    await c.waitDiags(u, (d) => codes(d).includes('NL007'), 1);
    await c.close(u);
    await c.waitDiags(u, (d) => d.length === 0);
  });
});
