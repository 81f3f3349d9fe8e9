import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MoatError } from '../../http/errors.ts';
import { DETECTOR_NAMES } from '../types.ts';
import { benignReferencePrompts, createDetectors } from './index.ts';
import { embedText } from './testing/embed.ts';
import { createRng, humanPrompt, makeEvent, randomWords, T0 } from './testing/traffic.ts';

const reference = benignReferencePrompts(256).map((p) => embedText(p) as Float32Array);

test('createDetectors: all six in DETECTOR_NAMES order, `only` filters', () => {
  const all = createDetectors({ mmd: { reference } });
  assert.deepEqual(
    all.map((d) => d.name),
    [...DETECTOR_NAMES],
  );
  assert.deepEqual(
    createDetectors({ only: ['prada', 'templating'] }).map((d) => d.name),
    ['prada', 'templating'],
  );
  for (const d of all) assert.ok(d.maxStateBytes > 0 && Number.isFinite(d.maxStateBytes), d.name);
});

test('every detector rejects an unknown account and a malformed event with a MoatError', () => {
  for (const d of createDetectors({ mmd: { reference } })) {
    const s = d.create();
    const good = makeEvent({ at: T0, promptText: 'hi there' });
    assert.throws(() => d.observe(s, { ...good, accountId: null }), MoatError, d.name);
    assert.throws(() => d.observe(s, { ...good, params: null as unknown as typeof good.params }), MoatError, d.name);
  }
});

test('every detector scores in [0, 1] with reasons as strings, per account and merged', () => {
  const rng = createRng(1);
  const detectors = createDetectors({ mmd: { reference } });
  for (const d of detectors) {
    const states = [d.create(), d.create()];
    for (let i = 0; i < 400; i++) {
      const text = i % 2 ? humanPrompt(rng) : `${randomWords(rng, 3)}?`;
      d.observe(states[i % 2], makeEvent({ accountId: `a${i % 2}`, at: T0 + i * 5000, promptText: text, params: { logprobs: i % 3 === 0 } }));
    }
    for (const r of [d.score(states[0], T0 + 2e6), d.score(d.merge(states), T0 + 2e6)]) {
      assert.ok(r.score >= 0 && r.score <= 1, `${d.name}: ${r.score}`);
      assert.ok(r.reasons.every((x) => typeof x === 'string'));
      assert.ok(Object.values(r.features).every((x) => Number.isFinite(x)), `${d.name}: ${JSON.stringify(r.features)}`);
    }
  }
});

test('merging no states gives an empty state that scores 0', () => {
  for (const d of createDetectors({ mmd: { reference } })) assert.equal(d.score(d.merge([]), T0).score, 0, d.name);
});

test('dose–response: a larger share of attack traffic never lowers the score (coverage, mmd, templating, api-probing)', () => {
  const attack = (rng: ReturnType<typeof createRng>, i: number) =>
    makeEvent({
      at: T0 + i * 1000,
      promptText:
        i % 2
          ? `Write a short poem about ${randomWords(rng, 1)} in the style of ${['Frost', 'Hugo'][i % 4 >> 1]}.`
          : `${randomWords(rng, 2)}: ${randomWords(rng, 4)}?`,
      params: { logprobs: true, logitBias: true, maxTokens: 1 },
    });
  const benign = (rng: ReturnType<typeof createRng>, i: number) => makeEvent({ at: T0 + i * 1000, promptText: humanPrompt(rng), followUp: i % 3 === 0 });
  // MMD's reference must be traffic like the benign stream (the production reference prompts use other words).
  const referenceRng = createRng(99);
  const chatReference = Array.from({ length: 512 }, () => embedText(humanPrompt(referenceRng)) as Float32Array);
  for (const d of createDetectors({ only: ['coverage', 'mmd', 'templating', 'api-probing'], mmd: { reference: chatReference } })) {
    let previous = -1;
    let clean = 0;
    for (const share of [0, 0.25, 0.5, 0.75, 1]) {
      const rng = createRng(42);
      const s = d.create();
      for (let i = 0; i < 300; i++) d.observe(s, rng.next() < share ? attack(rng, i) : benign(rng, i));
      const value = d.score(s, T0).score;
      assert.ok(value >= previous - 0.05, `${d.name}: ${value} at share ${share} after ${previous}`);
      if (share === 0) clean = value;
      previous = Math.max(previous, value);
    }
    assert.ok(previous > clean + 0.1, `${d.name} scores the pure attack (${previous}) above benign traffic (${clean})`);
  }
});
