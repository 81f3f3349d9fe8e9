import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng, deriveSeed } from './rng.ts';

test('same seed gives the same sequence; different seeds differ', () => {
  const a = createRng(7);
  const b = createRng(7);
  const c = createRng(8);
  const seqA = Array.from({ length: 20 }, () => a.next());
  assert.deepEqual(seqA, Array.from({ length: 20 }, () => b.next()));
  assert.notDeepEqual(seqA, Array.from({ length: 20 }, () => c.next()));
  for (const x of seqA) assert.ok(x >= 0 && x < 1);
});

test('state() restores the exact continuation', () => {
  const rng = createRng(123);
  for (let i = 0; i < 5; i++) rng.next();
  const resumed = createRng(0, rng.state());
  assert.deepEqual(
    Array.from({ length: 10 }, () => rng.normal()),
    Array.from({ length: 10 }, () => resumed.normal()),
  );
});

test('int stays in range and covers it; shuffle is a permutation; normal has mean ≈ 0, variance ≈ 1', () => {
  const rng = createRng(1);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const k = rng.int(6);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 6);
    seen.add(k);
  }
  assert.equal(seen.size, 6);
  assert.throws(() => rng.int(0), RangeError);
  const items = Array.from({ length: 50 }, (_, i) => i);
  const shuffled = rng.shuffle([...items]);
  assert.notDeepEqual(shuffled, items);
  assert.deepEqual([...shuffled].sort((x, y) => x - y), items);
  const xs = Array.from({ length: 20000 }, () => rng.normal());
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
});

test('deriveSeed gives distinct, stable sub-streams', () => {
  assert.equal(deriveSeed(5, 'init'), deriveSeed(5, 'init'));
  assert.notEqual(deriveSeed(5, 'init'), deriveSeed(5, 'data'));
  assert.notEqual(deriveSeed(5, 'init'), deriveSeed(6, 'init'));
});
