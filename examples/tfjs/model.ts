/**
 * Model builders for the CIFAR-10 classifier (32×32 RGB images, 10 classes).
 *
 * `buildResNet` is the model we ship: a small ResNet ported from our PyTorch code.
 * `buildSmallCnn` is the baseline we started from and `buildMlp` a dense baseline on raw pixels.
 * transfer.ts reuses the ResNet trunk (`buildFeatureExtractor`).
 */
import * as tf from '@tensorflow/tfjs';

export const IMAGE_SHAPE: [number, number, number] = [32, 32, 3];
export const NUM_CLASSES = 10;

type Symbolic = tf.SymbolicTensor;

/** 3×3 conv → BatchNorm → ReLU. The conv has no bias: BatchNorm's beta takes its place. */
function convBnRelu(x: Symbolic, filters: number, strides = 1): Symbolic {
  x = tf.layers.conv2d({filters, kernelSize: 3, strides, padding: 'same', useBias: false}).apply(x) as Symbolic;
  x = tf.layers.batchNormalization().apply(x) as Symbolic;
  return tf.layers.reLU().apply(x) as Symbolic;
}

/** ResNet basic block: two 3×3 convs and a shortcut (a 1×1 projection when downsampling). */
function residualBlock(x: Symbolic, filters: number, strides: number): Symbolic {
  let y = convBnRelu(x, filters, strides);
  y = tf.layers.conv2d({filters, kernelSize: 3, padding: 'same'}).apply(y) as Symbolic;  // expect: NL003
  y = tf.layers.batchNormalization({momentum: 0.1, epsilon: 1e-5}).apply(y) as Symbolic;  // expect: NL007

  let shortcut = x;
  if (strides !== 1) {
    shortcut = tf.layers.conv2d({filters, kernelSize: 1, strides, useBias: false}).apply(x) as Symbolic;
    shortcut = tf.layers.batchNormalization().apply(shortcut) as Symbolic;
  }
  y = tf.layers.add().apply([y, shortcut]) as Symbolic;
  return tf.layers.reLU().apply(y) as Symbolic;
}

/** The ResNet trunk: image → 256-d feature vector. */
export function buildFeatureExtractor(): tf.LayersModel {
  const input = tf.input({shape: IMAGE_SHAPE});
  let x = convBnRelu(input, 64);
  const stages: Array<[number, number]> = [[64, 1], [128, 2], [256, 2]];
  for (const [filters, strides] of stages) {
    x = residualBlock(x, filters, strides);
    x = residualBlock(x, filters, 1);
  }
  const features = tf.layers.globalAveragePooling2d({}).apply(x) as Symbolic;
  return tf.model({inputs: input, outputs: features, name: 'features'});
}

export function buildResNet(): tf.LayersModel {
  const input = tf.input({shape: IMAGE_SHAPE});
  const features = buildFeatureExtractor().apply(input) as Symbolic;
  const probs = tf.layers.dense({units: NUM_CLASSES, activation: 'softmax'}).apply(features) as Symbolic;
  return tf.model({inputs: input, outputs: probs, name: 'cifar_resnet'});
}

/** The first baseline: three conv → BN → ReLU → pool stages and a dense head. */
export function buildSmallCnn(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({inputShape: IMAGE_SHAPE, filters: 32, kernelSize: 3, padding: 'same', useBias: false}),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
      tf.layers.maxPooling2d({poolSize: 2}),
      tf.layers.conv2d({filters: 64, kernelSize: 3, padding: 'same', useBias: false}),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
      tf.layers.maxPooling2d({poolSize: 2}),
      tf.layers.conv2d({filters: 128, kernelSize: 3, padding: 'same', useBias: false}),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({units: 128}),
      tf.layers.reLU(),
      tf.layers.batchNormalization(),
      tf.layers.dropout({rate: 0.3}),
      tf.layers.dense({units: NUM_CLASSES, activation: 'softmax'}),
    ],
  });
}

/** Dense baseline on flattened pixels. */
export function buildMlp(hidden = 512): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.flatten({inputShape: IMAGE_SHAPE}));
  model.add(tf.layers.dense({units: hidden}));  // expect: NL003
  model.add(tf.layers.batchNormalization());
  model.add(tf.layers.activation({activation: 'relu'}));
  model.add(tf.layers.dense({units: hidden, activation: 'relu'}));
  model.add(tf.layers.batchNormalization());
  model.add(tf.layers.dropout({rate: 0.5}));
  model.add(tf.layers.dense({units: NUM_CLASSES, activation: 'softmax'}));
  return model;
}
