/**
 * The text pre-filter that decides which files a whole-project run parses.
 */
import assert from 'node:assert/strict';
import { isSeedText, scanImportLines, usesImportedNames } from '../../linter/src/model/python/prefilter';

describe('pre-filter', () => {
  it('seeds need a framework and something a rule reacts to', () => {
    assert.equal(isSeedText('import torch.nn as nn\nbn = nn.BatchNorm2d(8)\n'), true);
    assert.equal(isSeedText('import torch\nwith torch.no_grad():\n    pass\n'), true);
    assert.equal(isSeedText('from torch.utils.data import DataLoader\n'), true);
    assert.equal(isSeedText('import torch\nx = torch.ones(3)\n'), false, 'a framework alone');
    assert.equal(isSeedText('def test():\n    model.eval()\n'), false, 'no framework (stdlib-like code)');
  });

  it('seeds Keras files: layers, forced training flags, fit and tf.data batches, applications', () => {
    assert.equal(isSeedText('from tensorflow.keras import layers\nbn = layers.BatchNormalization()\n'), true);
    assert.equal(isSeedText('import keras\nx = model(x, training=True)\n'), true);
    assert.equal(isSeedText('import tf_keras as keras\nbase.trainable = False\n'), true);
    assert.equal(isSeedText('import tensorflow as tf\nds = tf.data.Dataset.range(8).batch(4)\n'), true);
    assert.equal(isSeedText('import tensorflow as tf\nhistory = model.fit(x, y)\n'), true);
    assert.equal(isSeedText('from keras import applications\nbase = applications.ResNet50()\n'), true);
    assert.equal(isSeedText('import tensorflow as tf\nx = tf.ones(3)\n'), false, 'a framework alone');
    assert.equal(isSeedText('import torch\ny = F.batch_norm(x, m, v, training=True)\n'), false, 'Keras words count in Keras files only');
  });

  it('reads import lines with aliases, relative levels and parenthesized lists', () => {
    const imps = scanImportLines('import a.b as ab, c\nfrom ..pkg.mod import (x,\n    y as z)\n    from . import w\n');
    assert.deepEqual(
      imps.map((i) => [i.level, i.module, i.name, i.asname]),
      [[0, 'a.b', null, 'ab'], [0, 'c', null, null], [2, 'pkg.mod', 'x', null], [2, 'pkg.mod', 'y', 'z'], [1, '', 'w', null]],
    );
  });

  it('an importer counts when it uses an imported name outside the import lines', () => {
    const imps = scanImportLines('from train import run\nimport models as m\n');
    assert.equal(usesImportedNames('from train import run\nrun(build())\n', imps), true);
    assert.equal(usesImportedNames('import models as m\nnet = m.Net()\n', imps), true);
    assert.equal(usesImportedNames('from train import run\nimport models as m\nclass X(Base):\n    pass\n', imps), false);
  });
});
