import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiKeyHasher } from '../keys/api-key.ts';
import type { Account } from '../store/types.ts';
import { type TestAdmin, startTestAdmin } from './testing.ts';

describe('admin accounts', () => {
  let t: TestAdmin;
  before(async () => {
    t = await startTestAdmin({ config: { models: [{ name: 'small', kinds: ['chat'], baseUrl: 'http://127.0.0.1:9/v1' }, { name: 'large', kinds: ['chat'], baseUrl: 'http://127.0.0.1:9/v1' }] } });
  });
  after(() => t.close());

  test('POST /accounts creates the account and its first key, shown in full once', async () => {
    const res = await t.call('POST', '/accounts', {
      name: 'Acme Research',
      metadata: { plan: 'pro', seats: 3 },
      limits: { requestsPerMinute: 60, tokensPerMinute: 1000, requestsPerDay: 5000, concurrentRequests: 2 },
      allowedModels: ['small'],
    });
    assert.equal(res.status, 201);
    const account = res.body.account as Account;
    const key = res.body.key as { id: string; key: string; prefix: string };
    assert.equal(account.name, 'Acme Research');
    assert.deepEqual(account.limits, { requestsPerMinute: 60, tokensPerMinute: 1000, requestsPerDay: 5000, concurrentRequests: 2 });
    assert.deepEqual(account.allowedModels, ['small']);
    assert.equal(ApiKeyHasher.prefixOf(key.key), key.prefix);
    // The stored hash is of this very key, so the gateway will accept it.
    const stored = await t.stores.keys.get(key.id);
    assert.equal(stored?.hash, t.hasher.hash(key.key));

    const shown = await t.call('GET', `/accounts/${account.id}`);
    assert.equal(shown.status, 200);
    const keys = shown.body.keys as Record<string, unknown>[];
    assert.equal(keys.length, 1);
    assert.equal(keys[0].prefix, key.prefix);
    assert.equal(keys[0].status, 'active');
    assert.equal('hash' in keys[0], false);
    assert.equal(JSON.stringify(shown.body).includes(key.key), false);
    assert.equal(shown.body.ban, null);
  });

  test('POST /accounts validation names the field', async () => {
    const cases: [unknown, string][] = [
      [{}, 'name'],
      [{ name: '   ' }, 'name'],
      [{ name: 'a', limits: { requestsPerMinute: -1 } }, 'limits.requestsPerMinute'],
      [{ name: 'a', limits: { requestsPerMinute: 1.5 } }, 'limits.requestsPerMinute'],
      [{ name: 'a', limits: { rpm: 5 } }, 'limits'],
      [{ name: 'a', allowedModels: 'small' }, 'allowedModels'],
      [{ name: 'a', allowedModels: ['smal'] }, 'allowedModels'],
      [{ name: 'a', extra: true }, ''],
      [{ name: 'a', keyExpiresIn: 0 }, 'keyExpiresIn'],
    ];
    for (const [body, param] of cases) {
      const res = await t.call('POST', '/accounts', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error?.code, 'invalid_request');
      assert.equal(res.body.error?.param ?? '', param, JSON.stringify(body));
    }
    const unknownModel = await t.call('POST', '/accounts', { name: 'a', allowedModels: ['smal'] });
    assert.match(unknownModel.body.error?.message ?? '', /unknown model 'smal'; configured models: small, large/);
  });

  test('GET /accounts pages with a cursor and filters by status', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await t.call('POST', '/accounts', { name: `page-${i}` });
      created.push((res.body.account as Account).id);
    }
    await t.call('PATCH', `/accounts/${created[2]}`, { status: 'suspended' });

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
      const res = await t.call('GET', `/accounts${query}`);
      assert.equal(res.status, 200);
      const items = res.body.items as Account[];
      assert.ok(items.length <= 2);
      seen.push(...items.map((a) => a.id));
      cursor = res.body.nextCursor as string | null;
      pages++;
    } while (cursor && pages < 20);
    for (const id of created) assert.ok(seen.includes(id));
    assert.equal(new Set(seen).size, seen.length, 'no account appears twice across pages');

    const suspended = await t.call('GET', '/accounts?status=suspended');
    assert.deepEqual((suspended.body.items as Account[]).map((a) => a.id), [created[2]]);

    for (const [query, param] of [
      ['?limit=0', 'limit'],
      ['?limit=abc', 'limit'],
      ['?limit=501', 'limit'],
      ['?status=deleted', 'status'],
      ['?sort=name', ''],
    ]) {
      const res = await t.call('GET', `/accounts${query}`);
      assert.equal(res.status, 400, query);
      assert.equal(res.body.error?.param ?? '', param, query);
    }
    const badCursor = await t.call('GET', '/accounts?cursor=not-a-cursor');
    assert.equal(badCursor.status, 400);
    assert.equal(badCursor.body.error?.param, 'cursor');
  });

  test('PATCH /accounts/:id merges limits and metadata (null removes) and records the change', async () => {
    const created = await t.call('POST', '/accounts', { name: 'patchy', metadata: { tier: 'a', note: 'x' }, limits: { requestsPerMinute: 10, tokensPerMinute: 20 } });
    const id = (created.body.account as Account).id;
    const res = await t.call('PATCH', `/accounts/${id}`, { name: 'patched', limits: { requestsPerMinute: null, concurrentRequests: 4 }, metadata: { note: null, owner: 'bob' }, allowedModels: ['large'] }, { 'x-moat-actor': 'ops' });
    assert.equal(res.status, 200);
    const account = res.body.account as Account;
    assert.equal(account.name, 'patched');
    assert.deepEqual(account.limits, { tokensPerMinute: 20, concurrentRequests: 4 });
    assert.deepEqual(account.metadata, { tier: 'a', owner: 'bob' });
    assert.deepEqual(account.allowedModels, ['large']);

    const actions = await t.call('GET', '/admin-actions?action=account.update&limit=1');
    const [row] = actions.body.items as { actor: string; target: string; details: Record<string, unknown> }[];
    assert.equal(row.actor, 'ops');
    assert.equal(row.target, id);
    assert.deepEqual(row.details.limits, { tokensPerMinute: 20, concurrentRequests: 4 });

    const empty = await t.call('PATCH', `/accounts/${id}`, {});
    assert.equal(empty.status, 400);
    assert.match(empty.body.error?.message ?? '', /at least one of/);
    const badStatus = await t.call('PATCH', `/accounts/${id}`, { status: 'deleted' });
    assert.equal(badStatus.body.error?.param, 'status');
    const missing = await t.call('PATCH', '/accounts/acct_missing', { name: 'x' });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error?.code, 'not_found');
  });

  test('GET /accounts/:id is 404 for an unknown id', async () => {
    const res = await t.call('GET', '/accounts/acct_nope');
    assert.equal(res.status, 404);
    assert.match(res.body.error?.message ?? '', /acct_nope/);
  });
});
