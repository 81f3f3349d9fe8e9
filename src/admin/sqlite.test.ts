/** The admin API over the SQLite adapter: the same routes work and every change leaves its admin row on disk. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openSqliteStores } from '../store/sqlite/index.ts';
import type { Account, AdminAuditRecord, IpRule } from '../store/types.ts';
import { type TestAdmin, startTestAdmin } from './testing.ts';

describe('admin API on SQLite', () => {
  let t: TestAdmin;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'moat-admin-sqlite-'));
    t = await startTestAdmin({ stores: openSqliteStores(join(dir, 'moat.db')) });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('accounts, keys, bans, IP rules and audit round-trip through SQLite', async () => {
    const ids: string[] = [];
    for (const name of ['one', 'two', 'three']) {
      const res = await t.call('POST', '/accounts', { name, limits: { requestsPerMinute: 5 } });
      assert.equal(res.status, 201);
      ids.push((res.body.account as Account).id);
    }
    const first = await t.call('GET', '/accounts?limit=2');
    const second = await t.call('GET', `/accounts?limit=2&cursor=${encodeURIComponent(String(first.body.nextCursor))}`);
    assert.deepEqual([...(first.body.items as Account[]), ...(second.body.items as Account[])].map((a) => a.id), ids);

    assert.equal((await t.call('POST', `/accounts/${ids[0]}/ban`, { reason: 'r', expiresIn: 60 })).status, 201);
    assert.equal((await t.call('POST', `/accounts/${ids[0]}/ban`, { reason: 'r' })).status, 409);
    assert.equal((await t.call('POST', `/accounts/${ids[0]}/unban`)).body.lifted, 1);

    const keys = (await t.call('GET', `/accounts/${ids[1]}/keys`)).body.items as { id: string }[];
    const rotated = await t.call('POST', `/keys/${keys[0].id}/rotate`, { graceSeconds: 60 });
    assert.equal(rotated.status, 201);
    assert.equal((await t.call('POST', `/keys/${keys[0].id}/rotate`)).status, 409);

    const rule = (await t.call('POST', '/ip-rules', { cidr: '192.0.2.9/24', action: 'deny', reason: 'r' })).body.rule as IpRule;
    assert.equal(rule.cidr, '192.0.2.0/24');
    assert.equal((await t.call('DELETE', `/ip-rules/${encodeURIComponent('192.0.2.0/24')}`)).body.removed, 1);

    t.stores.audit.append({ ts: Date.now(), requestId: 'req_sql', accountId: ids[2], keyId: null, clientIp: '192.0.2.1', subnet: '192.0.2.0/24', model: 'm', route: 'chat', status: 200, tokensIn: 1, tokensOut: 2, latencyMs: 3, upstreamMs: 2, decision: 'allow', reason: null, promptHash: null, completionHash: null, promptText: null, completionText: null });
    const audit = await t.call('GET', `/audit?accountId=${ids[2]}`);
    assert.deepEqual((audit.body.items as { requestId: string }[]).map((r) => r.requestId), ['req_sql'], 'the route flushes batched rows before reading');

    const actions = (await t.call('GET', '/admin-actions?limit=100')).body.items as AdminAuditRecord[];
    const counts = new Map<string, number>();
    for (const a of actions) counts.set(a.action, (counts.get(a.action) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(counts), { 'account.create': 3, 'key.create': 3, 'account.ban': 1, 'account.unban': 1, 'key.rotate': 1, 'ip_rule.deny': 1, 'ip_rule.remove': 1 });
  });
});
