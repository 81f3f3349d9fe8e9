/** Contract: API keys (create, lookups, revoke, atomic rotate). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { act, allAdminActions, type FreshStores, keyFor, rejectsWith, T0 } from './contract-support.test-helpers.ts';

export function keyContract(fresh: FreshStores): void {
  describe('keys', () => {
    const setup = async () => {
      const s = await fresh();
      const account = await s.accounts.create({ name: 'acme' }, act('account.create'));
      return { s, accountId: account.id };
    };

    it('creates keys, finds every key sharing a prefix and lists an account in creation order', async () => {
      const { s, accountId } = await setup();
      const other = (await s.accounts.create({ name: 'other' }, act('account.create'))).id;
      const k1 = await s.keys.create(keyFor(accountId, 'key_1', 'shared'), act('key.create'));
      await s.keys.create(keyFor(other, 'key_2', 'shared'), act('key.create'));
      await s.keys.create(keyFor(accountId, 'key_3'), act('key.create'));
      assert.deepEqual(k1, { ...keyFor(accountId, 'key_1', 'shared'), revokedAt: null, replacedBy: null });
      assert.deepEqual(await s.keys.get('key_1'), k1);
      assert.equal(await s.keys.get('key_missing'), null);
      assert.deepEqual((await s.keys.findByPrefix('shared')).map((k) => k.id).sort(), ['key_1', 'key_2']);
      assert.deepEqual(await s.keys.findByPrefix('nope'), []);
      assert.deepEqual((await s.keys.listByAccount(accountId)).map((k) => k.id), ['key_1', 'key_3']);
      assert.equal((await allAdminActions(s)).filter((a) => a.action === 'key.create').length, 3);
    });

    it('refuses a key for an unknown account (not_found) and a duplicate id (conflict), writing nothing', async () => {
      const { s, accountId } = await setup();
      await rejectsWith(s.keys.create(keyFor('acct_missing', 'key_x'), act('key.create')), 'not_found', /acct_missing/);
      await s.keys.create(keyFor(accountId, 'key_1'), act('key.create'));
      await rejectsWith(s.keys.create(keyFor(accountId, 'key_1', 'other'), act('key.create')), 'conflict', /key_1/);
      assert.deepEqual((await s.keys.listByAccount(accountId)).map((k) => k.prefix), ['pfx_key_1']);
      assert.equal((await allAdminActions(s)).filter((a) => a.action === 'key.create').length, 1);
    });

    it('revokes once: a second revoke keeps the first time and records nothing', async () => {
      const { s, accountId } = await setup();
      await s.keys.create(keyFor(accountId, 'key_1'), act('key.create'));
      assert.equal((await s.keys.revoke('key_1', T0 + 5, act('key.revoke')))?.revokedAt, T0 + 5);
      assert.equal((await s.keys.revoke('key_1', T0 + 9, act('key.revoke')))?.revokedAt, T0 + 5);
      assert.equal((await s.keys.get('key_1'))?.revokedAt, T0 + 5);
      assert.equal(await s.keys.revoke('key_missing', T0, act('key.revoke')), null);
      assert.equal((await allAdminActions(s)).filter((a) => a.action === 'key.revoke').length, 1);
    });

    it('rotates: the old key gets the grace expiry and replacedBy, the new key is live, one action is recorded', async () => {
      const { s, accountId } = await setup();
      await s.keys.create(keyFor(accountId, 'key_old'), act('key.create'));
      const rotated = await s.keys.rotate('key_old', keyFor(accountId, 'key_new', 'pfx_new', T0 + 1), T0 + 3600, act('key.rotate', 'key_old'));
      assert.ok(rotated);
      assert.equal(rotated.old.expiresAt, T0 + 3600);
      assert.equal(rotated.old.replacedBy, 'key_new');
      assert.deepEqual(rotated.next, { ...keyFor(accountId, 'key_new', 'pfx_new', T0 + 1), revokedAt: null, replacedBy: null });
      assert.deepEqual(await s.keys.get('key_old'), rotated.old);
      assert.deepEqual(await s.keys.findByPrefix('pfx_new'), [rotated.next]);
      assert.deepEqual((await allAdminActions(s)).at(-1), act('key.rotate', 'key_old'));
    });

    it('never lengthens a key by rotating it, and refuses to rotate twice, a revoked key or across accounts', async () => {
      const { s, accountId } = await setup();
      await s.keys.create({ ...keyFor(accountId, 'key_short'), expiresAt: T0 + 10 }, act('key.create'));
      const r = await s.keys.rotate('key_short', keyFor(accountId, 'key_next'), T0 + 3600, act('key.rotate'));
      assert.equal(r?.old.expiresAt, T0 + 10);
      await rejectsWith(s.keys.rotate('key_short', keyFor(accountId, 'key_fork'), T0 + 3600, act('key.rotate')), 'conflict', /already rotated/);
      await s.keys.create(keyFor(accountId, 'key_dead'), act('key.create'));
      await s.keys.revoke('key_dead', T0, act('key.revoke'));
      await rejectsWith(s.keys.rotate('key_dead', keyFor(accountId, 'key_z'), T0 + 1, act('key.rotate')), 'conflict', /revoked/);
      const other = (await s.accounts.create({ name: 'other' }, act('account.create'))).id;
      await rejectsWith(s.keys.rotate('key_next', keyFor(other, 'key_y'), T0 + 1, act('key.rotate')), 'invalid_request');
      assert.equal(await s.keys.rotate('key_missing', keyFor(accountId, 'key_w'), T0 + 1, act('key.rotate')), null);
      assert.deepEqual((await s.keys.listByAccount(accountId)).map((k) => k.id), ['key_short', 'key_next', 'key_dead']);
      assert.equal((await allAdminActions(s)).filter((a) => a.action === 'key.rotate').length, 1);
    });

    it('leaves the old key untouched when the successor cannot be inserted (duplicate id)', async () => {
      const { s, accountId } = await setup();
      await s.keys.create(keyFor(accountId, 'key_old'), act('key.create'));
      await s.keys.create(keyFor(accountId, 'key_taken'), act('key.create'));
      const before = await allAdminActions(s);
      await rejectsWith(s.keys.rotate('key_old', keyFor(accountId, 'key_taken', 'pfx_dup'), T0 + 60, act('key.rotate')), 'conflict', /key_taken/);
      assert.deepEqual(await s.keys.get('key_old'), { ...keyFor(accountId, 'key_old'), revokedAt: null, replacedBy: null });
      assert.deepEqual(await s.keys.findByPrefix('pfx_dup'), []);
      assert.deepEqual(await allAdminActions(s), before);
    });
  });
}
