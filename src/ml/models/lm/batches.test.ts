import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WindowBatches } from './batches.ts';

const tokens = Int32Array.from({ length: 500 }, (_, i) => i);

test('targets are the inputs shifted by one, windows are contiguous', () => {
  const batches = new WindowBatches(tokens, { batchSize: 3, length: 8, seed: 1 });
  const b = batches.next();
  assert.equal(b.inputs.length, 24);
  for (let row = 0; row < 3; row++) {
    for (let i = 0; i < 8; i++) {
      assert.equal(b.targets[row * 8 + i], b.inputs[row * 8 + i] + 1);
      if (i > 0) assert.equal(b.inputs[row * 8 + i], b.inputs[row * 8 + i - 1] + 1);
    }
  }
});

test('an epoch visits distinct windows; seek(n) continues exactly where n batches left off', () => {
  const a = new WindowBatches(tokens, { batchSize: 4, length: 10, seed: 7 });
  const starts = new Set<number>();
  const firstEpoch = Math.floor(Math.floor((500 - 10) / 10) / 4) - 1;
  for (let i = 0; i < firstEpoch; i++) {
    const b = a.next();
    for (let row = 0; row < 4; row++) starts.add(b.inputs[row * 10]);
  }
  assert.equal(starts.size, firstEpoch * 4, 'no window repeats within an epoch');
  const reference = new WindowBatches(tokens, { batchSize: 4, length: 10, seed: 7 });
  const drawn = Array.from({ length: 30 }, () => reference.next());
  const resumed = new WindowBatches(tokens, { batchSize: 4, length: 10, seed: 7 });
  resumed.seek(17);
  assert.equal(resumed.cursor(), 17);
  for (let i = 17; i < 30; i++) assert.deepEqual(resumed.next(), drawn[i], `batch ${i}`);
});

test('a different seed gives a different order; a too-short corpus is refused', () => {
  const a = new WindowBatches(tokens, { batchSize: 2, length: 10, seed: 1 }).next();
  const b = new WindowBatches(tokens, { batchSize: 2, length: 10, seed: 2 }).next();
  assert.notDeepEqual(a.inputs, b.inputs);
  assert.throws(() => new WindowBatches(tokens.slice(0, 20), { batchSize: 4, length: 10, seed: 1 }), /too short/);
});
