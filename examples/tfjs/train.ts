/**
 * Trains a CIFAR-10 classifier in Node (tfjs-node).
 *
 *   npx tsx train.ts --data ./cifar-10-batches-bin                  # ResNet, model.fit
 *   npx tsx train.ts --model small --augment                         # flips and crops, fitDataset
 *   npx tsx train.ts --schedule                                      # custom loop, cosine LR
 */
import {parseArgs} from 'node:util';
import * as tf from '@tensorflow/tfjs-node';
import {loadCifar10} from './data';
import {buildMlp, buildResNet, buildSmallCnn} from './model';
import {predictTopK} from './predict.js';

const BATCH_SIZE = 64;

function compile(model: tf.LayersModel, learningRate = 1e-3): void {
  model.compile({optimizer: tf.train.adam(learningRate), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
}

async function trainWithFit(model: tf.LayersModel, xs: tf.Tensor4D, ys: tf.Tensor2D, epochs: number): Promise<void> {
  compile(model);
  await model.fit(xs, ys, {batchSize: BATCH_SIZE, epochs, validationSplit: 0.1, shuffle: true});
}

/** Random horizontal flips and 4-pixel shifts, one image at a time, so nothing is materialized. */
function augmented(xs: tf.Tensor4D, ys: tf.Tensor2D): tf.data.Dataset<tf.TensorContainer> {
  const count = xs.shape[0];
  return tf.data.generator(function* () {
    for (let i = 0; i < count; i++) {
      yield tf.tidy(() => {
        let image = tf.slice(xs, [i, 0, 0, 0], [1, 32, 32, 3]);
        if (Math.random() < 0.5) image = tf.image.flipLeftRight(image);
        const padded = tf.pad(image, [[0, 0], [4, 4], [4, 4], [0, 0]]);
        const top = Math.floor(Math.random() * 9);
        const left = Math.floor(Math.random() * 9);
        const crop = tf.slice(padded, [0, top, left, 0], [1, 32, 32, 3]);
        return {xs: tf.squeeze(crop, [0]), ys: tf.squeeze(tf.slice(ys, [i, 0], [1, -1]), [0])};
      });
    }
  });
}

async function trainWithAugmentation(model: tf.LayersModel, xs: tf.Tensor4D, ys: tf.Tensor2D, epochs: number): Promise<void> {
  compile(model);
  const dataset = augmented(xs, ys).shuffle(1024).batch(2);  // expect: NL004
  await model.fitDataset(dataset, {epochs});
}

/**
 * A hand-written loop: SGD with Nesterov momentum and a cosine learning rate updated every step.
 */
async function trainWithSchedule(model: tf.LayersModel, xs: tf.Tensor4D, ys: tf.Tensor2D, epochs: number): Promise<void> {
  const optimizer = tf.train.momentum(0.1, 0.9, true);
  const count = xs.shape[0];
  const stepsPerEpoch = Math.ceil(count / BATCH_SIZE);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = tf.util.createShuffledIndices(count);
    let total = 0;
    for (let step = 0; step < stepsPerEpoch; step++) {
      const progress = (epoch * stepsPerEpoch + step) / (epochs * stepsPerEpoch);
      optimizer.setLearningRate(0.05 * (1 + Math.cos(Math.PI * progress)));
      const batch = tf.tensor1d(Int32Array.from(order.subarray(step * BATCH_SIZE, (step + 1) * BATCH_SIZE)), 'int32');
      const cost = optimizer.minimize(() => {
        const probs = model.apply(tf.gather(xs, batch)) as tf.Tensor;  // expect: NL002
        return tf.mean(tf.metrics.categoricalCrossentropy(tf.gather(ys, batch), probs)) as tf.Scalar;
      }, true);
      total += (await cost!.data())[0];
      tf.dispose([cost!, batch]);
    }
    console.log(`epoch ${epoch + 1}/${epochs}: loss ${(total / stepsPerEpoch).toFixed(4)}`);
  }
}

async function main(): Promise<void> {
  const {values: args} = parseArgs({
    options: {
      data: {type: 'string', default: './cifar-10-batches-bin'},
      model: {type: 'string', default: 'resnet'},
      epochs: {type: 'string', default: '30'},
      augment: {type: 'boolean', default: false},
      schedule: {type: 'boolean', default: false},
      out: {type: 'string', default: 'file://./checkpoints/cifar'},
    },
  });
  const epochs = Number(args.epochs);
  const train = loadCifar10(args.data, 'train');
  const test = loadCifar10(args.data, 'test');

  const model = args.model === 'small' ? buildSmallCnn() : args.model === 'mlp' ? buildMlp() : buildResNet();
  model.summary();

  if (args.schedule) {
    await trainWithSchedule(model, train.xs, train.ys, epochs);
    compile(model); // evaluate() needs the loss and metrics
  } else if (args.augment) {
    await trainWithAugmentation(model, train.xs, train.ys, epochs);
  } else {
    await trainWithFit(model, train.xs, train.ys, epochs);
  }

  const [loss, accuracy] = model.evaluate(test.xs, test.ys, {batchSize: 256}) as tf.Scalar[];
  console.log(`test loss ${loss.dataSync()[0].toFixed(4)}, accuracy ${accuracy.dataSync()[0].toFixed(4)}`);

  // Eyeball a few test images.
  const sample = test.xs.slice(0, 8);
  const guesses = await predictTopK(model, sample, 3);
  guesses.forEach((top, i) => console.log(`#${i}: ${top.map((g) => `${g.label} ${(100 * g.probability).toFixed(1)}%`).join(', ')}`));

  await model.save(args.out);
  if (args.model === 'resnet') {
    // transfer.ts starts from the trained trunk.
    await (model.getLayer('features') as tf.LayersModel).save(`${args.out}-features`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
