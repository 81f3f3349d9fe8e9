import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShingleCounts } from './shingle-counts.ts';

/** The reference it replaced: a Map of counts over each prompt's distinct hashes. */
function reference(prompts: number[][]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const p of prompts) for (const h of new Set(p)) counts.set(h, (counts.get(h) ?? 0) + 1);
  return counts;
}

function contents(table: ShingleCounts): Map<number, number> {
  const out = new Map<number, number>();
  table.forEach((key, count) => {
    out.set(key, count);
  });
  return out;
}

test('shingle counts: a hash repeated inside one prompt counts once; across prompts it adds', () => {
  const t = new ShingleCounts();
  t.addPrompt([7, 7, 9, 0xffffffff, 7]);
  t.addPrompt([7, 0xffffffff]);
  assert.equal(t.get(7), 2);
  assert.equal(t.get(9), 1);
  assert.equal(t.get(0xffffffff), 2);
  assert.equal(t.get(12345), 0);
  assert.equal(t.size, 3);
});

test('shingle counts: match a Map through growth (one 3,000-hash prompt), drops and halving', () => {
  let seed = 1;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  const prompts: number[][] = [];
  for (let i = 0; i < 40; i++) prompts.push(Array.from({ length: 20 }, (_, k) => (k < 10 ? k * 977 : next() % 500)));
  prompts.push(Array.from({ length: 3000 }, () => next()));
  const t = new ShingleCounts();
  for (const p of prompts) t.addPrompt(p);
  const expected = reference(prompts);
  assert.deepEqual(contents(t), expected);
  assert.equal(t.size, expected.size);

  assert.ok(t.slots >= 4096, 'grew for the long prompt');
  t.dropAtOrBelow(1);
  for (const [k, v] of [...expected]) if (v <= 1) expected.delete(k);
  assert.deepEqual(contents(t), expected);

  t.halve();
  for (const [k, v] of [...expected]) {
    if (Math.floor(v / 2) === 0) expected.delete(k);
    else expected.set(k, Math.floor(v / 2));
  }
  assert.deepEqual(contents(t), expected);
  for (const [k, v] of expected) assert.equal(t.get(k), v);
  assert.equal(t.slots, 512, 'shrank back once the survivors fit');
  // Still counts correctly after the rebuilds.
  t.addPrompt([0, 977, 977]);
  assert.equal(t.get(977), (expected.get(977) ?? 0) + 1);
  assert.equal(t.get(0), (expected.get(0) ?? 0) + 1);
});
