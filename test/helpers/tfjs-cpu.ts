/**
 * Mocha hooks for BN Lab tests on TensorFlow.js' CPU backend in Node (no WebGL there). Call it
 * at the top of a `describe` body.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';

/**
 * Selects the CPU backend before the suite's tests; with `checkLeaks`, each test must also end
 * with as many live tensors as it started with (`tf.memory().numTensors`).
 */
export function useTfjsCpu(opts: { checkLeaks: boolean }): void {
  before(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });
  if (!opts.checkLeaks) return;
  let tensorsBefore = 0;
  beforeEach(() => {
    tensorsBefore = tf.memory().numTensors;
  });
  afterEach(() => {
    assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors leaked');
  });
}
