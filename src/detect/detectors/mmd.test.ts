import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MoatError } from '../../http/errors.ts';
import type { DetectionEvent } from '../types.ts';
import { createMmdDetector, type MmdState } from './mmd.ts';
import { benignReferencePrompts } from './mmd-reference.ts';
import { embedText } from './testing/embed.ts';
import { approximateBytes } from './testing/state-size.ts';
import { createRng, humanPrompt, makeEvent, type Rng, randomWords, T0 } from './testing/traffic.ts';

// The fixed reference: benign prompts of the same kind the benign personas send, from an unrelated seed.
const referenceRng = createRng(99);
const reference = Array.from({ length: 512 }, () => embedText(humanPrompt(referenceRng)) as Float32Array);
const detector = createMmdDetector({ reference });

function windows(gen: (rng: Rng) => string, count: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => {
    const s = detector.create();
    for (let i = 0; i < 64; i++) detector.observe(s, makeEvent({ at: T0 + i, promptText: gen(rng) }));
    return detector.score(s, T0).score;
  });
}

test('mmd: windows of a synthetic sweep differ from the benign reference', () => {
  const scores = windows((rng) => `${randomWords(rng, 2)}: ${randomWords(rng, 4)}?`, 10, 1);
  assert.ok(Math.min(...scores) === 1, scores.join(' '));
  const s = detector.create();
  const rng = createRng(2);
  for (let i = 0; i < 64; i++) detector.observe(s, makeEvent({ at: T0, promptText: `${randomWords(rng, 2)}: ${randomWords(rng, 4)}?` }));
  assert.match(detector.score(s, T0).reasons[0], /last 64 prompts differ from benign traffic: MMD² [0-9.e+-]+, [0-9.]+× .*\(p 0\.005\)/);
});

test('mmd: benign chat windows stay under the action range (0 of 30)', () => {
  const scores = windows((rng) => humanPrompt(rng), 30, 3);
  assert.equal(scores.filter((x) => x > 0).length, 0, scores.join(' '));
});

test('mmd: hard negatives — narrow-interest and single-domain users score below 0.5', () => {
  const narrow = windows((rng) => humanPrompt(rng, ['cooking', 'garden']), 20, 4);
  const domain = windows((rng) => humanPrompt(rng, ['code']), 20, 5);
  assert.ok(Math.max(...narrow) < 0.5, `narrow ${narrow.join(' ')}`);
  assert.ok(Math.max(...domain) < 0.5, `single domain ${domain.join(' ')}`);
});

test('mmd: hard negative — a one-template bulk job differs from chat but is narrow, so it counts half', () => {
  const bulk = windows((rng) => `Summarise this support ticket in one line. Ticket #${rng.int(9999)}: customer reports ${randomWords(rng, 5)} after the update.`, 5, 9);
  assert.ok(bulk.every((x) => x === 0.5), bulk.join(' '));
  const s = detector.create();
  const rng = createRng(10);
  for (let i = 0; i < 64; i++) detector.observe(s, makeEvent({ at: T0, promptText: `Write a short poem about ${randomWords(rng, 1)} in the style of Frost.` }));
  const r = detector.score(s, T0);
  assert.equal(r.score, 0.5);
  assert.match(r.reasons[1], /counted 50%: the window is narrow \(diversity 0\.\d+× benign\)/);
});

test('mmd: too short a window is not scored; a cluster window interleaves its members', () => {
  const rng = createRng(6);
  const members: MmdState[] = Array.from({ length: 16 }, () => {
    const s = detector.create();
    for (let i = 0; i < 8; i++) detector.observe(s, makeEvent({ at: T0, promptText: `${randomWords(rng, 2)}: ${randomWords(rng, 4)}?` }));
    return s;
  });
  assert.equal(detector.score(members[0], T0).score, 0);
  assert.equal(detector.score(members[0], T0).features.windowFill, 8);
  const cluster = detector.score(detector.merge(members), T0);
  assert.equal(cluster.score, 1, JSON.stringify(cluster.features));
});

test('mmd: population reservoir mode becomes ready after 256 embeddings and then scores windows', () => {
  const d = createMmdDetector();
  const rng = createRng(7);
  const s = d.create();
  for (let i = 0; i < 300; i++) d.observe(s, makeEvent({ accountId: `u${i % 50}`, at: T0, promptText: humanPrompt(rng) }));
  assert.equal(d.score(s, T0).features.referenceReady, 1);
  const attacker = d.create();
  for (let i = 0; i < 64; i++) d.observe(attacker, makeEvent({ accountId: 'x', at: T0, promptText: `${randomWords(rng, 2)}: ${randomWords(rng, 4)}?` }));
  assert.ok(d.score(attacker, T0).score > 0.9);
});

test('mmd: bad reference and malformed events are rejected; state bounded after 10,000 events', () => {
  assert.throws(() => createMmdDetector({ reference: reference.slice(0, 10) }), MoatError);
  const s = detector.create();
  const good: DetectionEvent = makeEvent({ at: T0, promptText: 'hello' });
  assert.throws(() => detector.observe(s, { ...good, embedding: new Float32Array([0.6, 0.8]) }), MoatError, 'wrong dimension');
  const rng = createRng(8);
  for (let i = 0; i < 10_000; i++) detector.observe(s, makeEvent({ at: T0 + i, promptText: humanPrompt(rng) }));
  assert.ok(approximateBytes(s) <= detector.maxStateBytes, `${approximateBytes(s)} bytes`);
});

test('mmd reference prompts: deterministic, varied', () => {
  const a = benignReferencePrompts(512, 1);
  assert.deepEqual(a, benignReferencePrompts(512, 1));
  assert.ok(new Set(a).size > 400);
});

test('mmd: hard negative — a public benchmark (prompts many other accounts sent verbatim) never fills the window', () => {
  const rng = createRng(8);
  const s = detector.create();
  const sweepPrompt = () => `${randomWords(rng, 2)}: ${randomWords(rng, 4)}?`;
  for (let i = 0; i < 200; i++) detector.observe(s, { ...makeEvent({ at: T0 + i, promptText: sweepPrompt() }), sharedBy: 6 });
  assert.equal(detector.score(s, T0).score, 0);
  for (let i = 0; i < 64; i++) detector.observe(s, makeEvent({ at: T0 + 200 + i, promptText: sweepPrompt() }));
  assert.equal(detector.score(s, T0).score, 1, 'the account’s own sweep still fires');
});
