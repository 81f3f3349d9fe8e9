import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LanguageModel } from '../ml/contracts.ts';
import { renderChatPrompt } from './chat-template.ts';
import { type FixtureServer, fixtureModels, startFixtureServer } from './testing/fixture-server.ts';
import { languageModelIn, tinyModels } from './testing/tiny-models.ts';

// A real tiny tfjs LM (random weights); the slow bigram fixture only where a test measures time.
const LM = 'moat-lm-tiny';
let s: FixtureServer;
let lm: LanguageModel;

before(async () => {
  const real = await tinyModels(['lm']);
  lm = languageModelIn(real);
  s = await startFixtureServer({}, { models: [...real, ...fixtureModels()] });
});
after(() => s.close());

const messages = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'where are the whales?' },
];

describe('chat template', () => {
  it('renders one line per turn and ends ready for the reply', () => {
    assert.equal(
      renderChatPrompt([...messages, { role: 'assistant', content: 'in the sea' }, { role: 'user', content: 'and?' }]),
      'Be brief.\n\nUser: where are the whales?\nAssistant: in the sea\nUser: and?\nAssistant: ',
    );
    assert.equal(renderChatPrompt([{ role: 'user', content: 'hi' }]), 'User: hi\nAssistant: ');
  });
});

describe('POST /v1/chat/completions through the openai SDK', () => {
  it('answers with an assistant message, usage in template characters, and a finish reason', async () => {
    const r = await s.client.chat.completions.create({ model: LM, messages, max_tokens: 30, seed: 2 });
    assert.equal(r.object, 'chat.completion');
    const [c] = r.choices;
    assert.equal(c.message.role, 'assistant');
    assert.equal(typeof c.message.content, 'string');
    assert.ok(c.finish_reason === 'length' || c.finish_reason === 'stop');
    if (c.finish_reason === 'length') assert.equal(c.message.content?.length, 30);
    assert.equal(r.usage?.prompt_tokens, renderChatPrompt(messages).length);
    assert.ok((r.usage?.completion_tokens ?? 0) >= (c.message.content?.length ?? 0));
    assert.equal(c.logprobs, null);
  });

  it('stops at the start of the next turn', async () => {
    const r = await s.client.chat.completions.create({ model: LM, messages, max_tokens: 200, seed: 4, n: 4 });
    for (const c of r.choices) {
      assert.ok(!c.message.content?.includes('\nUser:') && !c.message.content?.includes('\nAssistant:'));
    }
    const newline = await s.client.chat.completions.create({ model: LM, messages, max_tokens: 5, logit_bias: { [lm.tokenizer.encode('\n')[0]]: 100 }, stop: ['\n'] });
    assert.equal(newline.choices[0].message.content, '');
    assert.equal(newline.choices[0].finish_reason, 'stop');
  });

  it('returns chat-shaped logprobs with top_logprobs alternatives', async () => {
    const r = await s.client.chat.completions.create({ model: LM, messages, max_tokens: 15, logprobs: true, top_logprobs: 5, seed: 8 });
    const c = r.choices[0];
    const content = c.logprobs?.content ?? [];
    assert.equal(content.map((t) => t.token).join(''), c.message.content);
    for (const t of content) {
      assert.ok(t.logprob <= 0);
      assert.equal(t.top_logprobs.length, 5);
      assert.deepEqual(t.bytes, [...Buffer.from(t.token)]);
      assert.ok(t.top_logprobs[0].logprob >= t.logprob, 'the best alternative is at least as likely as the sampled token');
      assert.ok(t.top_logprobs.reduce((a, x) => a + Math.exp(x.logprob), 0) <= 1 + 1e-9);
    }
  });

  it('streams tokens as separate delta chunks before the stream ends', async () => {
    const stream = await s.client.chat.completions.create({
      model: 'test-lm-slow',
      messages,
      max_tokens: 20,
      stream: true,
      seed: 6,
      logprobs: true,
      stream_options: { include_usage: true },
    });
    const arrivals: number[] = [];
    let role = '';
    let text = '';
    let finish: string | null = null;
    let usage: { completion_tokens: number } | undefined;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        if (c.delta.role) role = c.delta.role;
        if (c.delta.content) {
          arrivals.push(performance.now());
          text += c.delta.content;
          assert.equal(c.logprobs?.content?.map((t) => t.token).join(''), c.delta.content);
        }
        finish = c.finish_reason ?? finish;
      }
    }
    assert.equal(role, 'assistant');
    assert.ok(finish === 'length' || finish === 'stop');
    const ended = performance.now();
    assert.ok(arrivals.length >= 5, `${arrivals.length} content chunks for ${JSON.stringify(text)}`);
    // Each token costs the slow model 2 ms, so a stream that arrived in one piece would have all arrivals at the end.
    assert.ok(ended - arrivals[0] >= 8, `first token arrived only ${(ended - arrivals[0]).toFixed(1)} ms before the end`);
    assert.ok(usage && usage.completion_tokens >= text.length);
    const whole = await s.client.chat.completions.create({ model: 'test-lm-slow', messages, max_tokens: 20, seed: 6 });
    assert.equal(whole.choices[0].message.content, text);
  });

  it('streams n choices, each with its own index and finish chunk', async () => {
    const stream = await s.client.chat.completions.create({ model: LM, messages, max_tokens: 10, stream: true, n: 3, seed: 1 });
    const texts = ['', '', ''];
    const finished = new Set<number>();
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        texts[c.index] += c.delta.content ?? '';
        if (c.finish_reason) finished.add(c.index);
      }
    }
    assert.deepEqual([...finished].sort(), [0, 1, 2]);
    assert.ok(new Set(texts).size > 1);
  });
});
