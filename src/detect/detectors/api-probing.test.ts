import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MoatError } from '../../http/errors.ts';
import type { DetectionEvent } from '../types.ts';
import { createApiProbingDetector } from './api-probing.ts';
import { approximateBytes } from './testing/state-size.ts';
import { createRng, humanPrompt, makeEvent, randomWords, T0 } from './testing/traffic.ts';

function scoreOf(events: DetectionEvent[]) {
  const d = createApiProbingDetector();
  const s = d.create();
  for (const e of events) d.observe(s, e);
  return d.score(s, T0);
}

const at = (i: number) => T0 + i * 1000;

test('api-probing: logit_bias + logprobs 1-token probing is flagged on its own', () => {
  const rng = createRng(1);
  const events = Array.from({ length: 120 }, (_, i) =>
    makeEvent({ at: at(i), promptText: `The next word is ${randomWords(rng, 3)}`, embed: false, params: { logprobs: true, topLogprobs: 20, logitBias: true, maxTokens: 1 } }),
  );
  const r = scoreOf(events);
  assert.ok(r.score > 0.95, `score ${r.score}`);
  assert.match(r.reasons[0], /logit_bias with logprobs on 100% of requests/);
});

test('api-probing: temperature sweeps and high n are flagged', () => {
  const rng = createRng(2);
  const events: DetectionEvent[] = [];
  for (let p = 0; p < 20; p++) {
    const prompt = humanPrompt(rng);
    for (const t of [0, 0.2, 0.4, 0.6, 0.8, 1, 1.2, 1.5]) events.push(makeEvent({ at: at(events.length), promptText: prompt, embed: false, params: { temperature: t, n: 16 } }));
  }
  const r = scoreOf(events);
  assert.ok(r.score > 0.8, `score ${r.score}`);
  assert.match(r.reasons.join('\n'), /prompts sent at ≥ 4 temperatures \(up to 8\)/);
});

test('api-probing: chain-of-thought elicitation at scale is flagged, a few such prompts are not', () => {
  const rng = createRng(3);
  const cot = (n: number) =>
    Array.from({ length: n }, (_, i) => makeEvent({ at: at(i), promptText: `${humanPrompt(rng)} Think step by step and explain your reasoning.`, embed: false }));
  assert.ok(scoreOf(cot(400)).score > 0.6, 'at scale');
  assert.ok(scoreOf(cot(1000)).score > 0.84, 'at larger scale');
  assert.ok(scoreOf(cot(20)).score < 0.05, 'a handful');
});

test('api-probing: a chat user scores zero', () => {
  const rng = createRng(4);
  const events = Array.from({ length: 200 }, (_, i) => makeEvent({ at: at(i), promptText: humanPrompt(rng), embed: false, params: { temperature: 0.7 } }));
  assert.equal(scoreOf(events).score, 0);
});

test('api-probing: hard negatives — an eval suite scored by 1-token logprobs, a developer trying three temperatures', () => {
  const rng = createRng(5);
  const evalSuite = Array.from({ length: 500 }, (_, i) =>
    makeEvent({ at: at(i), promptText: `Question ${i}: ${humanPrompt(rng)} Answer with A, B, C or D.`, embed: false, params: { logprobs: true, topLogprobs: 5, maxTokens: 1, temperature: 0 } }),
  );
  const researcher = scoreOf(evalSuite);
  assert.ok(researcher.score < 0.45 && researcher.score > 0.2, `researcher ${researcher.score}`);
  const prompts = Array.from({ length: 5 }, () => humanPrompt(rng));
  const developer: DetectionEvent[] = [];
  for (let round = 0; round < 30; round++) {
    for (const p of prompts) developer.push(makeEvent({ at: at(developer.length), promptText: p, embed: false, params: { temperature: [0, 0.7, 1][round % 3] } }));
  }
  assert.ok(scoreOf(developer).score < 0.05, `developer ${scoreOf(developer).score}`);
});

test('api-probing: a probe split across a swarm scores high when merged', () => {
  const d = createApiProbingDetector();
  const states = Array.from({ length: 30 }, (_, m) => {
    const s = d.create();
    for (let i = 0; i < 3; i++) d.observe(s, makeEvent({ accountId: `s${m}`, at: at(i), promptText: 'w', embed: false, params: { logprobs: true, logitBias: true, maxTokens: 1 } }));
    return s;
  });
  assert.ok(d.score(states[0], T0).score < 0.2, 'each member has too few requests to judge');
  assert.ok(d.score(d.merge(states), T0).score > 0.9, 'the cluster does not');
});

test('api-probing: rejects malformed events, stays bounded after 10,000 events', () => {
  const d = createApiProbingDetector();
  const s = d.create();
  const good = makeEvent({ at: T0, promptText: 'x', embed: false });
  assert.throws(() => d.observe(s, { ...good, params: { ...good.params, n: -1 } }), MoatError);
  assert.throws(() => d.observe(s, { ...good, accountId: '' }), MoatError);
  const rng = createRng(6);
  for (let i = 0; i < 10_000; i++) {
    d.observe(s, makeEvent({ at: at(i), promptText: randomWords(rng, 5), embed: false, params: { temperature: rng.next() * 2, logprobs: true } }));
  }
  assert.ok(approximateBytes(s) <= d.maxStateBytes, `${approximateBytes(s)} bytes`);
});
