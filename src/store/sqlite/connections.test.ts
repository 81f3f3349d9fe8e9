/**
 * Two connections to one file (two gateway/admin processes in production): changes made through one are seen by
 * the other; a change whose transaction fails midway leaves neither the change nor its admin row; corrupt JSON in a
 * row is reported, not passed on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { act, auditRecord, keyFor, T0 } from '../contract-support.test-helpers.ts';
import type { Stores } from '../interfaces.ts';
import { openSqliteStores } from './index.ts';
import { CorruptRowError } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'moat-sqlite-conn-'));
const open: Stores[] = [];
after(async () => {
  for (const s of open) await s.close();
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;

function pair(): { a: Stores; b: Stores; path: string } {
  const path = join(dir, `pair-${n++}.db`);
  const a = openSqliteStores(path, { now: () => T0 });
  const b = openSqliteStores(path, { now: () => T0 });
  open.push(a, b);
  return { a, b, path };
}

const rule = (id: string, cidr: string) => ({ id, cidr, action: 'deny' as const, reason: 'r', actor: 'alice', createdAt: T0, expiresAt: null });

describe('sqlite shared by two connections', () => {
  it('sees accounts, keys and bans written by the other connection', async () => {
    const { a, b } = pair();
    const account = await a.accounts.create({ name: 'x' }, act('account.create'));
    assert.deepEqual(await b.accounts.get(account.id), account);
    await a.keys.create(keyFor(account.id, 'key_1'), act('key.create'));
    assert.equal((await b.keys.findByPrefix('pfx_key_1')).length, 1);
    assert.equal(await b.bans.activeBan(account.id, T0 + 1), null);
    await a.bans.ban({ id: 'ban_1', accountId: account.id, reason: 'abuse', actor: 'alice', createdAt: T0, expiresAt: null }, act('ban.create'));
    assert.equal((await b.bans.activeBan(account.id, T0 + 1))?.reason, 'abuse');
  });

  it("moves the IP-rule version for the other connection's changes, and not for unrelated writes", async () => {
    const { a, b } = pair();
    const start = await b.ipRules.version();
    await a.ipRules.add(rule('ipr_1', '10.0.0.0/8'), act('ip.add'));
    const afterAdd = await b.ipRules.version();
    assert.notEqual(afterAdd, start);
    assert.equal(await a.ipRules.version(), afterAdd, 'both connections agree on the version');

    await a.accounts.create({ name: 'unrelated' }, act('account.create'));
    a.audit.append(auditRecord({}));
    await a.audit.flush();
    assert.equal(await b.ipRules.version(), afterAdd, 'writes to other tables are not rule changes');

    await b.ipRules.remove('10.0.0.0/8', act('ip.remove'));
    const afterRemove = await a.ipRules.version();
    assert.notEqual(afterRemove, afterAdd);
    assert.deepEqual(await a.ipRules.list(), []);
  });
});

describe('sqlite transactions that fail midway', () => {
  /** Makes every admin_actions insert fail, i.e. after the change itself was already executed in the transaction. */
  function failAdminInserts(path: string): () => void {
    const raw = new Database(path);
    raw.exec("CREATE TRIGGER fail_admin BEFORE INSERT ON admin_actions BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    return () => {
      raw.exec('DROP TRIGGER fail_admin');
      raw.close();
    };
  }

  it('leave neither the change nor its admin row, for every mutating call', async () => {
    const { a: s, path } = pair();
    const account = await s.accounts.create({ name: 'before' }, act('account.create'));
    await s.keys.create(keyFor(account.id, 'key_1'), act('key.create'));
    await s.keys.create(keyFor(account.id, 'key_2'), act('key.create'));
    await s.bans.ban({ id: 'ban_1', accountId: account.id, reason: 'r', actor: 'alice', createdAt: T0, expiresAt: null }, act('ban.create'));
    await s.ipRules.add(rule('ipr_1', '10.0.0.0/8'), act('ip.add'));
    const snapshot = async () => ({
      accounts: (await s.accounts.list({ limit: 100 })).items,
      keys: await s.keys.listByAccount(account.id),
      bans: (await s.bans.list({ limit: 100 })).items,
      rules: await s.ipRules.list(),
      version: await s.ipRules.version(),
      admin: (await s.audit.adminActions({ limit: 100 })).items,
    });
    const before = await snapshot();
    assert.equal(before.admin.length, 5);

    const restore = failAdminInserts(path);
    const attempts: [string, () => Promise<unknown>][] = [
      ['accounts.create', () => s.accounts.create({ name: 'new' }, act('account.create'))],
      ['accounts.update', () => s.accounts.update(account.id, { name: 'after', status: 'suspended' }, act('account.update'))],
      ['keys.create', () => s.keys.create(keyFor(account.id, 'key_3'), act('key.create'))],
      ['keys.revoke', () => s.keys.revoke('key_1', T0 + 1, act('key.revoke'))],
      ['keys.rotate', () => s.keys.rotate('key_2', keyFor(account.id, 'key_4'), T0 + 60, act('key.rotate'))],
      ['bans.ban', () => s.bans.ban({ id: 'ban_2', accountId: account.id, reason: 'r', actor: 'alice', createdAt: T0, expiresAt: null }, act('ban.create'))],
      ['bans.unban', () => s.bans.unban(account.id, 'bob', T0 + 1, act('ban.lift'))],
      ['ipRules.add', () => s.ipRules.add(rule('ipr_2', '192.0.2.0/24'), act('ip.add'))],
      ['ipRules.remove', () => s.ipRules.remove('ipr_1', act('ip.remove'))],
    ];
    try {
      for (const [name, attempt] of attempts) {
        await assert.rejects(attempt(), /injected failure/, `${name} must fail`);
        assert.deepEqual(await snapshot(), before, `${name} must leave nothing behind`);
      }
    } finally {
      restore();
    }
    // The same calls succeed once the failure is gone, so the failures above were the injected ones.
    for (const [, attempt] of attempts) await attempt();
    assert.equal((await s.audit.adminActions({ limit: 100 })).items.length, 5 + attempts.length);
  });
});

describe('sqlite rows edited behind the store', () => {
  it('refuse to load JSON that does not match its schema, naming table, column and row', async () => {
    const { a: s, path } = pair();
    const account = await s.accounts.create({ name: 'x' }, act('account.create'));
    const raw = new Database(path);
    raw.prepare("UPDATE accounts SET limits = '{\"requestsPerMinute\":\"lots\"}' WHERE id = ?").run(account.id);
    const named = (column: string) => (err: unknown) => err instanceof CorruptRowError && err.message.includes(`accounts.${column} of ${account.id}`);
    await assert.rejects(s.accounts.get(account.id), named('limits'));
    raw.prepare("UPDATE accounts SET metadata = 'not json' WHERE id = ?").run(account.id);
    raw.close();
    await assert.rejects(s.accounts.list({ limit: 10 }), named('metadata'));
  });
});
