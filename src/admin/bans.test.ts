import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Account, Ban } from '../store/types.ts';
import { type TestAdmin, startTestAdmin } from './testing.ts';

describe('admin bans', () => {
  let t: TestAdmin;
  const newAccount = async (name: string) => ((await t.call('POST', '/accounts', { name })).body.account as Account).id;
  before(async () => {
    t = await startTestAdmin();
  });
  after(() => t.close());

  test('ban with expiresIn, shown on the account, conflict on a second ban, lifted by unban', async () => {
    const id = await newAccount('scraper');
    const res = await t.call('POST', `/accounts/${id}/ban`, { reason: 'distillation pattern', expiresIn: 3600 }, { 'x-moat-actor': 'soc' });
    assert.equal(res.status, 201);
    const ban = res.body.ban as Ban;
    assert.equal(ban.accountId, id);
    assert.equal(ban.actor, 'soc');
    assert.equal(ban.expiresAt, t.clock.now + 3_600_000);
    assert.equal(((await t.call('GET', `/accounts/${id}`)).body.ban as Ban).id, ban.id);

    const second = await t.call('POST', `/accounts/${id}/ban`, { reason: 'again' });
    assert.equal(second.status, 409);
    assert.match(second.body.error?.message ?? '', /already banned until/);

    const unban = await t.call('POST', `/accounts/${id}/unban`, { reason: 'appeal accepted' });
    assert.equal(unban.status, 200);
    assert.equal(unban.body.lifted, 1);
    assert.equal((await t.call('GET', `/accounts/${id}`)).body.ban, null);
    const notBanned = await t.call('POST', `/accounts/${id}/unban`);
    assert.equal(notBanned.status, 409);

    const actions = (await t.call('GET', '/admin-actions?limit=2')).body.items as { action: string; target: string; actor: string; details: Record<string, unknown> }[];
    assert.deepEqual(actions.map((a) => a.action), ['account.unban', 'account.ban']);
    assert.equal(actions[0].details.reason, 'appeal accepted');
    assert.equal(actions[1].actor, 'soc');
  });

  test('ban with expiresAt (ISO or epoch ms) and without expiry; a ban ends on its own', async () => {
    const iso = await newAccount('iso');
    const at = new Date(t.clock.now + 60_000).toISOString();
    const a = await t.call('POST', `/accounts/${iso}/ban`, { reason: 'r', expiresAt: at });
    assert.equal((a.body.ban as Ban).expiresAt, t.clock.now + 60_000);
    t.clock.advance(60_000);
    assert.equal((await t.call('GET', `/accounts/${iso}`)).body.ban, null);

    const ms = await newAccount('ms');
    const b = await t.call('POST', `/accounts/${ms}/ban`, { reason: 'r', expiresAt: t.clock.now + 5_000 });
    assert.equal((b.body.ban as Ban).expiresAt, t.clock.now + 5_000);

    const forever = await newAccount('forever');
    const c = await t.call('POST', `/accounts/${forever}/ban`, { reason: 'r' });
    assert.equal((c.body.ban as Ban).expiresAt, null);
  });

  test('ban validation', async () => {
    const id = await newAccount('valid');
    const cases: [unknown, string][] = [
      [{}, 'reason'],
      [{ reason: '' }, 'reason'],
      [{ reason: 'r', expiresIn: 0 }, 'expiresIn'],
      [{ reason: 'r', expiresIn: 10, expiresAt: t.clock.now + 1 }, 'expiresAt'],
      [{ reason: 'r', expiresAt: 'tomorrow' }, 'expiresAt'],
      [{ reason: 'r', expiresAt: t.clock.now - 1 }, 'expiresAt'],
    ];
    for (const [body, param] of cases) {
      const res = await t.call('POST', `/accounts/${id}/ban`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error?.param, param, JSON.stringify(body));
    }
    const missing = await t.call('POST', '/accounts/acct_missing/ban', { reason: 'r' });
    assert.equal(missing.status, 404);
  });

  test('GET /bans filters by account and activity, and pages', async () => {
    const id = await newAccount('history');
    for (let i = 0; i < 3; i++) {
      await t.call('POST', `/accounts/${id}/ban`, { reason: `round ${i}` });
      if (i < 2) await t.call('POST', `/accounts/${id}/unban`);
    }
    const all = await t.call('GET', `/bans?accountId=${id}`);
    assert.deepEqual((all.body.items as Ban[]).map((b) => b.reason), ['round 2', 'round 1', 'round 0']);
    const active = await t.call('GET', `/bans?accountId=${id}&active=true`);
    assert.deepEqual((active.body.items as Ban[]).map((b) => b.reason), ['round 2']);
    const first = await t.call('GET', `/bans?accountId=${id}&limit=2`);
    assert.equal((first.body.items as Ban[]).length, 2);
    const rest = await t.call('GET', `/bans?accountId=${id}&limit=2&cursor=${encodeURIComponent(String(first.body.nextCursor))}`);
    assert.deepEqual((rest.body.items as Ban[]).map((b) => b.reason), ['round 0']);
    assert.equal(rest.body.nextCursor, null);
    const bad = await t.call('GET', '/bans?active=yes');
    assert.equal(bad.body.error?.param, 'active');
  });
});
