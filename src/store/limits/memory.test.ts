import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { LimitSet } from '../../config/schema.ts';
import type { LimitScope } from './interface.ts';
import { MemoryLimitStore } from './memory.ts';

const none: LimitSet = { requestsPerMinute: 0, tokensPerMinute: 0, requestsPerDay: 0, concurrentRequests: 0 };
const scope = (limits: Partial<LimitSet>, key = 'a'): LimitScope => ({ kind: 'account', key, limits: { ...none, ...limits } });

describe('MemoryLimitStore', () => {
  const store = new MemoryLimitStore();
  after(() => store.close());

  it('allows exactly N requests in any 60 s window and names the retry time', () => {
    const s = [scope({ requestsPerMinute: 3 }, 'rpm')];
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) assert.equal(store.acquire({ scopes: s, tokens: 0, now: t0 + i * 1000 }).ok, true);
    const refused = store.acquire({ scopes: s, tokens: 0, now: t0 + 30_000 });
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.dimension, 'requests_per_minute');
    assert.equal(!refused.ok && refused.retryAfterMs, 30_000); // first request leaves the window at t0+60s
    assert.equal(store.acquire({ scopes: s, tokens: 0, now: t0 + 60_001 }).ok, true);
    assert.equal(store.acquire({ scopes: s, tokens: 0, now: t0 + 60_002 }).ok, false);
  });

  it('reserves tokens and settles them with real usage', () => {
    const s = [scope({ tokensPerMinute: 100 }, 'tpm')];
    const now = 2_000_000;
    const a = store.acquire({ scopes: s, tokens: 60, now });
    assert.ok(a.ok);
    assert.equal(store.acquire({ scopes: s, tokens: 60, now }).ok, false);
    store.settle(a.lease, 10); // used far less than reserved: 50 tokens come back
    const b = store.acquire({ scopes: s, tokens: 60, now });
    assert.ok(b.ok);
    assert.equal(b.snapshot?.remainingTokens, 30);
  });

  it('explains a request larger than the whole token limit', () => {
    const r = store.acquire({ scopes: [scope({ tokensPerMinute: 10 }, 'big')], tokens: 11, now: 3_000_000 });
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.message : '', /lower max_tokens/);
  });

  it('counts concurrency until release, and release is idempotent', () => {
    const s = [scope({ concurrentRequests: 1 }, 'conc')];
    const a = store.acquire({ scopes: s, tokens: 0, now: 4_000_000 });
    assert.ok(a.ok);
    assert.equal(store.acquire({ scopes: s, tokens: 0, now: 4_000_001 }).ok, false);
    store.release(a.lease);
    store.release(a.lease);
    const b = store.acquire({ scopes: s, tokens: 0, now: 4_000_002 });
    assert.ok(b.ok);
    assert.equal(store.acquire({ scopes: s, tokens: 0, now: 4_000_003 }).ok, false);
  });

  it('resets the daily quota at UTC midnight', () => {
    const s = [scope({ requestsPerDay: 1 }, 'day')];
    const day = 86_400_000;
    assert.equal(store.acquire({ scopes: s, tokens: 0, now: 10 * day + 5 }).ok, true);
    const r = store.acquire({ scopes: s, tokens: 0, now: 11 * day - 1000 });
    assert.equal(!r.ok && r.retryAfterMs, 1000);
    assert.equal(store.acquire({ scopes: s, tokens: 0, now: 11 * day }).ok, true);
  });

  it('records nothing in any scope when one scope refuses', () => {
    const open = scope({ requestsPerMinute: 10 }, 'open');
    const shut = { kind: 'subnet' as const, key: '10.0.0.0/24', limits: { ...none, requestsPerMinute: 1 } };
    const now = 5_000_000;
    assert.ok(store.acquire({ scopes: [shut], tokens: 0, now }).ok);
    for (let i = 0; i < 5; i++) assert.equal(store.acquire({ scopes: [open, shut], tokens: 0, now }).ok, false);
    const r = store.acquire({ scopes: [open], tokens: 0, now });
    assert.ok(r.ok);
    assert.equal(r.snapshot?.remainingRequests, 9);
  });
});
