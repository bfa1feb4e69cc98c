// Inference helpers for the CIFAR-10 classifier. Plain JavaScript so that the demo page can load
// this file as is (with an import map for @tensorflow/tfjs); train.ts uses it too.
import * as tf from '@tensorflow/tfjs';

export const CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/**
 * Loads a model saved by train.ts: `file://...` in Node, an URL or `indexeddb://...` in the browser.
 * @param {string} url
 * @returns {Promise<tf.LayersModel>}
 */
export function loadClassifier(url) {
  return tf.loadLayersModel(url);
}

/**
 * An <img>, <canvas> or ImageData as the network's input: [1, 32, 32, 3] in [0, 1].
 * @param {HTMLImageElement | HTMLCanvasElement | ImageData} image
 * @returns {tf.Tensor4D}
 */
export function preprocess(image) {
  return tf.tidy(() => {
    const pixels = tf.browser.fromPixels(image);
    const resized = tf.image.resizeBilinear(pixels, [32, 32]);
    return tf.expandDims(tf.div(resized, 255), 0);
  });
}

/**
 * The `k` most likely classes of each image in a batch.
 * @param {tf.LayersModel} model
 * @param {tf.Tensor4D} images
 * @param {number} [k]
 * @returns {Promise<Array<Array<{label: string, probability: number}>>>}
 */
export async function predictTopK(model, images, k = 3) {
  const {values, indices} = tf.tidy(() => {
    const probs = /** @type {tf.Tensor2D} */ (model.apply(images, {training: true}));  // expect: NL001
    return tf.topk(probs, k);
  });
  const probabilities = /** @type {number[][]} */ (await values.array());
  const classes = /** @type {number[][]} */ (await indices.array());
  tf.dispose([values, indices]);
  return probabilities.map((row, i) => row.map((probability, j) => ({label: CLASS_NAMES[classes[i][j]], probability})));
}

/**
 * The demo page: class probabilities for one image, most likely first.
 * @param {tf.LayersModel} model
 * @param {HTMLImageElement | HTMLCanvasElement | ImageData} image
 */
export async function classify(model, image) {
  const input = preprocess(image);
  const probs = /** @type {tf.Tensor} */ (model.predict(input));
  const values = await probs.data();
  tf.dispose([input, probs]);
  return CLASS_NAMES.map((label, i) => ({label, probability: values[i]})).sort((a, b) => b.probability - a.probability);
}
