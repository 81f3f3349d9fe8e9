import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MoatError } from '../../http/errors.ts';
import type { DetectionEvent } from '../types.ts';
import { hashString, maskedTokens, SKETCH_K, sketchPrompt, sketchSimilarity } from './skeleton-sketch.ts';
import { createTemplatingDetector } from './templating.ts';
import { approximateBytes } from './testing/state-size.ts';
import { createRng, humanFollowUp, humanPrompt, makeEvent, type Rng, randomWords, T0 } from './testing/traffic.ts';

const NAMES = ['Austen', 'Borges', 'Chekhov', 'Dickinson', 'Eliot', 'Frost', 'Gogol', 'Hugo'];
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

/** A task sweep: three skeletons with short slots (topic words, names, numbers). */
function sweepPrompt(rng: Rng): string {
  const w = randomWords(rng, 1);
  switch (rng.int(3)) {
    case 0:
      return `Write a short poem about ${w} in the style of ${pick(rng, NAMES)}. Use exactly ${4 + rng.int(10)} lines and a clear rhyme scheme.`;
    case 1:
      return `Explain the concept of ${w} to a ${10 + rng.int(60)} year old student in simple terms, with one example and one analogy.`;
    default:
      return `List ${3 + rng.int(8)} common mistakes people make with ${w}, and for each one give a short fix and a reason why it matters.`;
  }
}

function run(events: DetectionEvent[]) {
  const d = createTemplatingDetector();
  const s = d.create();
  for (const e of events) d.observe(s, e);
  return { d, s, r: d.score(s, T0) };
}
const ev = (accountId: string, i: number, promptText: string) => makeEvent({ accountId, at: T0 + i * 1000, promptText, embed: false });

test('skeleton sketch: masks numbers and names, and fills of one template stay similar', () => {
  assert.deepEqual(maskedTokens('Write 12 lines like Frost.'), ['write', '#', 'lines', 'like', '@', '.']);
  const a = sketchPrompt('Write a short poem about soil in the style of Frost. Use exactly 7 lines and a clear rhyme scheme.');
  const b = sketchPrompt('Write a short poem about loan in the style of Hugo. Use exactly 12 lines and a clear rhyme scheme.');
  const c = sketchPrompt('my budget seems off after I changed the rent, any idea why');
  assert.ok(sketchSimilarity(a, 0, a.length, b, 0, b.length) > 0.6);
  assert.ok(sketchSimilarity(a, 0, a.length, c, 0, c.length) < 0.1);
});

test('skeleton sketch: the one-pass scanner hashes exactly the masked tokens', () => {
  const rng = createRng(9);
  for (let t = 0; t < 50; t++) {
    // Every other text is long (200+ tokens), which takes the sketch's cut-then-sort path.
    const tail = t % 2 ? ` ${randomWords(rng, 200 + rng.int(200))}` : '';
    const text = `${sweepPrompt(rng)} Ref 12.5/3, see Dr. ${pick(rng, NAMES)}! ${humanPrompt(rng)} “ok” é${tail}`;
    const tokens = maskedTokens(text)
      .slice(0, 256)
      .map((x) => hashString(x, 1));
    const all = new Set<number>(tokens);
    for (let i = 1; i < tokens.length; i++) all.add((Math.imul(tokens[i - 1], 31) ^ Math.imul(tokens[i], 0x9e3779b1)) >>> 0);
    const expected = [...all].sort((a, b) => a - b).slice(0, SKETCH_K);
    assert.deepEqual([...sketchPrompt(text)], expected, text);
  }
});

test('templating: a task sweep over three skeletons scores high', () => {
  const rng = createRng(1);
  const { r } = run(Array.from({ length: 300 }, (_, i) => ev('attacker', i, sweepPrompt(rng))));
  assert.ok(r.score > 0.9, `score ${r.score} ${JSON.stringify(r.features)}`);
  assert.match(r.reasons[0], /\d+% of recent prompts fill [0-9.]+ skeletons with new values/);
});

test('templating: a chat user scores low', () => {
  const rng = createRng(2);
  const { r } = run(Array.from({ length: 300 }, (_, i) => ev('human', i, humanPrompt(rng))));
  assert.ok(r.score < 0.15, `score ${r.score} ${JSON.stringify(r.features)}`);
});

test('templating: hard negatives — a developer re-running test prompts, a batch job summarising distinct tickets', () => {
  const rng = createRng(3);
  const fixtures = Array.from({ length: 5 }, () => humanPrompt(rng));
  const dev = run(Array.from({ length: 300 }, (_, i) => ev('dev', i, fixtures[i % 5])));
  assert.ok(dev.r.score < 0.15, `developer ${dev.r.score} ${JSON.stringify(dev.r.features)}`);
  assert.ok(dev.r.features.repeatFraction > 0.9);
  const batch = run(
    Array.from({ length: 500 }, (_, i) => ev('batch', i, `Summarise this support ticket in two sentences:\n${randomWords(rng, 40 + rng.int(40))}`)),
  );
  assert.ok(batch.r.score < 0.3, `batch ${batch.r.score} ${JSON.stringify(batch.r.features)}`);
  // A bulk job with short fields in one template is indistinguishable from a one-template sweep by text alone:
  // it is capped at 0.6, under the several-skeleton sweep's 1.
  const tickets = run(
    Array.from({ length: 300 }, (_, i) => ev('bulk', i, `Summarise this support ticket in one line. Ticket #${1000 + i}: customer reports ${randomWords(rng, 5)} after the update.`)),
  );
  assert.ok(tickets.r.score <= 0.6 && tickets.r.score > 0.4, `one-template bulk ${tickets.r.score} ${JSON.stringify(tickets.r.features)}`);
  assert.match(tickets.r.reasons[0], /fill one skeleton with new values/);
});

test('templating: a skeleton shared across a swarm of small accounts is seen by merge', () => {
  const rng = createRng(4);
  const d = createTemplatingDetector();
  const members = Array.from({ length: 40 }, (_, m) => {
    const s = d.create();
    for (let i = 0; i < 2; i++) d.observe(s, ev(`s${m}`, i, sweepPrompt(rng)));
    return s;
  });
  assert.ok(d.score(members[0], T0).score < 0.1, 'one member alone');
  const cluster = d.score(d.merge(members), T0);
  assert.ok(cluster.score > 0.8, `cluster ${cluster.score} ${JSON.stringify(cluster.features)}`);
  assert.match(cluster.reasons.join('\n'), /shared by \d+ accounts/);
});

test('templating: a wrapper around long varied content, shared by a swarm, is seen by merge; look-alike users are not', () => {
  const rng = createRng(6);
  const d = createTemplatingDetector();
  const wrap = (x: string) => `You are a helpful assistant. Answer the following request as completely as you can.\n\nRequest: ${x}\n\nAnswer:`;
  const swarm = Array.from({ length: 12 }, (_, m) => {
    const s = d.create();
    for (let i = 0; i < 20; i++) d.observe(s, ev(`w${m}`, i, wrap(randomWords(rng, 30 + rng.int(30)))));
    return s;
  });
  const alone = d.score(swarm[0], T0);
  assert.ok(alone.score < 0.1, `one member (one wrapper, distinct content) ${alone.score} ${JSON.stringify(alone.features)}`);
  const cluster = d.score(d.merge(swarm), T0);
  assert.ok(cluster.score > 0.8, `swarm ${cluster.score} ${JSON.stringify(cluster.features)}`);
  assert.match(cluster.reasons[0], /100% of prompts open with the same wrapper, shared by 12 accounts/);
  const office = Array.from({ length: 20 }, (_, m) => {
    const s = d.create();
    for (let i = 0; i < 20; i++) d.observe(s, ev(`u${m}`, i, i % 3 ? humanPrompt(rng) : humanFollowUp(rng)));
    return s;
  });
  const users = d.score(d.merge(office), T0);
  assert.ok(users.score < 0.3, `look-alike users ${users.score} ${JSON.stringify(users.features)}`);
});

test('templating: rejects malformed events, stays bounded after 10,000 events', () => {
  const d = createTemplatingDetector();
  const s = d.create();
  assert.throws(() => d.observe(s, { ...ev('a', 0, 'x'), promptText: 42 as unknown as string }), MoatError);
  const rng = createRng(5);
  for (let i = 0; i < 10_000; i++) d.observe(s, ev('a', i, rng.next() < 0.5 ? sweepPrompt(rng) : randomWords(rng, 12)));
  assert.ok(approximateBytes(s) <= d.maxStateBytes, `${approximateBytes(s)} bytes`);
});

test('templating: hard negative — a public suite filling templates (items many other accounts sent verbatim) is not templating', () => {
  const rng = createRng(9);
  const items = Array.from({ length: 300 }, (_, i) => ev('researcher', i, sweepPrompt(rng)));
  const { r } = run(items.map((e) => ({ ...e, sharedBy: 3 })));
  assert.ok(r.score < 0.05, `score ${r.score} ${JSON.stringify(r.features)}`);
});
