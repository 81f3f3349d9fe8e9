import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normaliseText } from './normalise-text.ts';
import { stratifiedSplit } from './spam-assassin.ts';

const examples = Array.from({ length: 1000 }, (_, i) => ({ key: `g/${i}`, label: i % 10 < 3 ? 1 : 0 }));

test('stratified split keeps the label share in every part and is a partition', () => {
  const split = stratifiedSplit(examples, { train: 0.7, calibration: 0.1, test: 0.2 });
  assert.deepEqual([split.train.length, split.calibration.length, split.test.length], [700, 100, 200]);
  for (const part of [split.train, split.calibration, split.test]) {
    assert.equal(part.filter((e) => e.label === 1).length / part.length, 0.3);
  }
  const keys = new Set([...split.train, ...split.calibration, ...split.test].map((e) => e.key));
  assert.equal(keys.size, examples.length);
});

test('stratified split depends on keys, not on input order', () => {
  const a = stratifiedSplit(examples);
  const b = stratifiedSplit([...examples].reverse());
  assert.deepEqual(new Set(a.test.map((e) => e.key)), new Set(b.test.map((e) => e.key)));
  assert.throws(() => stratifiedSplit(examples, { train: 0.5, calibration: 0.1, test: 0.1 }), RangeError);
});

test('normaliseText replaces URLs, addresses and stand-alone numbers, and is idempotent', () => {
  const once = normaliseText('Visit  HTTP://A.test/x NOW,\n mail me@x.org: $1,000.50 for 2 MP3s');
  assert.equal(once, 'visit <url> now, mail <email> : $<num> for <num> mp3s');
  assert.equal(normaliseText(once), once);
});
