/**
 * Keras channel axes: where a layer puts its channels and which axis a BatchNormalization
 * normalizes, when both are literal (NL003 needs them to agree, NL011 reports when they do not).
 *
 * Keras is channels-last by default: `Conv2D` outputs `[N, H, W, C]`, unless
 * `data_format="channels_first"` (`[N, C, H, W]`) or the global `image_data_format()` was changed
 * (`keras.config.set_image_data_format`, `~/.keras/keras.json`). `BatchNormalization(axis=-1)`
 * normalizes the last axis: the channels of channels-last data. Source: Keras 3 API reference,
 * `Conv2D` (`data_format`) and `BatchNormalization` (`axis`: "after a Conv2D layer with
 * `data_format="channels_first"`, use `axis=1`").
 */
import type { PyTorchModel } from './interp';
import { constOf, type Obj } from './values';

/** A conv's output layout, when literal. */
export interface KerasLayout {
  /** Rank of the output including the batch axis (`Conv2D` → 4); null when any rank works (`Dense`). */
  rank: number | null;
  /** Index of the channel axis, negative from the end (`-1`) or non-negative from the start (`1`). */
  channelAxis: number;
  /** `channels_first` data (from `data_format=`). */
  channelsFirst: boolean;
}

/**
 * The output layout of a Keras conv or Dense layer, or undefined when it is not literal (a
 * computed `data_format`, or a default while the project changes the global data format).
 */
export function kerasLayout(model: PyTorchModel, layer: Obj): KerasLayout | undefined {
  const spec = layer.spec;
  if (!spec || spec.framework !== 'keras') return undefined;
  if (spec.kind === 'linear') return { rank: null, channelAxis: -1, channelsFirst: false };
  if ((spec.kind !== 'conv' && spec.kind !== 'convtranspose') || spec.dims === null) return undefined;
  const rank = spec.dims + 2;
  const df = model.argOf(layer, 'data_format');
  const v = constOf(df.value);
  // TensorFlow.js spells them `channelsFirst`/`channelsLast` (tfjs-layers `DataFormat`).
  if (v === 'channels_first' || v === 'channelsFirst') return { rank, channelAxis: 1, channelsFirst: true };
  if (v === 'channels_last' || v === 'channelsLast' || (v === null && !model.kerasDataFormatConfigured)) return { rank, channelAxis: -1, channelsFirst: false };
  return undefined;
}

/** The literal `axis` of a Keras BatchNormalization (default -1), or undefined (a list or a computed value). */
export function kerasNormAxis(model: PyTorchModel, norm: Obj): number | undefined {
  const v = constOf(model.argOf(norm, 'axis').value);
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

/**
 * How a Keras BatchNormalization's axis relates to its producer's channels: `same`, `other`
 * (a valid axis that is not the channels), `invalid` (out of range for the producer's rank: a
 * build-time error), or undefined when not literal.
 */
export function kerasAxisMatch(model: PyTorchModel, producer: Obj, norm: Obj): 'same' | 'other' | 'invalid' | undefined {
  const layout = kerasLayout(model, producer);
  const axis = kerasNormAxis(model, norm);
  if (!layout || axis === undefined) return undefined;
  if (layout.rank === null) return axis === -1 ? 'same' : undefined;
  const r = layout.rank;
  const a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= r) return 'invalid';
  const c = layout.channelAxis < 0 ? layout.channelAxis + r : layout.channelAxis;
  return a === c ? 'same' : 'other';
}

/** Names of the axes of a channels-last or channels-first output of the given rank (`[N, H, W, C]`). */
export function kerasAxisNames(rank: number, channelsFirst: boolean): string[] {
  const spatial = rank === 3 ? ['L'] : rank === 4 ? ['H', 'W'] : rank === 5 ? ['D', 'H', 'W'] : [];
  return channelsFirst ? ['N', 'C', ...spatial] : ['N', ...spatial, 'C'];
}
