/**
 * Fine-tunes the CIFAR-10 ResNet trunk (saved by train.ts) on a few hundred of our own photos,
 * in the two phases of the Keras transfer-learning guide: train a new head on the frozen trunk,
 * then unfreeze the trunk and fine-tune everything with a small learning rate.
 *
 *   npx tsx transfer.ts --photos ./photos.json --trunk file://./checkpoints/cifar-features/model.json
 */
import {readFileSync} from 'node:fs';
import {parseArgs} from 'node:util';
import * as tf from '@tensorflow/tfjs-node';
import {buildFeatureExtractor, IMAGE_SHAPE} from './model';

interface Photos {
  classes: string[];
  images: number[][][][]; // [N, 32, 32, 3], in [0, 1]
  labels: number[];
}

/** Same architecture as the checkpoint: build it from model.ts and copy the trained weights in. */
async function loadTrunk(url: string): Promise<tf.LayersModel> {
  const trunk = buildFeatureExtractor();
  const saved = await tf.loadLayersModel(url);
  trunk.setWeights(saved.getWeights());
  saved.dispose();
  return trunk;
}

function buildTransferModel(trunk: tf.LayersModel, numClasses: number): tf.LayersModel {
  trunk.trainable = false;
  const input = tf.input({shape: IMAGE_SHAPE});
  // Pixel noise as augmentation (GaussianNoise is only active while training).
  const noisy = tf.layers.gaussianNoise({stddev: 0.05}).apply(input) as tf.SymbolicTensor;
  let x = trunk.apply(noisy) as tf.SymbolicTensor;
  x = tf.layers.dense({units: 128}).apply(x) as tf.SymbolicTensor;  // expect: NL003
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({rate: 0.3}).apply(x) as tf.SymbolicTensor;
  const output = tf.layers.dense({units: numClasses, activation: 'softmax'}).apply(x) as tf.SymbolicTensor;
  return tf.model({inputs: input, outputs: output});
}

async function main(): Promise<void> {
  const {values: args} = parseArgs({
    options: {
      photos: {type: 'string', default: './photos.json'},
      trunk: {type: 'string', default: 'file://./checkpoints/cifar-features/model.json'},
    },
  });
  const photos = JSON.parse(readFileSync(args.photos, 'utf8')) as Photos;
  const xs = tf.tensor4d(photos.images);
  const ys = tf.cast(tf.oneHot(tf.tensor1d(photos.labels, 'int32'), photos.classes.length), 'float32');

  const trunk = await loadTrunk(args.trunk);
  const model = buildTransferModel(trunk, photos.classes.length);

  // Phase 1: the head only.
  model.compile({optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  await model.fit(xs, ys, {batchSize: 32, epochs: 20, validationSplit: 0.2, shuffle: true});

  // Phase 2: everything, with a learning rate small enough not to wreck the trunk.
  trunk.trainable = true;
  model.compile({optimizer: tf.train.adam(1e-5), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  await model.fit(xs, ys, {batchSize: 32, epochs: 10, validationSplit: 0.2, shuffle: true});

  const probs = model.predict(xs.slice(0, 4)) as tf.Tensor;
  probs.argMax(-1).print();
  await model.save('file://./checkpoints/photos');
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
