/**
 * CIFAR-10 from the "binary version" archive (cifar-10-batches-bin/): each record is one label
 * byte followed by 3072 pixel bytes, stored as three 32×32 planes (R, G, B).
 */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import * as tf from '@tensorflow/tfjs-node';

const PIXELS = 32 * 32;
const RECORD_BYTES = 1 + 3 * PIXELS;
const FILES = {
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: ['test_batch.bin'],
};

export interface Split {
  xs: tf.Tensor4D; // [N, 32, 32, 3], in [0, 1]
  ys: tf.Tensor2D; // [N, 10], one-hot
}

export function loadCifar10(dir: string, split: 'train' | 'test'): Split {
  const buffers = FILES[split].map((name) => readFileSync(join(dir, name)));
  const count = buffers.reduce((sum, buf) => sum + buf.length / RECORD_BYTES, 0);
  const images = new Float32Array(count * 3 * PIXELS);
  const labels = new Int32Array(count);
  let i = 0;
  for (const buf of buffers) {
    for (let offset = 0; offset < buf.length; offset += RECORD_BYTES, i++) {
      labels[i] = buf[offset];
      // Planar (CHW) in the file, interleaved (HWC) for tfjs.
      for (let p = 0; p < PIXELS; p++) {
        for (let c = 0; c < 3; c++) {
          images[(i * PIXELS + p) * 3 + c] = buf[offset + 1 + c * PIXELS + p] / 255;
        }
      }
    }
  }
  return tf.tidy(() => ({
    xs: tf.tensor4d(images, [count, 32, 32, 3]),
    ys: tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 10), 'float32') as tf.Tensor2D,
  }));
}
