import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Account } from '../store/types.ts';
import { type TestAdmin, startTestAdmin } from './testing.ts';
import type { KeyView } from './views.ts';

describe('admin keys', () => {
  let t: TestAdmin;
  let accountId: string;
  before(async () => {
    t = await startTestAdmin({ config: { gateway: { keyRotationGraceSeconds: 600 } } });
    const res = await t.call('POST', '/accounts', { name: 'keyholder' });
    accountId = (res.body.account as Account).id;
  });
  after(() => t.close());

  test('POST /accounts/:id/keys issues a named, expiring key; GET lists without hashes', async () => {
    const res = await t.call('POST', `/accounts/${accountId}/keys`, { name: 'ci', expiresIn: 3600 });
    assert.equal(res.status, 201);
    assert.equal(res.body.name, 'ci');
    assert.equal(res.body.expiresAt, t.clock.now + 3_600_000);
    assert.match(String(res.body.key), /^moat_/);

    const bare = await t.call('POST', `/accounts/${accountId}/keys`);
    assert.equal(bare.status, 201, 'the body is optional');

    const list = await t.call('GET', `/accounts/${accountId}/keys`);
    const items = list.body.items as KeyView[];
    assert.equal(items.length, 3);
    assert.ok(items.every((k) => !('hash' in k)));
    assert.ok(items.some((k) => k.id === res.body.id && k.name === 'ci'));

    const bad = await t.call('POST', `/accounts/${accountId}/keys`, { expiresIn: -5 });
    assert.equal(bad.body.error?.param, 'expiresIn');
    const missing = await t.call('POST', '/accounts/acct_missing/keys', {});
    assert.equal(missing.status, 404);
    const missingList = await t.call('GET', '/accounts/acct_missing/keys');
    assert.equal(missingList.status, 404);
  });

  test('revoke is immediate, recorded, and refused twice', async () => {
    const created = await t.call('POST', `/accounts/${accountId}/keys`, { name: 'doomed' });
    const id = String(created.body.id);
    const res = await t.call('POST', `/keys/${id}/revoke`);
    assert.equal(res.status, 200);
    const key = res.body.key as KeyView;
    assert.equal(key.revokedAt, t.clock.now);
    assert.equal(key.status, 'revoked');
    const again = await t.call('POST', `/keys/${id}/revoke`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error?.code, 'conflict');
    const actions = await t.call('GET', '/admin-actions?action=key.revoke');
    assert.deepEqual((actions.body.items as { target: string }[]).map((a) => a.target), [id]);
    const missing = await t.call('POST', '/keys/key_missing/revoke');
    assert.equal(missing.status, 404);
  });

  test('rotate issues a successor; the old key stays valid for the default grace, then expires', async () => {
    const created = await t.call('POST', `/accounts/${accountId}/keys`, { name: 'rotating' });
    const oldId = String(created.body.id);
    const start = t.clock.now;
    const res = await t.call('POST', `/keys/${oldId}/rotate`);
    assert.equal(res.status, 201);
    assert.notEqual(res.body.id, oldId);
    assert.equal(res.body.name, 'rotating');
    assert.deepEqual(res.body.replaces, { id: oldId, prefix: created.body.prefix, expiresAt: start + 600_000 });
    const successor = await t.stores.keys.get(String(res.body.id));
    assert.equal(successor?.hash, t.hasher.hash(String(res.body.key)));

    const keyStatus = async (id: string) => ((await t.call('GET', `/accounts/${accountId}/keys`)).body.items as KeyView[]).find((k) => k.id === id)?.status;
    assert.equal(await keyStatus(oldId), 'rotating');
    t.clock.advance(599_000);
    assert.equal(await keyStatus(oldId), 'rotating');
    t.clock.advance(1_000);
    assert.equal(await keyStatus(oldId), 'expired');
    assert.equal(await keyStatus(String(res.body.id)), 'active');

    const twice = await t.call('POST', `/keys/${oldId}/rotate`);
    assert.equal(twice.status, 409);
  });

  test('rotate with an explicit grace; grace never lengthens a key; bad grace is refused', async () => {
    const created = await t.call('POST', `/accounts/${accountId}/keys`, { expiresIn: 30 });
    const res = await t.call('POST', `/keys/${created.body.id}/rotate`, { graceSeconds: 120 });
    assert.equal(res.status, 201);
    const replaces = res.body.replaces as { expiresAt: number };
    assert.equal(replaces.expiresAt, t.clock.now + 30_000, 'the old key keeps its earlier own expiry');
    assert.equal(res.body.expiresAt, t.clock.now + 30_000, 'the successor inherits the absolute expiry');

    const other = await t.call('POST', `/accounts/${accountId}/keys`);
    const zero = await t.call('POST', `/keys/${other.body.id}/rotate`, { graceSeconds: 0 });
    assert.equal((zero.body.replaces as { expiresAt: number }).expiresAt, t.clock.now);

    const third = await t.call('POST', `/accounts/${accountId}/keys`);
    for (const graceSeconds of [-1, 1.5, '60', 400 * 86_400]) {
      const bad = await t.call('POST', `/keys/${third.body.id}/rotate`, { graceSeconds });
      assert.equal(bad.status, 400, String(graceSeconds));
      assert.equal(bad.body.error?.param, 'graceSeconds');
    }
    await t.call('POST', `/keys/${third.body.id}/revoke`);
    const revoked = await t.call('POST', `/keys/${third.body.id}/rotate`);
    assert.equal(revoked.status, 409);
    assert.match(revoked.body.error?.message ?? '', /revoked/);
  });
});
