import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chanceRecallAtK, recallAtK } from './retrieval-eval.ts';

const unit = (angle: number) => Float32Array.from([Math.cos(angle), Math.sin(angle)]);

test('recall@k and MRR on a toy set computed by hand', () => {
  // Points on the unit circle. Sources: A = {0°, 10°}, B = {90°, 180°}, C = {45°} (no partner: not a query).
  const embeddings = [unit(0), unit(Math.PI / 18), unit(Math.PI / 2), unit(Math.PI), unit(Math.PI / 4)];
  const groups = [0, 0, 1, 1, 2];
  const scores = recallAtK(embeddings, groups, [1, 2, 3]);
  // Rankings by cosine: 0°: 10°, 45°, 90°, 180° → hit@1.   10°: 0°, 45°, … → hit@1.
  // 90°: 45°, 10°, 0°/180° tie (cos 0 vs 0: 0° has index 0, comes first), 180° → first hit at rank 4.
  // 180°: 90°, … → hit@1.
  assert.equal(scores.queries, 4);
  assert.deepEqual(scores.recallAt, { '1': 3 / 4, '2': 3 / 4, '3': 3 / 4 });
  assert.ok(Math.abs(scores.mrr - (1 + 1 + 1 / 4 + 1) / 4) < 1e-12);
});

test('chance recall matches the hypergeometric formula and grows with k', () => {
  // 3 sources × 2 passages: each query has 1 partner among 5 candidates → chance@k = k/5.
  const groups = [0, 0, 1, 1, 2, 2];
  assert.ok(Math.abs(chanceRecallAtK(groups, 1) - 1 / 5) < 1e-12);
  assert.ok(Math.abs(chanceRecallAtK(groups, 3) - 3 / 5) < 1e-12);
  assert.equal(chanceRecallAtK(groups, 5), 1);
});
