import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { LanguageModel } from '../ml/contracts.ts';
import { type FixtureServer, fixtureModels, startFixtureServer } from './testing/fixture-server.ts';
import { languageModelIn, tinyModels } from './testing/tiny-models.ts';

// The real tiny LM for generation routes; the fixture classifier / embedder stand in on their routes (refusals
// never reach a model, and creating the real ones costs seconds of corpus reading).
let s: FixtureServer;
let lm: LanguageModel;
before(async () => {
  const real = await tinyModels(['lm']);
  lm = languageModelIn(real);
  s = await startFixtureServer({ maxTokens: 300, maxN: 4, maxInputChars: 2000 }, { models: [...real, ...fixtureModels()] });
});
after(() => s.close());

/** Asserts the SDK raised `Class` with our error code and the named field. */
type ApiErrorClass = new (...args: never[]) => InstanceType<typeof OpenAI.APIError>;

async function rejects(call: () => Promise<unknown>, Class: ApiErrorClass, code: string, param: string | null): Promise<string> {
  try {
    await call();
  } catch (err) {
    assert.ok(err instanceof Class, `expected ${Class.name}, got ${(err as Error)?.constructor?.name}: ${(err as Error).message}`);
    assert.equal(err.code, code);
    assert.equal(err.param, param);
    return err.message;
  }
  assert.fail('the call should have failed');
}

const base = { model: 'moat-lm-tiny', prompt: 'hi' };
const chat = { model: 'moat-lm-tiny', messages: [{ role: 'user' as const, content: 'hi' }] };

describe('model server refusals surface as openai SDK errors', () => {
  it('404 model_not_found for an unknown model', async () => {
    const message = await rejects(() => s.client.completions.create({ ...base, model: 'gpt-9' }), OpenAI.NotFoundError, 'model_not_found', 'model');
    assert.match(message, /gpt-9/);
    await rejects(() => s.client.embeddings.create({ model: 'nope', input: 'x' }), OpenAI.NotFoundError, 'model_not_found', 'model');
    await rejects(() => s.client.models.retrieve('nope'), OpenAI.NotFoundError, 'model_not_found', 'model');
  });

  it('400 for a model on the wrong route', async () => {
    const message = await rejects(() => s.client.completions.create({ ...base, model: 'test-embed' }), OpenAI.BadRequestError, 'invalid_request', 'model');
    assert.match(message, /\/v1\/embeddings/);
    await rejects(() => s.client.embeddings.create({ model: 'test-lm', input: 'x' }), OpenAI.BadRequestError, 'invalid_request', 'model');
    await rejects(() => s.client.chat.completions.create({ ...chat, model: 'test-spam' }), OpenAI.BadRequestError, 'invalid_request', 'model');
  });

  it('400 naming max_tokens when it is zero, negative or above serve.maxTokens', async () => {
    for (const max_tokens of [0, -5, 301]) {
      await rejects(() => s.client.completions.create({ ...base, max_tokens }), OpenAI.BadRequestError, 'invalid_request', 'max_tokens');
    }
    const message = await rejects(() => s.client.chat.completions.create({ ...chat, max_completion_tokens: 1000 }), OpenAI.BadRequestError, 'invalid_request', 'max_completion_tokens');
    assert.match(message, /300/);
  });

  it('400 naming n above serve.maxN and top_logprobs above 20', async () => {
    await rejects(() => s.client.completions.create({ ...base, n: 5 }), OpenAI.BadRequestError, 'invalid_request', 'n');
    await rejects(() => s.client.chat.completions.create({ ...chat, logprobs: true, top_logprobs: 21 }), OpenAI.BadRequestError, 'invalid_request', 'top_logprobs');
    await rejects(() => s.client.completions.create({ ...base, logprobs: 21 }), OpenAI.BadRequestError, 'invalid_request', 'logprobs');
  });

  it('400 naming logit_bias entries that are not token ids or out of range', async () => {
    const v = lm.tokenizer.vocabSize;
    const message = await rejects(() => s.client.completions.create({ ...base, logit_bias: { [v]: 1 } }), OpenAI.BadRequestError, 'invalid_request', `logit_bias.${v}`);
    assert.match(message, new RegExp(`0–${v - 1}`));
    const ok = await s.client.completions.create({ ...base, max_tokens: 1, logit_bias: { [v - 1]: 100 } });
    assert.equal(ok.choices[0].text, lm.tokenizer.tokenText(v - 1));
    await rejects(() => s.client.completions.create({ ...base, logit_bias: { 5: 101 } }), OpenAI.BadRequestError, 'invalid_request', 'logit_bias.5');
    await rejects(() => s.client.completions.create({ ...base, logit_bias: { 5: -100.5 } }), OpenAI.BadRequestError, 'invalid_request', 'logit_bias.5');
    await rejects(() => s.client.completions.create({ ...base, logit_bias: { abc: 1 } }), OpenAI.BadRequestError, 'invalid_request', 'logit_bias.abc');
  });

  it('400 naming non-string message content and over-long inputs', async () => {
    const parts = [{ type: 'text' as const, text: 'hi' }];
    await rejects(
      () => s.client.chat.completions.create({ model: 'moat-lm-tiny', messages: [{ role: 'user', content: parts }] }),
      OpenAI.BadRequestError,
      'invalid_request',
      'messages.0.content',
    );
    const long = 'a'.repeat(2001);
    await rejects(() => s.client.completions.create({ ...base, prompt: ['ok', long] }), OpenAI.BadRequestError, 'invalid_request', 'prompt.1');
    await rejects(() => s.client.embeddings.create({ model: 'test-embed', input: long }), OpenAI.BadRequestError, 'invalid_request', 'input.0');
    await rejects(
      () => s.client.chat.completions.create({ model: 'moat-lm-tiny', messages: [{ role: 'user', content: long.slice(0, 1500) }, { role: 'user', content: long.slice(0, 1500) }] }),
      OpenAI.BadRequestError,
      'invalid_request',
      'messages',
    );
  });

  it('400 naming dimensions the embedder does not produce', async () => {
    await rejects(() => s.client.embeddings.create({ model: 'test-embed', input: 'x', dimensions: 16 }), OpenAI.BadRequestError, 'invalid_request', 'dimensions');
    const ok = await s.client.embeddings.create({ model: 'test-embed', input: 'x', dimensions: 32 });
    assert.equal(ok.data[0].embedding.length, 32);
  });

  it('answers malformed JSON, unknown paths and wrong methods with the error envelope', async () => {
    const bad = await fetch(`${s.url}/v1/completions`, { method: 'POST', body: '{"model":', headers: { 'content-type': 'application/json' } });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'invalid_json');
    const missing = await fetch(`${s.url}/v1/nothing`);
    assert.equal(missing.status, 404);
    const method = await fetch(`${s.url}/v1/completions`);
    assert.equal(method.status, 405);
    assert.equal(method.headers.get('allow'), 'POST');
  });
});
