/**
 * Tolerance comparison and tensor helpers for BN Lab's golden tests.
 *
 * Tolerance (issue 4; SEMANTICS.md §3): `|a − b| ≤ 1e-5·max(1, |b|)` for every value, with `b` the
 * golden value. Bit-exact equality is not achievable: tfjs-cpu accumulates in float64, PyTorch in
 * its own float32/double mix.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { BatchNormSim, toChannelsFirstPerm, toChannelsLastPerm, type BatchNormConfig, type BatchNormSnapshot } from '../../extension/src/lab/core';
import type { GTensor, GTorchState } from './golden-data';

export const RELATIVE_TOLERANCE = 1e-5;

/** The acceptance test for one value. NaN never passes. */
export function withinTolerance(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= RELATIVE_TOLERANCE * Math.max(1, Math.abs(expected));
}

type Values = tf.Tensor | ArrayLike<number> | number;
type Expected = GTensor | tf.Tensor | ArrayLike<number> | number;

function isGTensor(v: Values | Expected): v is GTensor {
  return typeof v === 'object' && v !== null && !(v instanceof tf.Tensor) && 'shape' in v && 'data' in v;
}

function valuesOf(v: Values | Expected): ArrayLike<number> {
  if (typeof v === 'number') return [v];
  if (v instanceof tf.Tensor) return v.dataSync();
  if (isGTensor(v)) return v.data;
  return v;
}

function multiIndex(flat: number, shape: readonly number[] | null): string {
  if (!shape || shape.length === 0) return `${flat}`;
  const idx: number[] = [];
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(rest % shape[d]!);
    rest = Math.floor(rest / shape[d]!);
  }
  return `[${idx.join(', ')}]`;
}

/**
 * Asserts that every value of `actual` is within tolerance of `expected` (and, for tensors, that
 * shapes agree). The message names the worst value with its index.
 */
export function assertClose(actual: Values, expected: Expected, label: string): void {
  const expectedShape = isGTensor(expected) ? expected.shape : expected instanceof tf.Tensor ? expected.shape : null;
  if (actual instanceof tf.Tensor && expectedShape) {
    assert.deepEqual(actual.shape, expectedShape, `${label}: shape [${actual.shape.join(', ')}], expected [${expectedShape.join(', ')}]`);
  }
  const a = valuesOf(actual);
  const b = valuesOf(expected);
  assert.equal(a.length, b.length, `${label}: ${a.length} values, expected ${b.length}`);
  let failures = 0;
  let worst = -1;
  let worstExcess = -Infinity;
  for (let i = 0; i < b.length; i++) {
    const ai = a[i]!;
    const bi = b[i]!;
    if (withinTolerance(ai, bi)) continue;
    failures++;
    const excess = Number.isNaN(ai) ? Infinity : Math.abs(ai - bi) / Math.max(1, Math.abs(bi));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (failures > 0) {
    const ai = a[worst]!;
    const bi = b[worst]!;
    assert.fail(
      `${label}: ${failures} of ${b.length} values outside |a-b| <= ${RELATIVE_TOLERANCE}*max(1,|b|); ` +
        `worst at ${multiIndex(worst, expectedShape)}: actual ${ai}, expected ${bi}, |a-b| = ${Math.abs(ai - bi)}`,
    );
  }
}

/** Asserts that a simulation snapshot matches a golden PyTorch state (buffers within tolerance, counter exact). */
export function assertTorchState(actual: BatchNormSnapshot, expected: GTorchState, label: string): void {
  for (const [key, golden] of [['runningMean', expected.running_mean], ['runningVar', expected.running_var]] as const) {
    const value = actual[key];
    if (golden === null) assert.equal(value, null, `${label}: ${key} should be None`);
    else {
      assert.ok(value, `${label}: ${key} is missing`);
      assertClose(value, golden, `${label}: ${key}`);
    }
  }
  assert.equal(actual.numBatchesTracked, expected.num_batches_tracked, `${label}: num_batches_tracked`);
}

/** A float32 tensor from golden data (exact: the file stores round-tripping float32 decimals). */
export function tensorOf(g: GTensor): tf.Tensor {
  return tf.tensor(Float32Array.from(g.data), g.shape, 'float32');
}

/** `[C]` tensor from golden data. */
export function vectorOf(g: GTensor): tf.Tensor1D {
  return tf.tensor1d(Float32Array.from(g.data), 'float32');
}

/** Channels-first → channels-last (`[N, C, …]` → `[N, …, C]`); rank 2 is unchanged. */
export function toChannelsLast(t: tf.Tensor): tf.Tensor {
  return t.rank <= 2 ? t : tf.transpose(t, toChannelsLastPerm(t.rank));
}

/** Channels-last → channels-first; rank 2 is unchanged. */
export function toChannelsFirst(t: tf.Tensor): tf.Tensor {
  return t.rank <= 2 ? t : tf.transpose(t, toChannelsFirstPerm(t.rank));
}

/** Maximum absolute difference between two same-shaped tensors. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** Mean absolute difference between two same-shaped tensors. */
export function meanAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** Runs `body` with a simulation, releasing every tensor it creates (and the simulation) afterwards. */
export function withSim(config: BatchNormConfig, init: ConstructorParameters<typeof BatchNormSim>[1], body: (sim: BatchNormSim) => void): void {
  tf.tidy(() => {
    const sim = new BatchNormSim(config, init);
    try {
      body(sim);
    } finally {
      sim.dispose();
    }
  });
}
