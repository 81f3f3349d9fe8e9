import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MoatError } from '../../http/errors.ts';
import type { DetectionEvent } from '../types.ts';
import { createCoverageDetector } from './coverage.ts';
import { approximateBytes } from './testing/state-size.ts';
import { createRng, humanFollowUp, humanPrompt, makeEvent, type Rng, randomWords, T0 } from './testing/traffic.ts';

const ev = (accountId: string, i: number, promptText: string, followUp = false) =>
  makeEvent({ accountId, at: T0 + i * 1000, promptText, followUp });

function run(events: DetectionEvent[]) {
  const d = createCoverageDetector();
  const s = d.create();
  for (const e of events) d.observe(s, e);
  return { d, s, r: d.score(s, T0) };
}

/** An active-learning style sweep: every prompt a fresh combination from the whole vocabulary, never a follow-up. */
export function sweep(rng: Rng, accountId: string, n: number): DetectionEvent[] {
  return Array.from({ length: n }, (_, i) => ev(accountId, i, `${randomWords(rng, 2)}: ${randomWords(rng, 4)}?`));
}

/** Two interests, conversations with follow-ups. */
function chatUser(rng: Rng, n: number): DetectionEvent[] {
  const topics = ['cooking', 'garden'];
  return Array.from({ length: n }, (_, i) => (rng.next() < 0.5 ? ev('human', i, humanFollowUp(rng), true) : ev('human', i, humanPrompt(rng, topics))));
}

test('coverage: a sweep across the space with no follow-ups scores high', () => {
  const { r } = run(sweep(createRng(1), 'attacker', 600));
  assert.ok(r.score > 0.7, `score ${r.score} ${JSON.stringify(r.features)}`);
  assert.match(r.reasons.join('\n'), /% of prompts open a new region/);
  assert.match(r.reasons.join('\n'), /100% of 600 requests are single-shot/);
});

test('coverage: a chat user with two interests and follow-ups scores low', () => {
  const { r } = run(chatUser(createRng(2), 600));
  assert.ok(r.score < 0.1, `score ${r.score} ${JSON.stringify(r.features)}`);
});

test('coverage: hard negatives — a researcher re-running an evaluation suite, a developer re-running fixtures', () => {
  const rng = createRng(3);
  const suite = Array.from({ length: 150 }, (_, q) => `Q${q}. ${humanPrompt(rng)} Answer briefly.`);
  const researcher = run(Array.from({ length: 750 }, (_, i) => ev('researcher', i, suite[i % suite.length])));
  assert.ok(researcher.r.score < 0.2, `researcher ${researcher.r.score} ${JSON.stringify(researcher.r.features)}`);
  const fixtures = Array.from({ length: 5 }, () => humanPrompt(rng));
  const dev = run(Array.from({ length: 300 }, (_, i) => ev('dev', i, fixtures[i % 5])));
  assert.ok(dev.r.score < 0.05, `developer ${dev.r.score}`);
});

test('coverage: merge keeps a sweep split over a swarm, and collapses look-alike users', () => {
  const d = createCoverageDetector();
  const rng = createRng(4);
  const swarm = Array.from({ length: 20 }, (_, m) => {
    const s = d.create();
    for (const e of sweep(rng, `s${m}`, 25)) d.observe(s, e);
    return s;
  });
  assert.ok(d.score(swarm[0], T0).score < 0.2, 'a member alone has too little traffic');
  const cluster = d.score(d.merge(swarm), T0);
  assert.ok(cluster.score > 0.6, `swarm ${cluster.score} ${JSON.stringify(cluster.features)}`);
  const lookAlikes = Array.from({ length: 20 }, (_, m) => {
    const s = d.create();
    for (let i = 0; i < 25; i++) d.observe(s, ev(`u${m}`, i, humanPrompt(rng)));
    return s;
  });
  const office = d.score(d.merge(lookAlikes), T0);
  assert.ok(office.score < 0.1, `look-alike users ${office.score} ${JSON.stringify(office.features)}`);
});

test('coverage: rejects malformed events, stays bounded after 10,000 events', () => {
  const d = createCoverageDetector();
  const s = d.create();
  const good = ev('a', 0, 'hello there');
  assert.throws(() => d.observe(s, { ...good, embedding: new Float32Array(4).fill(1) }), MoatError, 'not unit length');
  assert.throws(() => d.observe(s, { ...good, followUp: 'yes' as unknown as boolean }), MoatError);
  const rng = createRng(5);
  for (const e of sweep(rng, 'a', 10_000)) d.observe(s, e);
  assert.ok(approximateBytes(s) <= d.maxStateBytes, `${approximateBytes(s)} bytes`);
  assert.throws(() => d.observe(s, { ...good, embedding: new Float32Array([1, 0, 0]) }), MoatError, 'dimension change');
});

test('coverage: hard negative — the first pass of a public benchmark (prompts many other accounts sent verbatim)', () => {
  // The same sweep-like items scored as an attacker's own prompts, and as a public suite the engine saw elsewhere.
  const items = sweep(createRng(6), 'researcher', 400);
  const own = run(items);
  const publicSuite = run(items.map((e) => ({ ...e, sharedBy: 5 })));
  assert.ok(own.r.score > 0.7, `own ${own.r.score}`);
  assert.ok(publicSuite.r.score < 0.05, `public ${publicSuite.r.score} ${JSON.stringify(publicSuite.r.features)}`);
  assert.equal(publicSuite.r.features.repeatFraction > 0.9, true, 'public prompts count like repeats');
});
