/** Contract: bans (ban, unban, activeBan with expiry, listing) and IP rules (add, remove, version). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { act, allAdminActions, type FreshStores, rejectsWith, T0 } from './contract-support.test-helpers.ts';
import type { IpRule } from './types.ts';

const ban = (id: string, accountId: string, createdAt: number, expiresAt: number | null) => ({ id, accountId, reason: `reason ${id}`, actor: 'alice', createdAt, expiresAt });

const rule = (id: string, cidr: string, action: IpRule['action'] = 'deny'): IpRule => ({ id, cidr, action, reason: 'test', actor: 'alice', createdAt: T0, expiresAt: null });

export function banAndRuleContract(fresh: FreshStores): void {
  describe('bans', () => {
    const setup = async () => {
      const s = await fresh();
      const a = (await s.accounts.create({ name: 'a' }, act('account.create'))).id;
      const b = (await s.accounts.create({ name: 'b' }, act('account.create'))).id;
      return { s, a, b };
    };

    it('applies a ban from its creation until it expires', async () => {
      const { s, a, b } = await setup();
      const created = await s.bans.ban(ban('ban_1', a, T0, T0 + 100), act('ban.create', a));
      assert.deepEqual(created, { ...ban('ban_1', a, T0, T0 + 100), liftedAt: null, liftedBy: null });
      assert.equal(await s.bans.activeBan(a, T0 - 1), null);
      assert.deepEqual(await s.bans.activeBan(a, T0), created);
      assert.deepEqual(await s.bans.activeBan(a, T0 + 99), created);
      assert.equal(await s.bans.activeBan(a, T0 + 100), null);
      assert.equal(await s.bans.activeBan(b, T0 + 1), null);
      assert.deepEqual((await allAdminActions(s)).at(-1), act('ban.create', a));
    });

    it('reports the most severe active ban: permanent first, then the one ending last', async () => {
      const { s, a } = await setup();
      await s.bans.ban(ban('ban_short', a, T0, T0 + 10), act('ban.create'));
      await s.bans.ban(ban('ban_long', a, T0, T0 + 1000), act('ban.create'));
      assert.equal((await s.bans.activeBan(a, T0 + 1))?.id, 'ban_long');
      await s.bans.ban(ban('ban_forever', a, T0, null), act('ban.create'));
      assert.equal((await s.bans.activeBan(a, T0 + 1))?.id, 'ban_forever');
    });

    it('unban lifts every active ban of the account, says how many, and records only real changes', async () => {
      const { s, a, b } = await setup();
      await s.bans.ban(ban('ban_1', a, T0, null), act('ban.create'));
      await s.bans.ban(ban('ban_2', a, T0, T0 + 50), act('ban.create'));
      await s.bans.ban(ban('ban_old', a, T0, T0 + 5), act('ban.create'));
      await s.bans.ban(ban('ban_b', b, T0, null), act('ban.create'));
      assert.equal(await s.bans.unban(a, 'bob', T0 + 10, act('ban.lift', a, 'bob')), 2);
      assert.equal(await s.bans.activeBan(a, T0 + 11), null);
      assert.equal((await s.bans.activeBan(a, T0 + 9))?.id, 'ban_1', 'history stays: the ban was in force before it was lifted');
      assert.ok(await s.bans.activeBan(b, T0 + 11));
      const lifted = await s.bans.list({ accountId: a, limit: 10 });
      assert.deepEqual(lifted.items.map((x) => [x.id, x.liftedAt, x.liftedBy]), [['ban_old', null, null], ['ban_2', T0 + 10, 'bob'], ['ban_1', T0 + 10, 'bob']]);
      assert.equal(await s.bans.unban(a, 'bob', T0 + 20, act('ban.lift', a, 'bob')), 0);
      assert.equal((await allAdminActions(s)).filter((x) => x.action === 'ban.lift').length, 1);
    });

    it('lists newest first with filters and cursors', async () => {
      const { s, a, b } = await setup();
      for (let i = 0; i < 4; i++) await s.bans.ban(ban(`ban_${i}`, i % 2 ? b : a, T0 + i, T0 + 100 + i), act('ban.create'));
      const first = await s.bans.list({ limit: 3 });
      assert.deepEqual(first.items.map((x) => x.id), ['ban_3', 'ban_2', 'ban_1']);
      const second = await s.bans.list({ limit: 3, cursor: first.nextCursor ?? undefined });
      assert.deepEqual(second.items.map((x) => x.id), ['ban_0']);
      assert.equal(second.nextCursor, null);
      assert.deepEqual((await s.bans.list({ accountId: b, limit: 10 })).items.map((x) => x.id), ['ban_3', 'ban_1']);
      assert.deepEqual((await s.bans.list({ activeAt: T0 + 101, limit: 10 })).items.map((x) => x.id), ['ban_3', 'ban_2']);
      assert.deepEqual((await s.bans.list({ activeAt: T0 + 1, accountId: a, limit: 10 })).items.map((x) => x.id), ['ban_0']);
    });

    it('refuses to ban an unknown account or reuse a ban id, writing nothing', async () => {
      const { s, a } = await setup();
      await rejectsWith(s.bans.ban(ban('ban_x', 'acct_missing', T0, null), act('ban.create')), 'not_found', /acct_missing/);
      await s.bans.ban(ban('ban_1', a, T0, null), act('ban.create'));
      await rejectsWith(s.bans.ban(ban('ban_1', a, T0, null), act('ban.create')), 'conflict', /ban_1/);
      assert.equal((await s.bans.list({ limit: 10 })).items.length, 1);
      assert.equal((await allAdminActions(s)).filter((x) => x.action === 'ban.create').length, 1);
    });
  });

  describe('ip rules', () => {
    it('adds rules in order and moves the version on every change, and only then', async () => {
      const s = await fresh();
      const v0 = await s.ipRules.version();
      assert.equal(await s.ipRules.version(), v0, 'polling alone must not move the version');
      const added = await s.ipRules.add(rule('ipr_1', '10.0.0.0/8'), act('ip.add'));
      assert.deepEqual(added, rule('ipr_1', '10.0.0.0/8'));
      const v1 = await s.ipRules.version();
      assert.notEqual(v1, v0);
      await s.ipRules.add(rule('ipr_2', '2001:db8::/32', 'allow'), act('ip.add'));
      const v2 = await s.ipRules.version();
      assert.notEqual(v2, v1);
      assert.deepEqual(await s.ipRules.list(), [rule('ipr_1', '10.0.0.0/8'), rule('ipr_2', '2001:db8::/32', 'allow')]);
      assert.equal(await s.ipRules.remove('ipr_missing', act('ip.remove')), 0);
      assert.equal(await s.ipRules.version(), v2, 'a removal that removed nothing is no change');
      await rejectsWith(s.ipRules.add(rule('ipr_1', '192.0.2.0/24'), act('ip.add')), 'conflict', /ipr_1/);
      assert.equal(await s.ipRules.version(), v2, 'a refused add is no change');
    });

    it('removes by id or by exact CIDR (every rule with it) and records each removal', async () => {
      const s = await fresh();
      await s.ipRules.add(rule('ipr_1', '10.0.0.0/8'), act('ip.add'));
      await s.ipRules.add(rule('ipr_2', '192.0.2.0/24'), act('ip.add'));
      await s.ipRules.add(rule('ipr_3', '192.0.2.0/24', 'allow'), act('ip.add'));
      const before = await s.ipRules.version();
      assert.equal(await s.ipRules.remove('ipr_1', act('ip.remove', 'ipr_1')), 1);
      assert.notEqual(await s.ipRules.version(), before);
      assert.equal(await s.ipRules.remove('192.0.2.0/24', act('ip.remove', '192.0.2.0/24')), 2);
      assert.deepEqual(await s.ipRules.list(), []);
      assert.deepEqual((await allAdminActions(s)).filter((x) => x.action === 'ip.remove'), [act('ip.remove', 'ipr_1'), act('ip.remove', '192.0.2.0/24')]);
    });
  });
}
