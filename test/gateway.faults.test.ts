/** Upstream faults and client disconnects: clear errors with the request id, and reservations always given back. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { type Harness, startHarness } from './support/gateway-harness.ts';

const limits = { tokensPerMinute: 100, concurrentRequests: 1, requestsPerMinute: 0 };

describe('upstream faults', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ config: { models: [] } });
  });
  after(() => h.close());

  it('answers 502 when the upstream refuses, and refunds the reservation', async () => {
    const dead = await startHarness();
    const { key } = await dead.createAccount({ limits });
    await dead.upstream.close();
    const client = new OpenAI({ apiKey: key, baseURL: dead.baseURL, maxRetries: 0 });
    for (let i = 0; i < 3; i++) {
      // Each attempt reserves ~90 of 100 tokens and the only concurrency slot; a missing refund would make the next one 429.
      const err = await client.chat.completions.create({ model: 'test-chat', max_tokens: 80, messages: [{ role: 'user', content: 'x' }] }).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof OpenAI.APIError);
      assert.equal(err.status, 502);
      assert.match(err.message, /could not be reached/);
      assert.match(String(err.headers?.get('x-request-id')), /^req_/);
    }
    await dead.gateway.close();
    await dead.stores.close();
  });

  it('answers 504 when the upstream does not answer in time', async () => {
    const slow = await startHarness({ upstream: { hang: true } });
    const { key } = await slow.createAccount({ limits });
    const started = Date.now();
    const err = await new OpenAI({ apiKey: key, baseURL: slow.baseURL, maxRetries: 0 }).chat.completions.create({ model: 'test-chat', max_tokens: 80, messages: [{ role: 'user', content: 'x' }] }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 504);
    assert.ok(Date.now() - started < 5_000);
    slow.upstream.behaviour.hang = false;
    const again = await new OpenAI({ apiKey: key, baseURL: slow.baseURL, maxRetries: 0 }).chat.completions.create({ model: 'test-chat', max_tokens: 80, messages: [{ role: 'user', content: 'x' }] });
    assert.equal(again.choices.length, 1, 'the timed-out request must have released its slot and tokens');
    await slow.close();
  });

  it('passes an upstream error status through as the SDK’s error class', async () => {
    const failing = await startHarness({ upstream: { failWith: 500 } });
    const { key } = await failing.createAccount({ limits });
    const client = new OpenAI({ apiKey: key, baseURL: failing.baseURL, maxRetries: 0 });
    await assert.rejects(client.chat.completions.create({ model: 'test-chat', max_tokens: 80, messages: [{ role: 'user', content: 'x' }] }), OpenAI.InternalServerError);
    await assert.rejects(client.chat.completions.create({ model: 'test-chat', max_tokens: 80, messages: [{ role: 'user', content: 'x' }] }), OpenAI.InternalServerError);
    await failing.close();
  });

  it('frees the reservation and the slot when a client leaves mid-stream', async () => {
    const streaming = await startHarness({ upstream: { words: 200, chunkDelayMs: 10 } });
    const { key } = await streaming.createAccount({ limits: { tokensPerMinute: 1000, concurrentRequests: 1, requestsPerMinute: 0 } });
    const client = new OpenAI({ apiKey: key, baseURL: streaming.baseURL, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'test-chat', stream: true, max_tokens: 900, messages: [{ role: 'user', content: 'x' }] });
    let seen = 0;
    for await (const _ of stream) if (++seen === 3) break; // leaves after 3 of 200 chunks
    await new Promise((r) => setTimeout(r, 100));
    const next = await client.chat.completions.create({ model: 'test-chat', max_tokens: 900, messages: [{ role: 'user', content: 'x' }] }).withResponse();
    assert.equal(next.response.status, 200);
    await streaming.stores.audit.flush();
    const rows = (await streaming.stores.audit.query({ limit: 10 })).items;
    const aborted = rows.find((r) => r.reason?.includes('client closed'));
    assert.ok(aborted, 'the aborted stream is audited as such');
    assert.ok(aborted.tokensOut >= 3 && aborted.tokensOut < 200, `charged ${aborted.tokensOut} output tokens`);
    await streaming.close();
  });

  it('refuses unknown paths and wrong methods in the error envelope', async () => {
    const res = await fetch(`${h.gateway.url}/v2/nothing`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'not_found');
    const wrong = await fetch(`${h.baseURL}/chat/completions`);
    assert.equal(wrong.status, 405);
  });
});
