import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairBatches } from './pair-batches.ts';

/** Source s has passages whose first token is 100·s + passage index, so every row can be traced back. */
const sources = Array.from({ length: 10 }, (_, s) => Array.from({ length: 2 + (s % 3) }, (_, p) => [100 * s + p, 7, 7]));
const firstTokens = (ids: Int32Array, rows: number, length: number) => Array.from({ length: rows }, (_, r) => ids[r * length]);

test('each pair is two different passages of one source, and no source repeats within a batch', () => {
  for (const localShare of [0, 1]) {
    const batches = pairBatches(sources, { batchSize: 4, maxTokens: 8, seed: 3, localShare });
    for (let i = 0; i < 20; i++) {
      const { anchors, positives } = batches.next();
      const a = firstTokens(anchors.ids, anchors.rows, anchors.length);
      const b = firstTokens(positives.ids, positives.rows, positives.length);
      assert.equal(new Set(a.map((t) => Math.floor(t / 100))).size, 4);
      a.forEach((t, r) => {
        assert.equal(Math.floor(t / 100), Math.floor(b[r] / 100), 'same source');
        assert.notEqual(t, b[r], 'different passages');
      });
      if (localShare === 1) {
        const s = a.map((t) => Math.floor(t / 100));
        assert.deepEqual(s, s.map((_, i) => s[0] + i), 'a local batch is a window of consecutive sources');
      }
    }
  }
});

test('batches are reproducible from the seed and seek resumes exactly', () => {
  const a = pairBatches(sources, { batchSize: 3, maxTokens: 8, seed: 5 });
  const drawn = Array.from({ length: 7 }, () => a.next());
  const b = pairBatches(sources, { batchSize: 3, maxTokens: 8, seed: 5 });
  b.seek(4);
  assert.equal(b.cursor(), 4);
  assert.deepEqual(b.next(), drawn[4]);
  assert.throws(() => pairBatches([[[1]], [[2]]], { batchSize: 2, maxTokens: 4, seed: 1 }), RangeError);
});
