/** Opening SQLite files: pragmas, migrations, persistence across reopen, and clear errors naming the file. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { act, auditRecord, keyFor, T0 } from '../contract-support.test-helpers.ts';
import { openDatabase, StoreOpenError } from './db.ts';
import { openSqliteStores } from './index.ts';
import { MIGRATIONS } from './migrations.ts';

const dir = mkdtempSync(join(tmpdir(), 'moat-sqlite-db-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('sqlite database file', () => {
  it('opens in WAL mode with foreign keys on and the schema at the latest version', () => {
    const db = openDatabase(join(dir, 'pragmas.db'));
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
      assert.equal(db.pragma('synchronous', { simple: true }), 1, 'NORMAL');
      assert.ok(Number(db.pragma('busy_timeout', { simple: true })) > 0);
      assert.equal(db.prepare('SELECT version FROM schema_version').pluck().get(), MIGRATIONS.length);
    } finally {
      db.close();
    }
  });

  it('keeps every kind of record across close and reopen, and migrating again is a no-op', async () => {
    const path = join(dir, 'persist.db');
    const first = openSqliteStores(path, { now: () => T0 });
    const account = await first.accounts.create({ name: 'kept', metadata: { k: 'v' }, limits: { requestsPerDay: 3 } }, act('account.create'));
    await first.keys.create(keyFor(account.id, 'key_1'), act('key.create'));
    await first.bans.ban({ id: 'ban_1', accountId: account.id, reason: 'r', actor: 'alice', createdAt: T0, expiresAt: null }, act('ban.create'));
    await first.ipRules.add({ id: 'ipr_1', cidr: '10.0.0.0/8', action: 'deny', reason: 'r', actor: 'alice', createdAt: T0, expiresAt: null }, act('ip.add'));
    first.audit.append(auditRecord({ requestId: 'kept-request' }));
    const version = await first.ipRules.version();
    await first.close(); // close() must flush the queued audit record

    const second = openSqliteStores(path);
    try {
      assert.deepEqual(await second.accounts.get(account.id), account);
      assert.equal((await second.keys.findByPrefix('pfx_key_1'))[0]?.id, 'key_1');
      assert.equal((await second.bans.activeBan(account.id, T0 + 1))?.id, 'ban_1');
      assert.deepEqual((await second.ipRules.list()).map((r) => r.id), ['ipr_1']);
      assert.equal(await second.ipRules.version(), version);
      assert.deepEqual((await second.audit.query({ limit: 5 })).items.map((r) => r.requestId), ['kept-request']);
      assert.equal((await second.audit.adminActions({ limit: 10 })).items.length, 4);
    } finally {
      await second.close();
    }
  });

  it('names the file when it is not a database', () => {
    const path = join(dir, 'corrupt.db');
    writeFileSync(path, 'this is not a SQLite database, just text that is long enough to fill a header page'.repeat(20));
    assert.throws(
      () => openSqliteStores(path),
      (err: unknown) => err instanceof StoreOpenError && err.path === path && err.message.includes(path) && /not a database/.test(err.message),
    );
  });

  it('names the file when its directory cannot exist', () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'x');
    const path = join(blocker, 'moat.db');
    assert.throws(() => openSqliteStores(path), (err: unknown) => err instanceof StoreOpenError && err.message.includes(path));
  });

  it('refuses a file whose schema is newer than this code', () => {
    const path = join(dir, 'future.db');
    openDatabase(path).close();
    const raw = new Database(path);
    raw.prepare('UPDATE schema_version SET version = ?').run(MIGRATIONS.length + 1);
    raw.close();
    assert.throws(() => openSqliteStores(path), (err: unknown) => err instanceof StoreOpenError && /newer than this Moat/.test(err.message) && err.message.includes(path));
  });
});
