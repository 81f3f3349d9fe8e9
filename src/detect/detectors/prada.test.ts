import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MoatError } from '../../http/errors.ts';
import type { DetectionEvent } from '../types.ts';
import { createPradaDetector } from './prada.ts';
import { approximateBytes } from './testing/state-size.ts';
import { createRng, humanPrompt, makeEvent, type Rng, randomWords, T0 } from './testing/traffic.ts';

const ev = (accountId: string, i: number, promptText: string) => makeEvent({ accountId, at: T0 + i * 1000, promptText });

/** PRADA's synthetic attacker: a seed prompt, then one-word perturbations of it, a fresh seed every 20 queries. */
function perturbationAttack(rng: Rng, accountId: string, n: number, offset = 0): DetectionEvent[] {
  let seed: string[] = [];
  return Array.from({ length: n }, (_, i) => {
    if (i === 0 || (i + offset) % 20 === 0) seed = randomWords(rng, 10).split(' ');
    const words = [...seed];
    words[rng.int(words.length)] = randomWords(rng, 1);
    return ev(accountId, i, words.join(' '));
  });
}

function run(events: DetectionEvent[]) {
  const d = createPradaDetector();
  const s = d.create();
  for (const e of events) d.observe(s, e);
  return d.score(s, T0);
}

test('prada: perturbations of seed prompts give non-normal min-distances (W < δ)', () => {
  const r = run(perturbationAttack(createRng(1), 'attacker', 600));
  assert.ok(r.score > 0.7, `score ${r.score} ${JSON.stringify(r.features)}`);
  assert.ok(r.features.shapiroW < 0.9);
  assert.match(r.reasons[0], /Shapiro–Wilk W 0\.\d+ < δ 0\.9 over \d+ prompts/);
});

test('prada: a chat user gives normal min-distances', () => {
  const rng = createRng(2);
  const r = run(Array.from({ length: 600 }, (_, i) => ev('human', i, humanPrompt(rng, ['cooking', 'garden']))));
  assert.equal(r.score, 0, JSON.stringify(r.features));
  assert.ok(r.features.shapiroW > 0.97);
});

test('prada: hard negatives — a developer re-running fixtures, a batch job over distinct documents', () => {
  const rng = createRng(3);
  const fixtures = Array.from({ length: 5 }, () => humanPrompt(rng));
  const dev = run(Array.from({ length: 600 }, (_, i) => ev('dev', i, fixtures[i % 5])));
  assert.equal(dev.score, 0, 'exact repeats are not boundary probing');
  const batch = run(Array.from({ length: 600 }, (_, i) => ev('batch', i, `Summarise this support ticket in two sentences:\n${randomWords(rng, 40 + rng.int(40))}`)));
  assert.equal(batch.score, 0, JSON.stringify(batch.features));
});

test('prada: too few prompts are not tested; a swarm splitting the attack is tested when merged', () => {
  const d = createPradaDetector();
  const rng = createRng(4);
  const members = Array.from({ length: 20 }, (_, m) => {
    const s = d.create();
    for (const e of perturbationAttack(rng, `s${m}`, 60, m * 7)) d.observe(s, e);
    return s;
  });
  const alone = d.score(members[0], T0);
  assert.equal(alone.score, 0);
  assert.equal(alone.features.tested, undefined, 'below the 100-distance warm-up');
  const cluster = d.score(d.merge(members), T0);
  // Each member measured its distances against its own growing set, so the pooled shape is weaker than one
  // account's (W ≈ 0.91 here vs 0.84): it registers, weakly — PRADA is a per-account test at heart.
  assert.ok(cluster.features.tested >= 100, JSON.stringify(cluster.features));
  assert.ok(cluster.features.shapiroW < 0.93 && cluster.score > 0, `cluster ${cluster.score} ${JSON.stringify(cluster.features)}`);
});

test('prada: rejects malformed events, stays bounded after 10,000 events', () => {
  const d = createPradaDetector();
  const s = d.create();
  const good = ev('a', 0, 'hello');
  assert.throws(() => d.observe(s, { ...good, embedding: new Float32Array(300).fill(1 / Math.sqrt(300)) }), MoatError, 'too many dimensions');
  assert.throws(() => d.observe(s, { ...good, at: -5 }), MoatError);
  const rng = createRng(5);
  for (const e of perturbationAttack(rng, 'a', 10_000)) d.observe(s, e);
  assert.ok(approximateBytes(s) <= d.maxStateBytes, `${approximateBytes(s)} bytes`);
});

test('prada: hard negative — prompts many other accounts sent verbatim (a public suite) are not tested', () => {
  const attack = perturbationAttack(createRng(7), 'researcher', 600);
  assert.ok(run(attack).score > 0.7);
  const r = run(attack.map((e) => ({ ...e, sharedBy: 4 })));
  assert.equal(r.score, 0, JSON.stringify(r.features));
});
