import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../ml/engine/rng.ts';
import { embeddingCosineLoss, embeddingMseLoss, hintonKdLoss, sequenceKdLoss, topKForwardKlLoss } from './losses.ts';

const ROWS = 6;
const FEATURES = 5;
const CLASSES = 7;

function randomMatrix(seed: number, rows: number, cols: number, scale = 1): tf.Tensor2D {
  const rng = createRng(seed);
  return tf.tensor2d(
    Array.from({ length: rows * cols }, () => rng.normal() * scale),
    [rows, cols],
  );
}

/** A linear student z = x·W, and the loss as a function of the teacher's signal. */
type LossOf = (student: tf.Tensor2D, teacher: tf.Tensor2D) => tf.Scalar;

function gradient(weights: tf.Variable, x: tf.Tensor2D, teacher: tf.Tensor2D, loss: LossOf): Float32Array {
  const { grads, value } = tf.variableGrads(() => loss(tf.matMul(x, weights), teacher), [weights]);
  value.dispose();
  const g = Object.values(grads)[0].dataSync() as Float32Array;
  tf.dispose(Object.values(grads));
  return g;
}

/** Gradient descent on W: returns the loss before and after `steps` steps. */
function descend(loss: LossOf, teacher: tf.Tensor2D, outCols: number, steps = 60, lr = 0.3): { before: number; after: number } {
  const x = randomMatrix(3, ROWS, FEATURES);
  const w = tf.variable(randomMatrix(4, FEATURES, outCols, 0.1));
  const value = () => tf.tidy(() => loss(tf.matMul(x, w), teacher).dataSync()[0]);
  const before = value();
  for (let i = 0; i < steps; i++) {
    const { grads, value: v } = tf.variableGrads(() => loss(tf.matMul(x, w), teacher), [w]);
    v.dispose();
    const g = Object.values(grads)[0];
    w.assign(tf.tidy(() => tf.sub(w, tf.mul(g, lr))));
    g.dispose();
  }
  const after = value();
  tf.dispose([x, w]);
  return { before, after };
}

function assertTeacherReachesGradient(loss: LossOf, teacherA: tf.Tensor2D, teacherB: tf.Tensor2D, outCols: number): void {
  const x = randomMatrix(3, ROWS, FEATURES);
  const w = tf.variable(randomMatrix(4, FEATURES, outCols, 0.1));
  const ga = gradient(w, x, teacherA, loss);
  const gb = gradient(w, x, teacherB, loss);
  const diff = ga.reduce((s, v, i) => s + Math.abs(v - gb[i]), 0);
  assert.ok(diff > 1e-4, `changing the teacher must change the gradient (|Δg|₁ = ${diff})`);
  tf.dispose([x, w]);
}

const tokensOf = (logits: tf.Tensor2D) => tf.tidy(() => tf.argMax(logits, 1) as tf.Tensor1D);

function topK(teacher: tf.Tensor2D, k: number): { ids: tf.Tensor2D; logprobs: tf.Tensor2D } {
  return tf.tidy(() => {
    const { values, indices } = tf.topk(tf.logSoftmax(teacher), k);
    return { ids: tf.cast(indices, 'float32') as tf.Tensor2D, logprobs: values as tf.Tensor2D };
  });
}

const cases: { name: string; outCols: number; loss: LossOf }[] = [
  { name: 'sequence-level KD', outCols: CLASSES, loss: (s, t) => sequenceKdLoss(s, tokensOf(t)) },
  { name: 'Hinton KD (T=2, α=1)', outCols: CLASSES, loss: (s, t) => hintonKdLoss(s, t, { temperature: 2, alpha: 1 }) },
  {
    name: 'Hinton KD (T=4, α=0.5 with hard labels)',
    outCols: CLASSES,
    loss: (s, t) => hintonKdLoss(s, t, { temperature: 4, alpha: 0.5, hardLabels: tf.tensor1d([0, 1, 2, 3, 4, 5], 'int32') }),
  },
  {
    name: 'top-k forward KL (k=3)',
    outCols: CLASSES,
    loss: (s, t) => {
      const { ids, logprobs } = topK(t, 3);
      return topKForwardKlLoss(s, ids, logprobs);
    },
  },
  { name: 'embedding MSE', outCols: 4, loss: (s, t) => embeddingMseLoss(s, t) },
  { name: 'embedding cosine', outCols: 4, loss: (s, t) => embeddingCosineLoss(s, t) },
];

for (const c of cases) {
  test(`${c.name}: the teacher's outputs reach the gradient, and descent moves the student toward the teacher`, () => {
    const teacherA = randomMatrix(10, ROWS, c.outCols, 3);
    const teacherB = randomMatrix(11, ROWS, c.outCols, 3);
    assertTeacherReachesGradient(c.loss, teacherA, teacherB, c.outCols);
    const { before, after } = descend(c.loss, teacherA, c.outCols);
    assert.ok(after < before * 0.8, `${c.name}: loss ${before} → ${after} should fall by more than 20%`);
    tf.dispose([teacherA, teacherB]);
  });
}

test('losses are zero when the student equals the teacher, positive otherwise', () => {
  const t = randomMatrix(20, ROWS, CLASSES, 2);
  const other = randomMatrix(21, ROWS, CLASSES, 2);
  const same = (l: tf.Scalar) => l.dataSync()[0];
  assert.ok(Math.abs(same(hintonKdLoss(t, t, { temperature: 3, alpha: 1 }))) < 1e-5);
  assert.ok(same(hintonKdLoss(other, t, { temperature: 3, alpha: 1 })) > 1e-3);
  const { ids, logprobs } = topK(t, 4);
  assert.ok(Math.abs(same(topKForwardKlLoss(t, ids, logprobs))) < 1e-5);
  assert.ok(same(topKForwardKlLoss(other, ids, logprobs)) > 1e-3);
  assert.ok(Math.abs(same(embeddingMseLoss(t, t))) < 1e-9);
  assert.ok(Math.abs(same(embeddingCosineLoss(t, tf.mul(t, 3) as tf.Tensor2D))) < 1e-5);
});

test('top-k KL ignores padded alternatives (id −1) and masked rows', () => {
  const student = tf.tensor2d([[0, 0, 0], [5, 0, 0]]);
  const ids = tf.tensor2d([[0, 1, -1], [0, 1, -1]]);
  const logprobs = tf.tensor2d([[Math.log(0.5), Math.log(0.5), -99], [Math.log(0.5), Math.log(0.5), -99]]);
  // Row 0: student uniform over {0,1} after renormalisation → KL 0. Row 1 disagrees but is masked.
  const value = topKForwardKlLoss(student, ids, logprobs, tf.tensor1d([1, 0])).dataSync()[0];
  assert.ok(Math.abs(value) < 1e-6, `got ${value}`);
  assert.throws(() => hintonKdLoss(student, student, { temperature: 0, alpha: 1 }), /temperature/);
  assert.throws(() => hintonKdLoss(student, student, { temperature: 1, alpha: 0.5 }), /hardLabels/);
});
