/** Contract: request audit (append, flush, query by each filter, cursor paging, text purge) and admin actions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { act, auditRecord, type FreshStores, T0 } from './contract-support.test-helpers.ts';
import type { RequestAuditRecord } from './types.ts';

const RECORDS: RequestAuditRecord[] = [
  auditRecord({ ts: T0, requestId: 'r0' }),
  auditRecord({ ts: T0 + 1, requestId: 'r1', accountId: 'acct_b', keyId: 'key_b', clientIp: '198.51.100.7', model: 'm2' }),
  auditRecord({ ts: T0 + 2, requestId: 'r2', accountId: null, keyId: null, status: 401, decision: 'deny', reason: 'unauthorized', promptText: null }),
  auditRecord({ ts: T0 + 3, requestId: 'r3', clientIp: '198.51.100.7', status: 502, decision: 'error', upstreamMs: null, model: null }),
  auditRecord({ ts: T0 + 4, requestId: 'r4', accountId: 'acct_b', keyId: 'key_c' }),
];

export function auditContract(fresh: FreshStores): void {
  describe('request audit', () => {
    const filled = async () => {
      const s = await fresh();
      for (const record of RECORDS) s.audit.append(record);
      await s.audit.flush();
      return s;
    };
    const ids = (page: { items: { requestId: string }[] }) => page.items.map((r) => r.requestId);

    it('stores every field and returns rows newest first with increasing ids', async () => {
      const s = await filled();
      const page = await s.audit.query({ limit: 10 });
      assert.deepEqual(ids(page), ['r4', 'r3', 'r2', 'r1', 'r0']);
      assert.equal(page.nextCursor, null);
      const [r4, r3] = page.items;
      assert.ok(r4.id > r3.id);
      const { id: _id, ...rest } = r3;
      assert.deepEqual(rest, RECORDS[3]);
    });

    it('filters by account, key, client IP, model, decision, status and time window', async () => {
      const s = await filled();
      assert.deepEqual(ids(await s.audit.query({ limit: 10, accountId: 'acct_b' })), ['r4', 'r1']);
      assert.deepEqual(ids(await s.audit.query({ limit: 10, keyId: 'key_a' })), ['r3', 'r0']);
      assert.deepEqual(ids(await s.audit.query({ limit: 10, clientIp: '198.51.100.7' })), ['r3', 'r1']);
      assert.deepEqual(ids(await s.audit.query({ limit: 10, model: 'm2' })), ['r1']);
      assert.deepEqual(ids(await s.audit.query({ limit: 10, decision: 'deny' })), ['r2']);
      assert.deepEqual(ids(await s.audit.query({ limit: 10, status: 502 })), ['r3']);
      assert.deepEqual(ids(await s.audit.query({ limit: 10, since: T0 + 1, until: T0 + 3 })), ['r2', 'r1']);
      assert.deepEqual(ids(await s.audit.query({ limit: 10, accountId: 'acct_a', clientIp: '198.51.100.7' })), ['r3']);
      assert.deepEqual(ids(await s.audit.query({ limit: 10, accountId: 'acct_nobody' })), []);
    });

    it('pages with cursors, also under a filter', async () => {
      const s = await filled();
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await s.audit.query({ limit: 2, cursor });
        seen.push(...ids(page));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      assert.deepEqual(seen, ['r4', 'r3', 'r2', 'r1', 'r0']);
      const first = await s.audit.query({ limit: 1, accountId: 'acct_a' });
      const second = await s.audit.query({ limit: 1, accountId: 'acct_a', cursor: first.nextCursor ?? undefined });
      assert.deepEqual([...ids(first), ...ids(second)], ['r3', 'r0']);
    });

    it('purges prompt and completion text older than a time, keeping hashes and metadata', async () => {
      const s = await filled();
      assert.equal(await s.audit.purgeText(T0 + 2), 2);
      assert.equal(await s.audit.purgeText(T0 + 2), 0, 'already purged rows are not counted again');
      const rows = (await s.audit.query({ limit: 10 })).items;
      const r0 = rows.find((r) => r.requestId === 'r0');
      assert.deepEqual([r0?.promptText, r0?.completionText, r0?.promptHash, r0?.completionHash], [null, null, 'ph', 'ch']);
      assert.equal(rows.find((r) => r.requestId === 'r3')?.promptText, 'prompt');
    });
  });

  describe('admin actions', () => {
    it('records one row per change with its time, filters by actor and action, and pages newest first', async () => {
      const clock = { now: T0 };
      const s = await fresh(clock);
      const a = await s.accounts.create({ name: 'a' }, act('account.create', 'new', 'alice'));
      clock.now = T0 + 5;
      await s.accounts.update(a.id, { name: 'b' }, { actor: 'bob', action: 'account.update', target: a.id, details: { name: 'b', nested: { ok: true } } });
      clock.now = T0 + 9;
      await s.ipRules.add({ id: 'ipr_1', cidr: '10.0.0.0/8', action: 'deny', reason: 'r', actor: 'bob', createdAt: T0, expiresAt: null }, act('ip.add', 'ipr_1', 'bob'));

      const all = await s.audit.adminActions({ limit: 10 });
      assert.deepEqual(all.items.map((x) => [x.action, x.actor, x.ts]), [['ip.add', 'bob', T0 + 9], ['account.update', 'bob', T0 + 5], ['account.create', 'alice', T0]]);
      assert.deepEqual(all.items[1].details, { name: 'b', nested: { ok: true } });
      assert.deepEqual((await s.audit.adminActions({ limit: 10, actor: 'bob' })).items.map((x) => x.action), ['ip.add', 'account.update']);
      assert.deepEqual((await s.audit.adminActions({ limit: 10, actor: 'bob', action: 'ip.add' })).items.map((x) => x.target), ['ipr_1']);
      const first = await s.audit.adminActions({ limit: 2 });
      const rest = await s.audit.adminActions({ limit: 2, cursor: first.nextCursor ?? undefined });
      assert.deepEqual(rest.items.map((x) => x.action), ['account.create']);
      assert.equal(rest.nextCursor, null);
    });
  });
}
