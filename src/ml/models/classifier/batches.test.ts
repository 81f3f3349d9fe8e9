import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifierBatches, oneHotTargets } from './batches.ts';

const sequences = Array.from({ length: 10 }, (_, i) => Array.from({ length: 1 + (i % 4) }, () => i + 2));
const targets = oneHotTargets(
  sequences.map((_, i) => i % 2),
  2,
);

test('an epoch visits every example once, pads to the batch maximum and cuts at maxTokens', () => {
  const batches = classifierBatches({ sequences, targets }, { batchSize: 4, maxTokens: 3, seed: 1 });
  const seen: number[] = [];
  for (const expectedRows of [4, 4, 2]) {
    const b = batches.next();
    assert.equal(b.rows, expectedRows);
    assert.ok(b.length <= 3);
    for (let r = 0; r < b.rows; r++) {
      const example = b.ids[r * b.length] - 2;
      seen.push(example);
      assert.deepEqual(Array.from(b.targets.slice(r * 2, r * 2 + 2)), targets[example]);
      const realTokens = Array.from(b.ids.slice(r * b.length, (r + 1) * b.length)).filter((id) => id !== 0).length;
      assert.equal(realTokens, Math.min(3, sequences[example].length));
    }
  }
  assert.deepEqual(
    seen.sort((x, y) => x - y),
    sequences.map((_, i) => i),
  );
});

test('seek resumes mid-epoch exactly', () => {
  const a = classifierBatches({ sequences, targets }, { batchSize: 3, maxTokens: 8, seed: 9 });
  const drawn = Array.from({ length: 6 }, () => a.next());
  const b = classifierBatches({ sequences, targets }, { batchSize: 3, maxTokens: 8, seed: 9 });
  b.seek(5);
  assert.deepEqual(b.next(), drawn[5]);
});
