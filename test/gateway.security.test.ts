/** Security cases: spoofed forwarding headers, IP rules applied live, revoked/expired/rotated keys, constant-time lookup. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { ApiKeyHasher } from '../src/keys/api-key.ts';
import { type Harness, startHarness } from './support/gateway-harness.ts';

const ACTION = { actor: 'test', action: 'ip.block', target: '-', details: {} };
const now = () => Date.now();

describe('gateway security', () => {
  let untrusted: Harness;
  let trusted: Harness;
  before(async () => {
    untrusted = await startHarness({ config: { limits: { ip: { requestsPerMinute: 3 } } } });
    trusted = await startHarness({ config: { gateway: { trustedProxies: ['127.0.0.1/32'] } } });
  });
  after(async () => {
    await untrusted.close();
    await trusted.close();
  });

  it('ignores X-Forwarded-For from an untrusted peer: rotating it does not escape the per-IP limit', async () => {
    const { key } = await untrusted.createAccount({ limits: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentRequests: 0 } });
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const r = await fetch(`${untrusted.baseURL}/models`, { headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': `10.9.${i}.1` } });
      statuses.push(r.status);
      await r.arrayBuffer();
    }
    // /v1/models is not limited; use a model call instead to count.
    const counts: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await fetch(`${untrusted.baseURL}/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-forwarded-for': `10.9.${i}.1` }, body: JSON.stringify({ model: 'test-embed', input: 'x' }) });
      counts.push(r.status);
      await r.arrayBuffer();
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200]);
    assert.deepEqual(counts, [200, 200, 200, 429, 429, 429]);
  });

  it('ignores a block on a spoofed address from an untrusted peer', async () => {
    const { key } = await untrusted.createAccount();
    await untrusted.stores.ipRules.add({ id: 'ipr_spoof', cidr: '6.6.6.0/24', action: 'deny', reason: 'test', actor: 'test', createdAt: now(), expiresAt: null }, ACTION);
    await untrusted.gateway.ipRules.refresh(true);
    const r = await fetch(`${untrusted.baseURL}/models`, { headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': '6.6.6.6' } });
    assert.equal(r.status, 200);
  });

  it('applies a new IP block to a running gateway within a second, and its removal too', async () => {
    const { key } = await trusted.createAccount();
    const call = () => fetch(`${trusted.baseURL}/models`, { headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': '192.0.2.44' } });
    assert.equal((await call()).status, 200);
    await trusted.stores.ipRules.add({ id: 'ipr_live', cidr: '192.0.2.0/24', action: 'deny', reason: 'scraping', actor: 'test', createdAt: now(), expiresAt: null }, ACTION);
    const t0 = Date.now();
    let status = 200;
    while (status !== 403 && Date.now() - t0 < 1000) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await call()).status;
    }
    assert.equal(status, 403, 'blocked within 1 s');
    const body = (await (await call()).json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'ip_blocked');
    assert.match(body.error.message, /192\.0\.2\.44.*scraping/);
    // An allow rule for one address carves an exception out of the blocked range.
    await trusted.stores.ipRules.add({ id: 'ipr_exc', cidr: '192.0.2.44/32', action: 'allow', reason: 'partner', actor: 'test', createdAt: now(), expiresAt: null }, ACTION);
    await trusted.gateway.ipRules.refresh(true);
    assert.equal((await call()).status, 200);
    await trusted.stores.ipRules.remove('ipr_exc', ACTION);
    await trusted.stores.ipRules.remove('192.0.2.0/24', ACTION);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal((await call()).status, 200);
  });

  it('stops applying an IP rule when it expires', async () => {
    const { key } = await trusted.createAccount();
    await trusted.stores.ipRules.add({ id: 'ipr_exp', cidr: '2001:db8::/32', action: 'deny', reason: 'short block', actor: 'test', createdAt: now(), expiresAt: now() + 300 }, ACTION);
    await trusted.gateway.ipRules.refresh(true);
    const call = () => fetch(`${trusted.baseURL}/models`, { headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': '2001:db8::5' } });
    assert.equal((await call()).status, 403);
    await new Promise((r) => setTimeout(r, 400));
    await call(); // the first request after expiry schedules the rebuild
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await call()).status, 200);
  });

  it('refuses revoked and expired keys, and honours a rotation grace window', async () => {
    const { accountId, key, keyId } = await trusted.createAccount();
    const client = (k: string) => new OpenAI({ apiKey: k, baseURL: trusted.baseURL, maxRetries: 0 });
    await trusted.stores.keys.revoke(keyId, now(), ACTION);
    await assert.rejects(client(key).models.list(), (e: unknown) => e instanceof OpenAI.AuthenticationError && /revoked/.test(e.message));
    const expired = await trusted.addKey(accountId, now() - 1);
    await assert.rejects(client(expired.key).models.list(), (e: unknown) => e instanceof OpenAI.AuthenticationError && /expired/.test(e.message));
    const old = await trusted.addKey(accountId);
    const issued = trusted.hasher.issue();
    await trusted.stores.keys.rotate(old.keyId, { id: 'key_rotated1', accountId, prefix: issued.prefix, hash: issued.hash, name: null, createdAt: now(), expiresAt: null }, now() + 300, ACTION);
    await client(old.key).models.list(); // still inside the grace window
    await client(issued.key).models.list();
    await new Promise((r) => setTimeout(r, 350));
    await assert.rejects(client(old.key).models.list(), (e: unknown) => e instanceof OpenAI.AuthenticationError && /rotated/.test(e.message));
    await client(issued.key).models.list();
  });

  it('spends the same time on an unknown prefix as on a known prefix with a wrong secret', () => {
    const hasher = new ApiKeyHasher('s'.repeat(40));
    const real = hasher.issue();
    const unknown = `moat_ZZZZZZZZZZ_${'y'.repeat(32)}`;
    const wrong = `moat_${real.prefix}_${'y'.repeat(32)}`;
    const time = (fn: () => void) => {
      const t = process.hrtime.bigint();
      fn();
      return Number(process.hrtime.bigint() - t);
    };
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 4000; i++) {
      a.push(time(() => hasher.match(unknown, [])));
      b.push(time(() => hasher.match(wrong, [real.hash])));
    }
    const median = (xs: number[]) => xs.sort((x, y) => x - y)[xs.length >> 1];
    const ratio = median(a) / median(b);
    // Skipping the HMAC on the unknown path would make it ~10x faster; equal work keeps the ratio near 1.
    assert.ok(ratio > 0.5 && ratio < 2, `median time ratio ${ratio.toFixed(2)}`);
    assert.equal(hasher.match(real.key, [real.hash]), 0);
    assert.equal(hasher.match(wrong, [real.hash]), -1);
  });
});
