import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LanguageModel } from '../ml/contracts.ts';
import { BIGRAM_PARAGRAPH, createBigramLm } from './testing/bigram-lm.ts';
import { type FixtureServer, startFixtureServer } from './testing/fixture-server.ts';
import { languageModelIn, tinyModels } from './testing/tiny-models.ts';

// A real tiny tfjs LM (random weights) for API behaviour; the bigram fixture where known text makes a check exact.
const LM = 'moat-lm-tiny';
let s: FixtureServer;
let lm: LanguageModel;
const id = (ch: string) => lm.tokenizer.encode(ch)[0];

before(async () => {
  const real = await tinyModels(['lm']);
  lm = languageModelIn(real);
  s = await startFixtureServer({}, { models: [...real, { family: 'lm', model: createBigramLm({ name: 'test-lm' }) }] });
});
after(() => s.close());

describe('POST /v1/completions through the openai SDK', () => {
  it('completes a prompt with usage in characters and legacy logprobs', async () => {
    const r = await s.client.completions.create({ model: LM, prompt: 'Call me', max_tokens: 12, logprobs: 3, seed: 1 });
    assert.equal(r.object, 'text_completion');
    assert.equal(r.choices.length, 1);
    const [c] = r.choices;
    assert.equal(c.text.length, 12);
    assert.equal(c.finish_reason, 'length');
    assert.deepEqual(r.usage, { prompt_tokens: 7, completion_tokens: 12, total_tokens: 19 });
    const lp = c.logprobs;
    assert.ok(lp);
    assert.equal(lp.tokens?.join(''), c.text);
    assert.equal(lp.token_logprobs?.length, 12);
    assert.ok(lp.token_logprobs?.every((x) => x <= 0));
    assert.deepEqual(lp.text_offset, Array.from({ length: 12 }, (_, i) => 7 + i));
    for (const [i, top] of (lp.top_logprobs ?? []).entries()) {
      assert.equal(Object.keys(top).length, 3);
      assert.ok(Object.values(top).reduce((a, x) => a + Math.exp(x), 0) <= 1 + 1e-9);
      assert.ok(Math.max(...Object.values(top)) >= (lp.token_logprobs?.[i] ?? 0) - 1e-6);
    }
  });

  it('is reproducible with a seed and varies without one', async () => {
    const ask = (seed?: number) => s.client.completions.create({ model: LM, prompt: 'The ', max_tokens: 40, temperature: 1.2, seed });
    const [a, b, c] = await Promise.all([ask(42), ask(42), ask(43)]);
    assert.equal(a.choices[0].text, b.choices[0].text);
    assert.notEqual(a.choices[0].text, c.choices[0].text);
    const unseeded = await Promise.all([ask(), ask(), ask()]);
    assert.ok(new Set(unseeded.map((r) => r.choices[0].text)).size > 1);
  });

  it('returns n different choices per prompt, ordered prompt by prompt', async () => {
    const r = await s.client.completions.create({ model: LM, prompt: ['ab', 'xyz'], n: 3, max_tokens: 20, seed: 5 });
    assert.deepEqual(r.choices.map((c) => c.index), [0, 1, 2, 3, 4, 5]);
    assert.ok(new Set(r.choices.slice(0, 3).map((c) => c.text)).size > 1);
    assert.deepEqual(r.usage, { prompt_tokens: 5, completion_tokens: 120, total_tokens: 125 });
  });

  it('applies logit_bias: +100 forces a token, -100 bans it', async () => {
    const forced = await s.client.completions.create({ model: LM, prompt: 'Call', max_tokens: 10, logit_bias: { [id('q')]: 100 }, logprobs: 1 });
    assert.equal(forced.choices[0].text, 'q'.repeat(10));
    assert.ok((forced.choices[0].logprobs?.token_logprobs ?? []).every((x) => x > -1e-3));

    const greedy = await s.client.completions.create({ model: LM, prompt: 'Call m', max_tokens: 1, temperature: 0 });
    const best = greedy.choices[0].text;
    const banned = await s.client.completions.create({ model: LM, prompt: 'Call m', max_tokens: 1, temperature: 0, logit_bias: { [id(best)]: -100 } });
    assert.notEqual(banned.choices[0].text, best);
  });

  it('greedy decoding (temperature 0) picks the most frequent successor in the paragraph the bigram was counted on', async () => {
    for (const last of ['v', 'p', 'u']) {
      const successors = new Map<string, number>();
      for (let i = 0; i + 1 < BIGRAM_PARAGRAPH.length; i++) {
        if (BIGRAM_PARAGRAPH[i] === last) successors.set(BIGRAM_PARAGRAPH[i + 1], (successors.get(BIGRAM_PARAGRAPH[i + 1]) ?? 0) + 1);
      }
      const top = Math.max(...successors.values());
      const expected = [...successors].filter(([, c]) => c === top).map(([ch]) => ch).sort()[0];
      const r = await s.client.completions.create({ model: 'test-lm', prompt: `xx${last}`, max_tokens: 1, temperature: 0 });
      assert.equal(r.choices[0].text, expected, `after '${last}'`);
    }
  });

  it('ends at a stop string with finish_reason stop and leaves it out', async () => {
    // A +4 bias makes 'e' likely enough that it appears within 200 characters.
    const r = await s.client.completions.create({ model: LM, prompt: 'Call me', max_tokens: 200, stop: ['e'], seed: 3, logit_bias: { [id('e')]: 4 } });
    const [c] = r.choices;
    assert.ok(!c.text.includes('e'), c.text);
    assert.equal(c.finish_reason, 'stop');
    assert.ok((r.usage?.completion_tokens ?? 0) === c.text.length + 1, 'the stop character was sampled and counted');
  });

  it('echoes the prompt when asked', async () => {
    const r = await s.client.completions.create({ model: LM, prompt: 'Call me', max_tokens: 3, echo: true, seed: 1 });
    assert.ok(r.choices[0].text.startsWith('Call me'));
    assert.equal(r.choices[0].text.length, 10);
  });

  it('streams text chunks, a finish chunk and a usage chunk', async () => {
    const stream = await s.client.completions.create({
      model: LM,
      prompt: 'Call me',
      max_tokens: 25,
      stream: true,
      logprobs: 2,
      seed: 9,
      stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let finish: string | null = null;
    let usage: unknown;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        text += c.text;
        if (c.text) {
          chunks++;
          assert.equal(c.logprobs?.tokens?.join(''), c.text);
        }
        finish = c.finish_reason ?? finish;
      }
    }
    assert.equal(text.length, 25);
    assert.equal(chunks, 25);
    assert.equal(finish, 'length');
    assert.deepEqual(usage, { prompt_tokens: 7, completion_tokens: 25, total_tokens: 32 });
    const whole = await s.client.completions.create({ model: LM, prompt: 'Call me', max_tokens: 25, seed: 9 });
    assert.equal(whole.choices[0].text, text, 'streaming and non-streaming agree for one seed');
  });
});
