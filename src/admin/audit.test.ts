import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AdminAuditRecord, RequestAuditRecord } from '../store/types.ts';
import { type TestAdmin, startTestAdmin } from './testing.ts';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

function record(i: number, overrides: Partial<RequestAuditRecord> = {}): RequestAuditRecord {
  return {
    ts: T0 + i * 1000,
    requestId: `req_${i}`,
    accountId: i % 2 === 0 ? 'acct_even' : 'acct_odd',
    keyId: i % 2 === 0 ? 'key_even' : 'key_odd',
    clientIp: i < 5 ? '203.0.113.5' : '198.51.100.9',
    subnet: '203.0.113.0/24',
    model: i % 3 === 0 ? 'large' : 'small',
    route: 'chat',
    status: i === 7 ? 429 : 200,
    tokensIn: 10 + i,
    tokensOut: 20,
    latencyMs: 5,
    upstreamMs: 3,
    decision: i === 7 ? 'deny' : 'allow',
    reason: i === 7 ? 'rate_limit_exceeded' : null,
    promptHash: null,
    completionHash: null,
    promptText: null,
    completionText: null,
    ...overrides,
  };
}

describe('admin audit', () => {
  let t: TestAdmin;
  before(async () => {
    t = await startTestAdmin();
    for (let i = 0; i < 10; i++) t.stores.audit.append(record(i));
  });
  after(() => t.close());

  const ids = (body: Record<string, unknown>) => (body.items as RequestAuditRecord[]).map((r) => r.requestId);

  test('GET /audit returns newest first and every filter narrows', async () => {
    const all = await t.call('GET', '/audit');
    assert.equal(all.status, 200);
    assert.deepEqual(ids(all.body), ['req_9', 'req_8', 'req_7', 'req_6', 'req_5', 'req_4', 'req_3', 'req_2', 'req_1', 'req_0']);
    assert.deepEqual(ids((await t.call('GET', '/audit?accountId=acct_odd')).body), ['req_9', 'req_7', 'req_5', 'req_3', 'req_1']);
    assert.deepEqual(ids((await t.call('GET', '/audit?keyId=key_even&model=large')).body), ['req_6', 'req_0']);
    assert.deepEqual(ids((await t.call('GET', '/audit?clientIp=198.51.100.9&decision=allow')).body), ['req_9', 'req_8', 'req_6', 'req_5']);
    assert.deepEqual(ids((await t.call('GET', '/audit?status=429')).body), ['req_7']);
    const since = new Date(T0 + 7000).toISOString();
    assert.deepEqual(ids((await t.call('GET', `/audit?since=${encodeURIComponent(since)}&until=${T0 + 9000}`)).body), ['req_8', 'req_7']);
  });

  test('GET /audit pages with a cursor', async () => {
    const first = await t.call('GET', '/audit?limit=4');
    assert.deepEqual(ids(first.body), ['req_9', 'req_8', 'req_7', 'req_6']);
    const second = await t.call('GET', `/audit?limit=4&cursor=${encodeURIComponent(String(first.body.nextCursor))}`);
    assert.deepEqual(ids(second.body), ['req_5', 'req_4', 'req_3', 'req_2']);
    const third = await t.call('GET', `/audit?limit=4&cursor=${encodeURIComponent(String(second.body.nextCursor))}`);
    assert.deepEqual(ids(third.body), ['req_1', 'req_0']);
    assert.equal(third.body.nextCursor, null);
  });

  test('GET /audit validation', async () => {
    for (const [query, param] of [
      ['?decision=maybe', 'decision'],
      ['?status=99', 'status'],
      ['?status=abc', 'status'],
      ['?since=yesterday', 'since'],
      [`?since=${T0 + 10}&until=${T0}`, 'since'],
      ['?limit=-1', 'limit'],
      ['?account=acct_odd', ''],
    ]) {
      const res = await t.call('GET', `/audit${query}`);
      assert.equal(res.status, 400, query);
      assert.equal(res.body.error?.code, 'invalid_request');
      assert.equal(res.body.error?.param ?? '', param, query);
    }
  });

  test('GET /admin-actions filters by actor and action and pages', async () => {
    await t.call('POST', '/accounts', { name: 'one' }, { 'x-moat-actor': 'alice' });
    await t.call('POST', '/accounts', { name: 'two' }, { 'x-moat-actor': 'bob' });
    await t.call('POST', '/ip-rules', { cidr: '192.0.2.1', action: 'deny', reason: 'r' }, { 'x-moat-actor': 'alice' });
    const alice = (await t.call('GET', '/admin-actions?actor=alice')).body.items as AdminAuditRecord[];
    assert.deepEqual(alice.map((a) => a.action), ['ip_rule.deny', 'key.create', 'account.create']);
    assert.equal(alice[0].target, '192.0.2.1/32');
    const creates = (await t.call('GET', '/admin-actions?action=account.create')).body.items as AdminAuditRecord[];
    assert.deepEqual(creates.map((a) => a.actor), ['bob', 'alice']);
    const page = await t.call('GET', '/admin-actions?limit=2');
    assert.equal((page.body.items as unknown[]).length, 2);
    const next = await t.call('GET', `/admin-actions?limit=10&cursor=${encodeURIComponent(String(page.body.nextCursor))}`);
    assert.equal((next.body.items as unknown[]).length, 3);
  });
});
