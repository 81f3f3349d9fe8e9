import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatReset } from './enforce-limits.ts';

/** The formula before the whole-millisecond fast path, kept as the reference. */
function reference(ms: number): string {
  const clamped = Math.max(0, ms);
  const minutes = Math.floor(clamped / 60_000);
  const s = `${Number(((clamped % 60_000) / 1000).toFixed(3))}s`;
  return minutes > 0 ? `${minutes}m${s}` : s;
}

describe('formatReset', () => {
  it("writes OpenAI's duration style", () => {
    assert.equal(formatReset(0), '0s');
    assert.equal(formatReset(6), '0.006s');
    assert.equal(formatReset(2500), '2.5s');
    assert.equal(formatReset(62_500), '1m2.5s');
    assert.equal(formatReset(-5), '0s');
    assert.equal(formatReset(1234.5678), '1.235s');
  });

  it('matches the toFixed formula for every whole millisecond up to two minutes and for fractions', () => {
    for (let ms = 0; ms <= 120_000; ms++) assert.equal(formatReset(ms), reference(ms));
    for (let i = 0; i < 10_000; i++) {
      const ms = Math.random() * 180_000;
      assert.equal(formatReset(ms), reference(ms));
    }
  });
});
