import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from './init.ts';

const table = Float32Array.from({ length: 10 * 4 }, (_, i) => Math.sin(i));
const ids = [0, 3, 3, 9, 3, 7];
const weights = Float32Array.from({ length: ids.length * 4 }, (_, i) => Math.cos(i));

/** d/dTable of Σ gather(table, ids) ⊙ W: rows of W summed into the looked-up rows (an UnsortedSegmentSum). */
function embeddingGrad(): Float32Array {
  return tf.tidy(() => {
    const w = tf.tensor(weights, [ids.length, 4]);
    const idx = tf.tensor1d(ids, 'int32');
    const [g] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx), w)))([tf.tensor(table, [10, 4])]);
    return g.dataSync() as Float32Array;
  });
}

test('gather (embedding) gradient on wasm, through the JS UnsortedSegmentSum kernel, equals the cpu backend', async () => {
  await initEngine({ backend: 'cpu' });
  const expected = embeddingGrad();
  await initEngine({ backend: 'wasm' });
  const actual = embeddingGrad();
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) < 1e-6, `row-major index ${i}`);
  // Row 3 is looked up three times, so its gradient is the sum of three rows of W.
  assert.ok(Math.abs(actual[3 * 4] - (weights[1 * 4] + weights[2 * 4] + weights[4 * 4])) < 1e-6);
  // Rows never looked up get zero gradient.
  assert.deepEqual(Array.from(actual.slice(4, 8)), [0, 0, 0, 0]);
});

test('UnsortedSegmentSum on wasm drops out-of-range segment ids', async () => {
  await initEngine({ backend: 'wasm' });
  const out = tf.tidy(() =>
    tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]]), tf.tensor1d([1, 5, 1, -1], 'int32'), 3).arraySync(),
  );
  assert.deepEqual(out, [[0, 0], [6, 8], [0, 0]]);
});

test('per-batch BatchMatMul on wasm equals the cpu backend (rank 3, rank 4, transposed and broadcast fall-backs)', async () => {
  const cases: { a: number[]; b: number[]; ta?: boolean; tb?: boolean }[] = [
    { a: [5, 7, 3], b: [5, 3, 4] },
    { a: [2, 3, 6, 5], b: [2, 3, 5, 2] },
    { a: [4, 3, 6], b: [4, 3, 5], ta: true },
    { a: [4, 6, 3], b: [1, 5, 3], tb: true },
  ];
  const product = (c: (typeof cases)[number]): Float32Array =>
    tf.tidy(() => {
      const a = tf.tensor(Float32Array.from({ length: tf.util.sizeFromShape(c.a) }, (_, i) => Math.sin(i + 1)), c.a);
      const b = tf.tensor(Float32Array.from({ length: tf.util.sizeFromShape(c.b) }, (_, i) => Math.cos(i * 0.7)), c.b);
      return tf.matMul(a, b, c.ta, c.tb).dataSync() as Float32Array;
    });
  await initEngine({ backend: 'cpu' });
  const expected = cases.map(product);
  await initEngine({ backend: 'wasm' });
  const before = tf.memory().numTensors;
  const actual = cases.map(product);
  assert.equal(tf.memory().numTensors, before, 'no leaked tensors');
  cases.forEach((c, n) => {
    assert.equal(actual[n].length, expected[n].length);
    for (let i = 0; i < expected[n].length; i++) {
      assert.ok(Math.abs(actual[n][i] - expected[n][i]) < 1e-4, `case ${JSON.stringify(c)} [${i}]: ${actual[n][i]} vs ${expected[n][i]}`);
    }
  });
});
