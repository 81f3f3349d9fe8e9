import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogitsProcessor } from './logits-processors.ts';
import { createRng } from './rng.ts';
import { type SamplingParams, logSoftmax, sampleNext } from './sampler.ts';
import { createBigramLm } from './testing/bigram-lm.ts';

const lm = createBigramLm();
const ctx = { tokens: lm.tokenizer.encode('the wh'), step: 0 };
const logits = lm.nextLogits([ctx.tokens])[0];
const base: SamplingParams = { temperature: 1, topP: 1, logitBias: new Map(), processors: [], topLogprobs: 0 };

function draws(params: SamplingParams, seed: number, count = 200): number[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => sampleNext(logits, params, ctx, rng).token);
}

function argmax(values: Float32Array): number {
  return values.indexOf(Math.max(...values));
}

describe('sampleNext', () => {
  it('reproduces the same tokens for the same seed and differs for another', () => {
    assert.deepEqual(draws(base, 7), draws(base, 7));
    assert.notDeepEqual(draws(base, 7), draws(base, 8));
    assert.ok(new Set(draws(base, 7)).size > 1, 'temperature 1 should vary');
  });

  it('gives separate streams of one seed different sequences', () => {
    const a = createRng(5, 0);
    const b = createRng(5, 1);
    assert.notDeepEqual([a.next(), a.next()], [b.next(), b.next()]);
  });

  it('is greedy at temperature 0 whatever the seed', () => {
    const greedy = new Set([...draws({ ...base, temperature: 0 }, 1, 50), ...draws({ ...base, temperature: 0 }, 2, 50)]);
    assert.deepEqual([...greedy], [argmax(logits)]);
  });

  it('is greedy with a tiny top_p', () => {
    assert.deepEqual(new Set(draws({ ...base, topP: 1e-6 }, 3)), new Set([argmax(logits)]));
  });

  it('never picks a token biased by -100 and always picks one biased by +100', () => {
    const best = argmax(logits);
    const banned = draws({ ...base, temperature: 0, logitBias: new Map([[best, -100]]) }, 1, 20);
    assert.ok(!banned.includes(best));
    const hot = draws({ ...base, temperature: 2, logitBias: new Map([[best, -100]]) }, 9, 500);
    assert.ok(!hot.includes(best), 'a banned token must not appear even at high temperature');
    const rare = logits.indexOf(Math.min(...logits));
    assert.deepEqual(new Set(draws({ ...base, logitBias: new Map([[rare, 100]]) }, 4)), new Set([rare]));
  });

  it('reports logprobs ≤ 0 whose probabilities sum to at most 1, best first', () => {
    const rng = createRng(11);
    for (let i = 0; i < 20; i++) {
      const s = sampleNext(logits, { ...base, topLogprobs: 20 }, ctx, rng);
      assert.equal(s.top.length, 20);
      assert.ok(s.logprob <= 0);
      let mass = 0;
      for (const [j, t] of s.top.entries()) {
        assert.ok(t.logprob <= 0);
        if (j > 0) assert.ok(t.logprob <= s.top[j - 1].logprob);
        mass += Math.exp(t.logprob);
      }
      assert.ok(mass <= 1 + 1e-9, `top-20 mass ${mass}`);
      assert.equal(s.top[0].token, argmax(logits));
    }
  });

  it('reports the biased distribution, independent of temperature', () => {
    const rare = logits.indexOf(Math.min(...logits));
    const a = sampleNext(logits, { ...base, temperature: 0, logitBias: new Map([[rare, 100]]), topLogprobs: 1 }, ctx, createRng(1));
    const b = sampleNext(logits, { ...base, temperature: 1.7, logitBias: new Map([[rare, 100]]), topLogprobs: 1 }, ctx, createRng(1));
    assert.equal(a.token, rare);
    assert.ok(a.logprob > -1e-6, `forced token logprob ${a.logprob}`);
    assert.equal(a.logprob, b.logprob);
  });

  it('runs processors in order, after logit_bias, with the request key', () => {
    const seen: string[] = [];
    const first: LogitsProcessor = (c, l) => {
      seen.push(`first:${c.requestKey}:${c.step}:${l[3] > 50}`);
      l.fill(-5);
    };
    const second: LogitsProcessor = (_c, l) => {
      seen.push('second');
      l[42] = 5;
    };
    const s = sampleNext(logits, { ...base, logitBias: new Map([[3, 100]]), processors: [first, second] }, { ...ctx, step: 2, requestKey: 'k1' }, createRng(1));
    assert.deepEqual(seen, ['first:k1:2:true', 'second']);
    assert.equal(s.token, 42);
  });

  it('samples in proportion to the distribution at temperature 1', () => {
    const lp = logSoftmax(logits);
    const best = argmax(logits);
    const picks = draws(base, 21, 4000).filter((t) => t === best).length / 4000;
    assert.ok(Math.abs(picks - Math.exp(lp[best])) < 0.05, `empirical ${picks} vs ${Math.exp(lp[best])}`);
  });
});
