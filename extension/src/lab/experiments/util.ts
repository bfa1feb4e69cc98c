/**
 * Small helpers shared by the experiments: downloads, number formatting for takeaways, histograms,
 * errors.
 */
import * as tf from '@tensorflow/tfjs';
import { FrameworkError } from '../core/errors';

/**
 * Downloads tensors (`dataSync`, in order) and disposes them. Each experiment downloads once or
 * twice per run, joining what it needs (a download waits for every queued shader on WebGL).
 */
export function download(tensors: readonly tf.Tensor[]): Float32Array[] {
  try {
    return tensors.map((t) => t.dataSync() as Float32Array);
  } finally {
    tf.dispose(tensors as tf.Tensor[]);
  }
}

/** Concatenates tensors flattened, in order, into one `[total]` tensor (one download) and disposes them. */
export function joinFlat(tensors: readonly tf.Tensor[]): tf.Tensor1D {
  const joined = tf.tidy(() => (tensors.length === 0 ? tf.zeros([0]) : tf.concat(tensors.map((t) => tf.reshape(t, [-1])))) as tf.Tensor1D);
  tf.dispose(tensors as tf.Tensor[]);
  return joined;
}

/** A number for a sentence: 2 significant digits, scientific below 1e-3 (`0.42`, `3.1`, `2.4e-7`). */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3) return v.toExponential(1);
  if (a >= 100) return v.toFixed(0);
  return String(Number(v.toPrecision(2)));
}

/** A histogram of several series on shared bins. */
export interface Histogram {
  /** Bin centres. */
  readonly centers: number[];
  /** Fraction of each series' values per bin (each series sums to 1). */
  readonly counts: number[][];
}

/**
 * Histogram of several value sets on `bins` equal bins between the 1st and 99th percentiles of
 * all values together (outliers go to the end bins).
 */
export function histogram(series: ArrayLike<number>[], bins: number): Histogram {
  const all = Float64Array.from(series.flatMap((s) => Array.from(s))).sort();
  const q = (p: number): number => all[Math.min(all.length - 1, Math.max(0, Math.floor(p * (all.length - 1))))] ?? 0;
  let lo = q(0.01);
  let hi = q(0.99);
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / bins;
  const centers = Array.from({ length: bins }, (_, i) => lo + (i + 0.5) * width);
  const counts = series.map((s) => {
    const h = new Array<number>(bins).fill(0);
    for (let i = 0; i < s.length; i++) {
      const b = Math.min(bins - 1, Math.max(0, Math.floor((s[i]! - lo) / width)));
      h[b]! += 1 / s.length;
    }
    return h;
  });
  return { centers, counts };
}

/** The framework's own error text (`ValueError: …`) for a simulated exception, else rethrows. */
export function frameworkMessage(e: unknown): string {
  if (e instanceof FrameworkError) return `${e.exceptionType}: ${e.message}`;
  throw e;
}

/** Mean of a numeric array (NaN for an empty one). */
export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

/** Largest minus smallest value. */
export function range(values: readonly number[]): number {
  return Math.max(...values) - Math.min(...values);
}
