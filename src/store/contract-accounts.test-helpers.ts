/** Contract: accounts (create, get, list with cursors, update) and the admin rows their changes write. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { act, allAdminActions, type FreshStores, rejectsWith, T0 } from './contract-support.test-helpers.ts';

export function accountContract(fresh: FreshStores): void {
  describe('accounts', () => {
    it('creates an account with defaults, an acct_ id and the clock time, and records the action', async () => {
      const s = await fresh();
      const account = await s.accounts.create({ name: 'acme' }, act('account.create'));
      assert.match(account.id, /^acct_[A-Za-z0-9_-]{16}$/);
      assert.deepEqual(account, { id: account.id, name: 'acme', metadata: {}, status: 'active', limits: {}, allowedModels: null, createdAt: T0 });
      assert.deepEqual(await s.accounts.get(account.id), account);
      assert.equal(await s.accounts.get('acct_missing'), null);
      assert.deepEqual(await allAdminActions(s), [act('account.create')]);
    });

    it('keeps metadata, partial limits and allowed models exactly (omitted limits stay omitted)', async () => {
      const s = await fresh();
      const input = { name: 'x', metadata: { tier: 'gold', seats: 3, beta: true }, limits: { tokensPerMinute: 50 }, allowedModels: ['m1', 'm2'] };
      const account = await s.accounts.create(input, act('account.create'));
      const read = await s.accounts.get(account.id);
      assert.deepEqual(read?.metadata, input.metadata);
      assert.deepEqual(read?.limits, { tokensPerMinute: 50 });
      assert.deepEqual(read?.allowedModels, ['m1', 'm2']);
    });

    it('does not let a caller mutate stored state through a returned object', async () => {
      const s = await fresh();
      const account = await s.accounts.create({ name: 'x', metadata: { a: 1 } }, act('account.create'));
      account.metadata.a = 2;
      account.name = 'changed';
      const read = await s.accounts.get(account.id);
      assert.deepEqual([read?.name, read?.metadata], ['x', { a: 1 }]);
    });

    it('lists in creation order, page by page, with an opaque cursor and a status filter', async () => {
      const clock = { now: T0 };
      const s = await fresh(clock);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        clock.now = T0 + i;
        ids.push((await s.accounts.create({ name: `a${i}` }, act('account.create'))).id);
      }
      await s.accounts.update(ids[1], { status: 'suspended' }, act('account.update'));
      await s.accounts.update(ids[3], { status: 'suspended' }, act('account.update'));

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await s.accounts.list({ limit: 2, cursor });
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((a) => a.id));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      assert.deepEqual(seen, ids);
      assert.equal(pages, 3);

      const suspended = await s.accounts.list({ limit: 1, status: 'suspended' });
      assert.deepEqual(suspended.items.map((a) => a.id), [ids[1]]);
      const rest = await s.accounts.list({ limit: 1, status: 'suspended', cursor: suspended.nextCursor ?? undefined });
      assert.deepEqual(rest.items.map((a) => a.id), [ids[3]]);
      assert.equal(rest.nextCursor, null);
      assert.deepEqual((await s.accounts.list({ limit: 10, status: 'active' })).items.map((a) => a.id), [ids[0], ids[2], ids[4]]);
    });

    it('refuses a made-up cursor and a non-positive limit with invalid_request', async () => {
      const s = await fresh();
      await rejectsWith(s.accounts.list({ limit: 2, cursor: 'not-a-cursor' }), 'invalid_request', /cursor/);
      await rejectsWith(s.accounts.list({ limit: 0 }), 'invalid_request', /limit/);
    });

    it('updates only the patched fields and records the action; an unknown id changes and records nothing', async () => {
      const s = await fresh();
      const account = await s.accounts.create({ name: 'x', metadata: { a: 1 }, limits: { requestsPerMinute: 5 }, allowedModels: ['m1'] }, act('account.create'));
      const updated = await s.accounts.update(account.id, { name: 'y', limits: { tokensPerMinute: 9 }, allowedModels: null }, act('account.update', account.id));
      assert.deepEqual(updated, { ...account, name: 'y', limits: { tokensPerMinute: 9 }, allowedModels: null });
      assert.deepEqual(await s.accounts.get(account.id), updated);
      assert.equal(await s.accounts.update('acct_missing', { name: 'z' }, act('account.update')), null);
      assert.deepEqual((await allAdminActions(s)).map((a) => a.action), ['account.create', 'account.update']);
    });

    it('refuses invalid input and an invalid admin action without writing anything', async () => {
      const s = await fresh();
      await rejectsWith(s.accounts.create({ name: '' }, act('account.create')), 'invalid_request', /name/);
      await rejectsWith(s.accounts.create({ name: 'x', limits: { requestsPerMinute: -1 } }, act('account.create')), 'invalid_request', /limits/);
      await rejectsWith(s.accounts.create({ name: 'x' }, { actor: '', action: 'account.create', target: '-', details: {} }), 'invalid_request', /actor/);
      assert.deepEqual((await s.accounts.list({ limit: 10 })).items, []);
      assert.deepEqual(await allAdminActions(s), []);
    });
  });
}
