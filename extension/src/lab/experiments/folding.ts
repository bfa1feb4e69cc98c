/**
 * View 6, "Folding": the eval-mode BatchNorm folded into the convolution or linear layer before
 * it (what inference deployment does), compared with the unfolded pair.
 */
import * as tf from '@tensorflow/tfjs';
import { BatchNormSim, channelMoments } from '../core/batchnorm';
import { maxAxes13 } from '../core/kernels';
import { foldBatchNorm } from '../core/folding';
import { conv2dChannelsFirst, conv3dChannelsFirst, linear } from '../core/layers';
import { batchNormConfigOf, type LabConfig } from './config';
import { fromLayout, Rng, subSeed, toLayout } from './data';
import { download, fmt } from './util';

/** Result of {@link folding}. */
export interface FoldingResult {
  /** E.g. `Conv2d(3, 16, 3, padding=1)`. */
  readonly producer: string;
  /** A sample of unfolded eval-mode outputs (x of the scatter plot), sorted ascending. */
  readonly unfolded: number[];
  /** The folded layer's outputs at the same positions. */
  readonly folded: number[];
  /** The train-mode BatchNorm outputs at the same positions (folding does NOT reproduce these). */
  readonly trainMode: number[];
  /** Per-channel max |folded − unfolded|. */
  readonly channelMaxDiff: number[];
  /** Max |folded − unfolded| over every output value. */
  readonly maxDiff: number;
  /** Max |folded − train-mode BatchNorm| (what a model left in train mode would disagree by). */
  readonly trainModeMaxDiff: number;
  /** `null`, or why the layer cannot be folded (no running statistics). */
  readonly error: string | null;
  readonly takeaway: string;
}

/** Points of the scatter plot. */
const SAMPLE_POINTS = 200;

/**
 * Builds a seeded producer (Conv2d 3×3 for 2-D layers, Conv3d 3×3×3 for 3-D ones, Linear for 1-D
 * ones), a BatchNorm of
 * `cfg` whose running statistics come from a calibration batch and whose γ/β are seeded, folds
 * them with `foldBatchNorm`, and compares outputs on a probe batch of `cfg.batchSize`.
 */
export function folding(cfg: LabConfig): FoldingResult {
  const bn = batchNormConfigOf(cfg);
  const rng = new Rng(subSeed(cfg.seed, 9));
  const C = cfg.channels;
  const conv = cfg.dims >= 2;
  const conv3 = cfg.dims === 3;
  const cin = conv ? 3 : 8;
  const side = Math.max(cfg.spatial, 3);
  const bias = cfg.producer?.bias ?? true;
  const producer = conv ? `Conv${conv3 ? 3 : 2}d(${cin}, ${cfg.numFeatures}, 3, padding=1${bias ? '' : ', bias=False'})` : `Linear(${cin}, ${cfg.numFeatures}${bias ? '' : ', bias=False'})`;
  if (!cfg.trackRunningStats) {
    const error = 'track_running_stats=False: eval mode normalizes with batch statistics, so the layer cannot be folded';
    return { producer, unfolded: [], folded: [], trainMode: [], channelMaxDiff: [], maxDiff: NaN, trainModeMaxDiff: NaN, error, takeaway: `Nothing to fold: ${error}.` };
  }
  const wShape = conv3 ? [C, cin, 3, 3, 3] : conv ? [C, cin, 3, 3] : [C, cin];
  const fanIn = conv3 ? cin * 27 : conv ? cin * 9 : cin;
  const weightData = rng.normals(wShape.reduce((a, b) => a * b, 1)).map((v) => v / Math.sqrt(fanIn));
  const biasData = bias ? rng.normals(C).map((v) => 0.5 * v) : null;
  const inShape = (n: number): number[] => (conv3 ? [n, cin, side, side, side] : conv ? [n, cin, side, side] : [n, cin]);
  const draw = (n: number): Float32Array => rng.normals(inShape(n).reduce((a, b) => a * b, 1)).map((v) => 1.5 + 2 * v);
  const calibrationN = Math.max(cfg.batchSize, 16);
  const probeN = Math.max(cfg.batchSize, 2);
  const calibration = draw(calibrationN);
  const probeData = draw(probeN);
  const gamma = rng.normals(C).map((v) => 1 + 0.3 * v);
  const beta = rng.normals(C).map((v) => 0.3 * v);
  const sim = new BatchNormSim(bn, cfg.affine ? { weight: gamma, bias: beta } : {});
  const weight = tf.tensor(weightData, wShape);
  const b = biasData ? tf.tensor1d(biasData) : null;
  try {
    const produce = (x: tf.Tensor, w: tf.Tensor, bb: tf.Tensor1D | null): tf.Tensor =>
      conv3
        ? conv3dChannelsFirst(x as tf.Tensor5D, w as tf.Tensor5D, bb, 1)
        : conv
          ? conv2dChannelsFirst(x as tf.Tensor4D, w as tf.Tensor4D, bb, { padding: 1 })
          : linear(x as tf.Tensor2D, w as tf.Tensor2D, bb);
    // Running statistics of a layer trained on this data: the calibration batch's moments (one download).
    const momentsT = tf.tidy(() => {
      const { mean, variance } = channelMoments(produce(tf.tensor(calibration, inShape(calibrationN)), weight, b), 'channels-first');
      return tf.concat([mean, variance]);
    });
    const [moments] = download([momentsT]);
    sim.setState({ runningMean: moments!.subarray(0, C), runningVar: moments!.subarray(C) });
    const downloads = tf.tidy(() => {
      const x = tf.tensor(probeData, inShape(probeN));
      const y = toLayout(produce(x, weight, b), bn);
      const unfolded = fromLayout(sim.forward(y, 'eval').output, bn);
      const train = fromLayout(sim.forward(y, 'train', { updateState: false }).output, bn);
      const f = foldBatchNorm({ weight, bias: b }, sim.evalNormalization());
      const folded = produce(x, f.weight, f.bias);
      // Per-channel maxima over [N, C, (D,) H, W] (or [N, C]) viewed as [1, N, C, (D·)H·W].
      const perChannelMax = (t: tf.Tensor): tf.Tensor => tf.reshape(maxAxes13(tf.reshape(t, [1, t.shape[0]!, C, -1])), [C]);
      const channelMax = perChannelMax(tf.abs(tf.sub(folded, unfolded)));
      const summary = tf.concat([channelMax, tf.stack([tf.max(channelMax), tf.max(perChannelMax(tf.abs(tf.sub(folded, train))))])]);
      return [summary, unfolded, folded, train];
    });
    // Separate downloads for the three outputs: joining them would compile a shader per batch size.
    const [summary, unfoldedV, foldedV, trainV] = download(downloads) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const outs = {
      unfolded: unfoldedV,
      folded: foldedV,
      train: trainV,
      channelMax: summary.subarray(0, C),
      maxDiff: summary[C]!,
      trainMax: summary[C + 1]!,
    };
    // A deterministic, evenly spread sample of positions for the scatter plot.
    const total = outs.unfolded.length;
    const step = Math.max(1, Math.floor(total / SAMPLE_POINTS));
    const idx = Array.from({ length: Math.min(SAMPLE_POINTS, total) }, (_, i) => i * step).sort((i, j) => outs.unfolded[i]! - outs.unfolded[j]!);
    const maxDiff = outs.maxDiff;
    const result = {
      producer,
      unfolded: idx.map((i) => outs.unfolded[i]!),
      folded: idx.map((i) => outs.folded[i]!),
      trainMode: idx.map((i) => outs.train[i]!),
      channelMaxDiff: Array.from(outs.channelMax),
      maxDiff,
      trainModeMaxDiff: outs.trainMax,
      error: null,
    };
    return {
      ...result,
      takeaway: `Folding the eval-mode BatchNorm into ${producer} changes the outputs by at most ${fmt(maxDiff)} (float32 rounding); a model still in train mode would differ by up to ${fmt(outs.trainMax)}.`,
    };
  } finally {
    tf.dispose(b ? [weight, b] : [weight]);
    sim.dispose();
  }
}
