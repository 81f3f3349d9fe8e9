import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../engine/init.ts';
import { createRng } from '../../engine/rng.ts';
import { attentionPool, embed, maskedMaxOfNonNegative, maskedMean, ngramConv } from './layers.ts';

const rng = createRng(11);
const randn = (shape: number[]) => tf.tensor(Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => rng.normal()), shape);
const ids = Int32Array.from([3, 1, 4, 1, 5, 0, 2, 6]);

function assertClose(actual: tf.Tensor, expected: tf.Tensor, what: string): void {
  const a = actual.dataSync();
  const e = expected.dataSync();
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - e[i]) < 1e-4, `${what}[${i}]: ${a[i]} vs ${e[i]}`);
}

test('embed and its hand-written gradient match tf.gather', async () => {
  await initEngine();
  const table = randn([7, 3]);
  const w = randn([2, 4, 3]);
  const idTensor = tf.tensor2d(ids, [2, 4], 'int32');
  assertClose(embed(table as tf.Tensor2D, ids, 2, 4), tf.gather(table, idTensor), 'forward');
  const mine = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embed(t as tf.Tensor2D, ids, 2, 4), w)))(table);
  const reference = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idTensor), w)))(table);
  assertClose(mine, reference, 'gradient');
  assert.throws(() => embed(table as tf.Tensor2D, Int32Array.from([7]), 1, 1), RangeError);
});

test('ngramConv equals a direct window sum with zero padding past the end', async () => {
  await initEngine();
  const [b, t, d, f, k] = [2, 5, 3, 4, 3];
  const x = randn([b, t, d]) as tf.Tensor3D;
  const w = randn([k * d, f]) as tf.Tensor2D;
  const c = randn([f]) as tf.Tensor1D;
  const xs = x.arraySync();
  const ws = w.arraySync();
  const cs = c.arraySync();
  const expected = xs.map((row) =>
    row.map((_, pos) =>
      Array.from({ length: f }, (_, j) => {
        let s = cs[j];
        for (let shift = 0; shift < k; shift++) {
          if (pos + shift >= t) continue;
          for (let i = 0; i < d; i++) s += row[pos + shift][i] * ws[shift * d + i][j];
        }
        return Math.max(0, s);
      }),
    ),
  );
  assertClose(ngramConv(x, tf.ones([xs.length, t]) as tf.Tensor2D, w, c), tf.tensor(expected), 'conv');
});

test('ngramConv gives a text the same features alone and beside a longer text in its batch', async () => {
  await initEngine();
  const d = 3;
  const w = tf.randomNormal([2 * d, 4], 0, 1, 'float32', 7) as tf.Tensor2D;
  const c = tf.zeros([4]) as tf.Tensor1D;
  const short = tf.randomNormal([1, 2, d], 0, 1, 'float32', 8) as tf.Tensor3D;
  const padEmbedding = tf.ones([1, 2, d]) as tf.Tensor3D; // what a non-zero <pad> row would contribute
  const alone = ngramConv(short, tf.ones([1, 2]) as tf.Tensor2D, w, c);
  const batched = ngramConv(tf.concat([short, padEmbedding], 1) as tf.Tensor3D, tf.tensor2d([[1, 1, 0, 0]]), w, c);
  assertClose(batched.slice([0, 0, 0], [1, 2, 4]), alone, 'padding must not leak into the last real tokens');
});

test('masked pooling ignores padding, and the masked max gradient matches tf.max', async () => {
  await initEngine();
  const h = tf.relu(randn([2, 4, 3])) as tf.Tensor3D;
  const mask = tf.tensor2d([1, 1, 0, 0, 1, 1, 1, 0], [2, 4]);
  const padded = tf.add(h, tf.mul(tf.sub(1, mask).expandDims(2), 100)) as tf.Tensor3D;
  assertClose(maskedMean(padded, mask), maskedMean(h, mask), 'mean ignores padding');
  assertClose(maskedMaxOfNonNegative(padded, mask), maskedMaxOfNonNegative(h, mask), 'max ignores padding');
  const query = randn([3, 1]) as tf.Tensor2D;
  assertClose(attentionPool(padded, mask, query), attentionPool(h, mask, query), 'attention gives padding no weight');
  const w = randn([2, 3]);
  const mine = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(maskedMaxOfNonNegative(x as tf.Tensor3D, mask), w)))(h);
  const reference = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.max(tf.mul(x, mask.expandDims(2)), 1), w)))(h);
  assertClose(mine, reference, 'max gradient');
});
