/**
 * The gateway through the official OpenAI SDK: what a client sees on success, in streams, and on every kind of
 * refusal (each surfacing as the SDK's own error class).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { type Harness, startHarness } from './support/gateway-harness.ts';

describe('gateway via the openai SDK', () => {
  let h: Harness;
  let client: OpenAI;
  let key: string;
  before(async () => {
    h = await startHarness();
    ({ key } = await h.createAccount());
    client = new OpenAI({ apiKey: key, baseURL: h.baseURL, maxRetries: 0 });
  });
  after(() => h.close());

  it('proxies a chat completion with the upstream key swapped in and a request id', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'test-chat', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    assert.equal(data.choices[0].message.content, 'w0 w1 w2 w3 w4');
    assert.match(response.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{32}$/);
    assert.ok(response.headers.get('x-ratelimit-limit-requests'));
    const seen = h.upstream.received.at(-1)!;
    assert.equal(seen.headers.authorization, 'Bearer sk-upstream-secret');
    assert.ok(!JSON.stringify(seen.headers).includes(key), 'the client key must never reach the upstream');
  });

  it('streams chunk by chunk and hides the usage chunk it asked for on the client’s behalf', async () => {
    const stream = await client.chat.completions.create({ model: 'test-chat', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const pieces: string[] = [];
    let usageSeen = false;
    for await (const chunk of stream) {
      if (chunk.usage) usageSeen = true;
      pieces.push(chunk.choices[0]?.delta?.content ?? '');
    }
    assert.equal(pieces.join(''), 'w0 w1 w2 w3 w4');
    assert.equal(pieces.length, 5);
    assert.equal(usageSeen, false);
    const forwarded = h.upstream.received.at(-1)!.body as { stream_options?: { include_usage?: boolean } };
    assert.equal(forwarded.stream_options?.include_usage, true);
  });

  it('passes the usage chunk through when the client asked for it', async () => {
    const stream = await client.chat.completions.create({ model: 'test-chat', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) usage = chunk.usage ?? usage;
    assert.equal(usage?.completion_tokens, 5);
  });

  it('serves legacy completions, embeddings and classifications', async () => {
    const completion = await client.completions.create({ model: 'test-chat', prompt: 'Call me' });
    assert.equal(completion.choices[0].text, 'w0 w1 w2 w3 w4');
    const emb = await client.embeddings.create({ model: 'test-embed', input: ['a', 'b'] });
    assert.equal(emb.data.length, 2);
    const res = await fetch(`${h.baseURL}/classifications`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'test-classify', input: 'buy now' }) });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { data: { label: string }[] }).data[0].label, 'ham');
  });

  it('lists only the models an account may use', async () => {
    const limited = await h.createAccount({ allowedModels: ['test-embed'] });
    const c = new OpenAI({ apiKey: limited.key, baseURL: h.baseURL, maxRetries: 0 });
    const ids = [];
    for await (const m of c.models.list()) ids.push(m.id);
    assert.deepEqual(ids, ['test-embed']);
    await assert.rejects(c.chat.completions.create({ model: 'test-chat', messages: [{ role: 'user', content: 'x' }] }), OpenAI.NotFoundError);
  });

  it('answers a bad key with 401 that does not say whether the key exists', async () => {
    const bad = new OpenAI({ apiKey: 'moat_AAAAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB', baseURL: h.baseURL, maxRetries: 0 });
    const malformed = new OpenAI({ apiKey: 'sk-whatever', baseURL: h.baseURL, maxRetries: 0 });
    const realPrefixWrongSecret = new OpenAI({ apiKey: `${key.slice(0, 16)}${'x'.repeat(32)}`, baseURL: h.baseURL, maxRetries: 0 });
    const messages: string[] = [];
    for (const c of [bad, malformed, realPrefixWrongSecret]) {
      const err = await c.models.list().then(() => null, (e: unknown) => e);
      assert.ok(err instanceof OpenAI.AuthenticationError);
      messages.push(err.message);
    }
    assert.equal(new Set(messages).size, 1);
  });

  it('refuses unknown models with 404 and malformed requests with 400 naming the field', async () => {
    await assert.rejects(client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => e instanceof OpenAI.NotFoundError && /nope/.test(e.message));
    const err = await client.chat.completions.create({ model: 'test-chat', messages: [], max_tokens: -1 }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof OpenAI.BadRequestError);
    assert.match(err.message, /messages|max_tokens/);
  });

  it('answers malformed JSON with 400 and an oversized body with 413', async () => {
    const post = (body: string) => fetch(`${h.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
    const bad = await post('{"model": "test-chat", ');
    assert.equal(bad.status, 400);
    const badBody = (await bad.json()) as { error: { code: string; message: string; request_id: string } };
    assert.equal(badBody.error.code, 'invalid_json');
    assert.match(badBody.error.request_id, /^req_/);
    const big = await post(JSON.stringify({ model: 'test-chat', messages: [{ role: 'user', content: 'x'.repeat(1_100_000) }] }));
    assert.equal(big.status, 413);
  });

  it('refuses every key of a banned account with 403 and lets it back after unban', async () => {
    const acct = await h.createAccount();
    const second = await h.addKey(acct.accountId);
    await h.stores.bans.ban({ id: 'ban_t1', accountId: acct.accountId, reason: 'distillation campaign', actor: 'test', createdAt: Date.now(), expiresAt: null }, { actor: 'test', action: 'ban', target: acct.accountId, details: {} });
    for (const k of [acct.key, second.key]) {
      const c = new OpenAI({ apiKey: k, baseURL: h.baseURL, maxRetries: 0 });
      await assert.rejects(c.models.list(), (e: unknown) => e instanceof OpenAI.PermissionDeniedError && /banned.*distillation campaign/.test(e.message));
    }
    await h.stores.bans.unban(acct.accountId, 'test', Date.now(), { actor: 'test', action: 'unban', target: acct.accountId, details: {} });
    // Lookups are cached for gateway.lookupCacheMs (250 ms): the unban must apply within a second.
    const c = new OpenAI({ apiKey: acct.key, baseURL: h.baseURL, maxRetries: 0 });
    const t0 = Date.now();
    let allowed = false;
    while (!allowed && Date.now() - t0 < 1000) {
      allowed = await c.models.list().then(() => true, () => false);
      if (!allowed) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(allowed, 'unban applied within 1 s');
  });

  it('applies a ban to an account already in the lookup cache within a second', async () => {
    const acct = await h.createAccount();
    const c = new OpenAI({ apiKey: acct.key, baseURL: h.baseURL, maxRetries: 0 });
    await c.models.list(); // warms the cache with "not banned"
    await h.stores.bans.ban({ id: 'ban_t2', accountId: acct.accountId, reason: 'sybil cluster', actor: 'test', createdAt: Date.now(), expiresAt: null }, { actor: 'test', action: 'ban', target: acct.accountId, details: {} });
    const t0 = Date.now();
    let refused = false;
    while (!refused && Date.now() - t0 < 1000) {
      refused = await c.models.list().then(() => false, (e: unknown) => e instanceof OpenAI.PermissionDeniedError);
      if (!refused) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(refused, 'ban applied within 1 s');
  });

  it('writes an audit row for every request, refusals included', async () => {
    await client.chat.completions.create({ model: 'test-chat', messages: [{ role: 'user', content: 'audit me' }] });
    await h.stores.audit.flush();
    const page = await h.stores.audit.query({ limit: 50 });
    const ok = page.items.find((r) => r.status === 200 && r.route === 'chat');
    assert.ok(ok);
    assert.equal(ok.tokensIn, 7);
    assert.equal(ok.tokensOut, 5);
    assert.match(ok.promptHash ?? '', /^[0-9a-f]{64}$/);
    assert.equal(ok.promptText, null, 'text is not stored unless audit.storeText is full');
    assert.ok(page.items.some((r) => r.status === 401 && r.decision === 'deny'));
  });

  it('serves Prometheus metrics to loopback', async () => {
    const text = await (await fetch(`${h.gateway.url}/metrics`)).text();
    assert.match(text, /moat_requests_total\{route="chat",status="200",decision="allow"\}/);
    assert.match(text, /moat_gateway_added_seconds_bucket/);
  });
});
