import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from './init.ts';
import { matMulFast, swapLastTwo } from './matmul.ts';
import { createRng } from './rng.ts';

type Grads = { a: Float32Array; b: Float32Array };

function randomValues(seed: number, n: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** d/dA and d/dB of Σ (A·B) ⊙ W, a loss whose gradient is dY = W, on the current backend. */
function gradsOf(mul: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, aShape: number[], bShape: number[], yShape: number[]): Grads {
  return tf.tidy(() => {
    const a = tf.tensor(randomValues(1, tf.util.sizeFromShape(aShape)), aShape);
    const b = tf.tensor(randomValues(2, tf.util.sizeFromShape(bShape)), bShape);
    const w = tf.tensor(randomValues(3, tf.util.sizeFromShape(yShape)), yShape);
    const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(mul(x, y), w)))([a, b]);
    return { a: da.dataSync() as Float32Array, b: db.dataSync() as Float32Array };
  });
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const tol = 1e-4 * Math.max(1, Math.abs(expected[i]));
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

const cases = [
  { name: 'rank 2', a: [5, 7], b: [7, 3], y: [5, 3] },
  { name: 'batched rank 3', a: [4, 6, 5], b: [4, 5, 3], y: [4, 6, 3] },
];

for (const c of cases) {
  test(`matMulFast gradient equals the cpu backend's built-in matMul gradient (${c.name}), on cpu and wasm`, async () => {
    await initEngine({ backend: 'cpu' });
    const reference = gradsOf((a, b) => tf.matMul(a, b), c.a, c.b, c.y);
    const fastCpu = gradsOf(matMulFast, c.a, c.b, c.y);
    await initEngine({ backend: 'wasm' });
    const fastWasm = gradsOf(matMulFast, c.a, c.b, c.y);
    for (const [label, g] of [['cpu', fastCpu], ['wasm', fastWasm]] as const) {
      assertClose(g.a, reference.a, `${label} dA`);
      assertClose(g.b, reference.b, `${label} dB`);
    }
  });
}

test('matMulFast gradient matches central finite differences (rank 2, cpu)', async () => {
  await initEngine({ backend: 'cpu' });
  const aShape = [3, 4];
  const bShape = [4, 2];
  const aVals = randomValues(1, 12);
  const bVals = randomValues(2, 8);
  const w = tf.tensor(randomValues(3, 6), [3, 2]);
  const f = (av: Float32Array): number =>
    tf.tidy(() => tf.sum(tf.mul(matMulFast(tf.tensor(av, aShape), tf.tensor(bVals, bShape)), w)).dataSync()[0]);
  const analytic = tf.tidy(() => {
    const [da] = tf.grads((x: tf.Tensor) => tf.sum(tf.mul(matMulFast(x, tf.tensor(bVals, bShape)), w)))([tf.tensor(aVals, aShape)]);
    return da.dataSync();
  });
  const eps = 1e-2;
  for (let i = 0; i < aVals.length; i++) {
    const plus = Float32Array.from(aVals);
    const minus = Float32Array.from(aVals);
    plus[i] += eps;
    minus[i] -= eps;
    const numeric = (f(plus) - f(minus)) / (2 * eps);
    assert.ok(Math.abs(numeric - analytic[i]) < 1e-2, `dA[${i}]: numeric ${numeric} vs analytic ${analytic[i]}`);
  }
  w.dispose();
});

test('swapLastTwo transposes the last two axes only', async () => {
  await initEngine({ backend: 'cpu' });
  const x = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 2, 3]);
  const t = swapLastTwo(x);
  assert.deepEqual(t.shape, [2, 3, 2]);
  assert.deepEqual(Array.from(t.dataSync()), [1, 4, 2, 5, 3, 6, 7, 10, 8, 11, 9, 12]);
  assert.throws(() => swapLastTwo(tf.tensor([1, 2])), /rank ≥ 2/);
  tf.dispose([x, t]);
});
