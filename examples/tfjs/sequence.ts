/**
 * Human activity recognition from phone accelerometer windows: 128 samples (2.56 s at 50 Hz) of
 * x/y/z acceleration, six activities.
 *
 * - `buildStepTagger` labels every sample, to segment long recordings.
 * - `buildWindowClassifier` labels a whole window: conv stem, then an LSTM.
 * - `buildBiGruClassifier` is the bigger variant we are evaluating.
 *
 *   npx tsx sequence.ts --data ./har-windows.json
 */
import {readFileSync} from 'node:fs';
import {parseArgs} from 'node:util';
import * as tf from '@tensorflow/tfjs-node';

export const WINDOW = 128;
export const CHANNELS = 3;
export const ACTIVITIES = ['walking', 'upstairs', 'downstairs', 'sitting', 'standing', 'lying'];

/** Two stacked LSTMs and a softmax at every time step. */
export function buildStepTagger(): tf.LayersModel {
  const input = tf.input({shape: [WINDOW, CHANNELS]});
  let x = tf.layers.lstm({units: 64, returnSequences: true}).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;  // expect: NL005
  x = tf.layers.lstm({units: 64, returnSequences: true}).apply(x) as tf.SymbolicTensor;
  const classifier = tf.layers.dense({units: ACTIVITIES.length, activation: 'softmax'});
  const output = tf.layers.timeDistributed({layer: classifier}).apply(x) as tf.SymbolicTensor;
  return tf.model({inputs: input, outputs: output});
}

/** Conv stem (BatchNorm belongs there), then an LSTM whose last state feeds the head. */
export function buildWindowClassifier(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv1d({inputShape: [WINDOW, CHANNELS], filters: 32, kernelSize: 5, padding: 'same', useBias: false}),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
      tf.layers.maxPooling1d({poolSize: 2}),
      tf.layers.conv1d({filters: 64, kernelSize: 5, padding: 'same', useBias: false}),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
      tf.layers.lstm({units: 64}),
      tf.layers.batchNormalization(),
      tf.layers.dense({units: ACTIVITIES.length, activation: 'softmax'}),
    ],
  });
}

export function buildBiGruClassifier(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.bidirectional({layer: tf.layers.gru({units: 64, returnSequences: true}), inputShape: [WINDOW, CHANNELS]}));
  model.add(tf.layers.batchNormalization({momentum: 0.99}));  // expect: NL005
  model.add(tf.layers.gru({units: 64}));
  model.add(tf.layers.dropout({rate: 0.3}));
  model.add(tf.layers.dense({units: ACTIVITIES.length, activation: 'softmax'}));
  return model;
}

interface Recordings {
  windows: number[][][]; // [N, WINDOW, CHANNELS]
  labels: number[]; // activity index per window
}

async function main(): Promise<void> {
  const {values: args} = parseArgs({options: {data: {type: 'string', default: './har-windows.json'}, epochs: {type: 'string', default: '40'}}});
  const data = JSON.parse(readFileSync(args.data, 'utf8')) as Recordings;
  const xs = tf.tensor3d(data.windows);
  const ys = tf.cast(tf.oneHot(tf.tensor1d(data.labels, 'int32'), ACTIVITIES.length), 'float32');
  const epochs = Number(args.epochs);

  for (const [name, model] of [['window', buildWindowClassifier()], ['bigru', buildBiGruClassifier()]] as const) {
    model.compile({optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy']});
    const history = await model.fit(xs, ys, {batchSize: 32, epochs, validationSplit: 0.2, shuffle: true});
    console.log(`${name}: val accuracy ${history.history.val_acc.at(-1)}`);
  }

  // The tagger learns the window's label at every step.
  const tagger = buildStepTagger();
  tagger.compile({optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  const steps = tf.tile(tf.expandDims(ys, 1), [1, WINDOW, 1]);
  await tagger.fit(xs, steps, {batchSize: 32, epochs, validationSplit: 0.2});
  await tagger.save('file://./checkpoints/har-tagger');
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
