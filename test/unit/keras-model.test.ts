/**
 * The Keras frontend of the Python model: import paths canonicalized to one name, the layer
 * and applications tables, and the layer reports (hovers, BN Lab) of Keras layers.
 */
import assert from 'node:assert/strict';
import { canonicalKerasName, kerasLayer } from '../../linter/src/model/frameworks/keras';
import { kerasApplicationCarry } from '../../linter/src/model/frameworks/factories';
import { canonicalTorchName } from '../../linter/src/model/frameworks/pytorch';
import { allRulesConfig, findings, lintFiles, testEngine } from '../helpers/project';
import type { LayerReport } from '../../linter/src/core/engine';

async function layers(files: Record<string, string>): Promise<LayerReport[]> {
  const engine = await testEngine();
  const facts = Object.entries(files).map(([path, text]) => engine.analyze({ path, text }));
  const cfg = allRulesConfig();
  engine.lint(facts, { configFor: () => cfg, textOf: (p) => files[p], collectLayers: true });
  return engine.lastLayers;
}

const arg = (l: LayerReport, name: string) => l.args.find((a) => a.name === name)!;

describe('Keras model', () => {
  it('canonicalizes every import path of Keras 3, tf.keras and tf_keras', () => {
    for (const q of [
      'keras.layers.BatchNormalization',
      'tensorflow.keras.layers.BatchNormalization',
      'tf_keras.layers.BatchNormalization',
      'tensorflow.python.keras.layers.BatchNormalization',
      'keras.src.layers.normalization.batch_normalization.BatchNormalization',
      'keras.layers.normalization.batch_normalization.BatchNormalization',
      'tensorflow.compat.v1.keras.layers.BatchNormalization',
    ]) assert.equal(canonicalTorchName(q), 'keras.layers.BatchNormalization', q);
    assert.equal(canonicalKerasName('tensorflow.keras.models.Sequential'), 'keras.Sequential');
    assert.equal(canonicalKerasName('keras.src.models.functional.Functional'), 'keras.Model');
    assert.equal(canonicalKerasName('keras.layers.Input'), 'keras.Input');
    assert.equal(canonicalKerasName('tensorflow.keras.applications.resnet50.ResNet50'), 'keras.applications.ResNet50');
    assert.equal(canonicalKerasName('tensorflow.keras'), 'keras');
    assert.equal(canonicalKerasName('tensorflow.nn.relu'), 'tensorflow.nn.relu');
    assert.equal(canonicalTorchName('torch.nn.modules.batchnorm.BatchNorm2d'), 'torch.nn.BatchNorm2d');
  });

  it('knows layer signatures with Keras defaults, and any other keras.layers class as a shape-changing layer', () => {
    const bn = kerasLayer('keras.layers.BatchNormalization')!;
    assert.equal(bn.framework, 'keras');
    assert.deepEqual(bn.params.slice(0, 3), [{ name: 'axis', def: '-1' }, { name: 'momentum', def: '0.99' }, { name: 'epsilon', def: '0.001' }]);
    assert.equal(kerasLayer('keras.layers.Dense')!.biasParam, 'use_bias');
    assert.equal(kerasLayer('keras.layers.Conv2D')!.outParam, 'filters');
    assert.equal(kerasLayer('keras.layers.DepthwiseConv2D')!.outParam, undefined);
    assert.equal(kerasLayer('keras.layers.Reshape')!.kind, 'other');
    assert.equal(kerasLayer('keras.layers.Layer'), undefined, 'a base class, not a layer');
  });

  it('knows which keras.applications models carry BatchNorm', () => {
    assert.deepEqual(kerasApplicationCarry('keras.applications.MobileNetV2'), { batchnorm: true, dropout: false });
    assert.deepEqual(kerasApplicationCarry('keras.applications.EfficientNetB3'), { batchnorm: true, dropout: true });
    assert.deepEqual(kerasApplicationCarry('keras.applications.VGG16'), { batchnorm: false, dropout: false });
    assert.deepEqual(kerasApplicationCarry('keras.applications.ConvNeXtTiny'), { batchnorm: false, dropout: false });
    assert.equal(kerasApplicationCarry('keras.applications.SomeFutureNet'), null, 'unknown');
    assert.equal(kerasApplicationCarry('keras.applications.resnet50.preprocess_input'), undefined, 'not a model');
  });

  it('reports Keras BatchNormalization with Keras defaults and its momentum in both conventions', async () => {
    const src = [
      'import tensorflow as tf',
      'from tensorflow.keras import layers',
      'model = tf.keras.Sequential([',
      '    layers.Conv2D(16, 3),',
      '    layers.BatchNormalization(momentum=0.9),',
      '])',
      'model.fit(x, y, batch_size=64)',
      '',
    ].join('\n');
    const [bn] = await layers({ 'm.py': src });
    assert.equal(bn.q, 'keras.layers.BatchNormalization');
    assert.equal(bn.framework, 'keras');
    assert.equal(bn.dims, null);
    assert.deepEqual(arg(bn, 'axis'), { name: 'axis', value: '-1', constant: -1, defaulted: true });
    assert.deepEqual(arg(bn, 'epsilon'), { name: 'epsilon', value: '0.001', constant: 0.001, defaulted: true });
    assert.deepEqual(bn.momentum, { torch: 0.1, keras: 0.9, cumulative: false });
    assert.deepEqual(bn.producer && { q: bn.producer.q, bias: bn.producer.bias }, { q: 'keras.layers.Conv2D', bias: true });
    assert.deepEqual(bn.batchSizes, [64]);
    assert.ok(bn.uses.some((u) => u.kind === 'train-step'));
  });

  it('a producer with its own activation is not reported as feeding the norm layer', async () => {
    const src = 'from keras import layers\nimport keras\nm = keras.Sequential([layers.Dense(8, activation="relu"), layers.BatchNormalization()])\n';
    const [bn] = await layers({ 'm.py': src });
    assert.equal(bn.producer, null);
  });

  it('keeps PyTorch and Keras apart: a Keras momentum in PyTorch, a PyTorch momentum in Keras, both in one file', async () => {
    const src = [
      'import torch.nn as nn',
      'from tensorflow.keras import layers',
      'torch_bn = nn.BatchNorm2d(8, momentum=0.9)',
      'keras_bn = layers.BatchNormalization(momentum=0.9)',
      'torch_ok = nn.BatchNorm2d(8, momentum=0.1)',
      'keras_bad = layers.BatchNormalization(momentum=0.1)',
      '',
    ].join('\n');
    const files = { 'm.py': src };
    assert.deepEqual(findings(files, await lintFiles(files)), ['m.py:3:NL007', 'm.py:6:NL007']);
  });

  it('follows Keras models across files: a model built in one file, trained with small batches in another', async () => {
    const files = {
      'model.py': 'from tensorflow import keras\nfrom tensorflow.keras import layers\n\ndef build():\n    return keras.Sequential([keras.Input(shape=(8,)), layers.Dense(16, use_bias=False), layers.BatchNormalization(), layers.Dense(1)])\n',
      'train.py': 'from model import build\n\nBATCH = 4\nmodel = build()\nmodel.compile(optimizer="adam", loss="mse")\nmodel.fit(x, y, batch_size=BATCH)\n',
    };
    assert.deepEqual(findings(files, await lintFiles(files)), ['train.py:6:NL004']);
  });
});
