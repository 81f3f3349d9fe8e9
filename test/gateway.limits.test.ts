/** Limits are exact under concurrency: 500 requests at once never get past a limit, per account, IP or subnet. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startHarness } from './support/gateway-harness.ts';

const chat = (h: Harness, key: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  fetch(`${h.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'test-chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10, ...extra }),
  });

async function burst(n: number, send: (i: number) => Promise<Response>): Promise<Map<number, number>> {
  const responses = await Promise.all(Array.from({ length: n }, (_, i) => send(i)));
  const counts = new Map<number, number>();
  for (const r of responses) {
    counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
    await r.arrayBuffer();
  }
  return counts;
}

describe('limits under 500 concurrent requests', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      config: { gateway: { trustedProxies: ['127.0.0.1/32'] }, limits: { subnet: { requestsPerMinute: 40 } } },
      upstream: { delayMs: 20 },
    });
  });
  after(() => h.close());

  it('lets exactly requestsPerMinute through and answers the rest 429 with Retry-After', async () => {
    const { key } = await h.createAccount({ limits: { requestsPerMinute: 100, concurrentRequests: 0, tokensPerMinute: 0 } });
    const counts = await burst(500, (i) => chat(h, key, {}, { 'x-forwarded-for': `198.18.${i % 200}.1` }));
    assert.equal(counts.get(200), 100);
    assert.equal(counts.get(429), 400);
    const r = await chat(h, key, {}, { 'x-forwarded-for': '198.19.0.1' });
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.equal(r.headers.get('x-ratelimit-remaining-requests'), '0');
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'rate_limit_exceeded');
  });

  it('never runs more than concurrentRequests at the upstream', async () => {
    const { key } = await h.createAccount({ limits: { concurrentRequests: 5, requestsPerMinute: 0, tokensPerMinute: 0 } });
    h.upstream.maxInFlight = 0;
    const counts = await burst(500, (i) => chat(h, key, {}, { 'x-forwarded-for': `198.20.${i % 250}.1` }));
    assert.ok(h.upstream.maxInFlight <= 5, `upstream saw ${h.upstream.maxInFlight} at once`);
    assert.equal((counts.get(200) ?? 0) + (counts.get(429) ?? 0), 500);
    assert.ok((counts.get(200) ?? 0) >= 5);
  });

  it('reserves prompt + max_tokens before forwarding, so a token limit holds under a burst', async () => {
    // Each request reserves prompt (1 token + chat framing 6) + max_tokens 10 = 17 and really uses 7 + 5 = 12.
    // Reservations admit at most 11 at once; settlements refund 5 each as requests finish, so a few more may fit,
    // but the tokens really used inside the minute can never pass 190.
    const { key, accountId } = await h.createAccount({ limits: { tokensPerMinute: 190, requestsPerMinute: 0, concurrentRequests: 0 } });
    const counts = await burst(500, (i) => chat(h, key, {}, { 'x-forwarded-for': `198.21.${i % 250}.1` }));
    const granted = counts.get(200) ?? 0;
    assert.equal(granted + (counts.get(429) ?? 0), 500);
    await h.stores.audit.flush();
    const rows = (await h.stores.audit.query({ accountId, limit: 500 })).items.filter((r) => r.status === 200);
    const used = rows.reduce((sum, r) => sum + r.tokensIn + r.tokensOut, 0);
    assert.equal(rows.length, granted);
    assert.ok(granted >= 11, `granted ${granted}`);
    assert.ok(used <= 190, `used ${used} tokens under a 190 tokens/min limit`);
  });

  it('limits a whole /24 subnet even when every client address differs', async () => {
    const { key } = await h.createAccount({ limits: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentRequests: 0 } });
    const counts = await burst(500, (i) => chat(h, key, {}, { 'x-forwarded-for': `203.0.113.${i % 250}` }));
    assert.equal(counts.get(200), 40);
    assert.equal(counts.get(429), 460);
  });

  it('enforces the daily quota', async () => {
    const { key } = await h.createAccount({ limits: { requestsPerDay: 3, requestsPerMinute: 0, tokensPerMinute: 0, concurrentRequests: 0 } });
    const counts = await burst(20, (i) => chat(h, key, {}, { 'x-forwarded-for': `198.22.${i}.1` }));
    assert.equal(counts.get(200), 3);
    const r = await chat(h, key, {}, { 'x-forwarded-for': '198.22.99.1' });
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'daily_quota_exceeded');
  });

  it('settles reservations with the upstream’s real usage', async () => {
    const { key } = await h.createAccount({ limits: { tokensPerMinute: 1000, requestsPerMinute: 0, concurrentRequests: 0 } });
    const first = await chat(h, key, { max_tokens: 500 }, { 'x-forwarded-for': '198.23.0.1' });
    await first.arrayBuffer();
    // Reserved ≈ 509, but the upstream used 7 + 5 = 12: the rest is refunded before the next request.
    const second = await chat(h, key, { max_tokens: 500 }, { 'x-forwarded-for': '198.23.0.2' });
    await second.arrayBuffer();
    assert.equal(second.status, 200);
    const remaining = Number(second.headers.get('x-ratelimit-remaining-tokens'));
    assert.ok(remaining >= 1000 - 12 - 520 && remaining <= 1000 - 12 - 500, `remaining ${remaining}`);
  });
});
