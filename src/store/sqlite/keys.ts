/** SQLite KeyStore. `findByPrefix` is on every authenticated request and uses the prefix index. */
import { MoatError } from '../../http/errors.ts';
import type { KeyStore, NewApiKey } from '../interfaces.ts';
import { rotatedExpiry, rotationConflict } from '../rotation.ts';
import type { AdminAction, ApiKey } from '../types.ts';
import { checkNewApiKey } from '../validate.ts';
import type { SqliteAdminLog } from './admin-log.ts';
import type { SqliteDatabase } from './db.ts';
import { rethrowConstraint } from './support.ts';

interface KeyRow {
  id: string;
  account_id: string;
  prefix: string;
  hash: string;
  name: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  replaced_by: string | null;
}

const COLUMNS = 'id, account_id, prefix, hash, name, created_at, expires_at, revoked_at, replaced_by';

function keyFromRow(row: KeyRow): ApiKey {
  return {
    id: row.id,
    accountId: row.account_id,
    prefix: row.prefix,
    hash: row.hash,
    name: row.name,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    replacedBy: row.replaced_by,
  };
}

export class SqliteKeyStore implements KeyStore {
  readonly #insert;
  readonly #byId;
  readonly #byPrefix;
  readonly #byAccount;
  readonly #accountExists;
  readonly #revoke;
  readonly #retire;
  readonly #createTx;
  readonly #revokeTx;
  readonly #rotateTx;

  constructor(
    db: SqliteDatabase,
    private readonly log: SqliteAdminLog,
  ) {
    this.#insert = db.prepare(
      'INSERT INTO api_keys (id, account_id, prefix, hash, name, created_at, expires_at) VALUES (@id, @accountId, @prefix, @hash, @name, @createdAt, @expiresAt)',
    );
    this.#byId = db.prepare<[string], KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = ?`);
    this.#byPrefix = db.prepare<[string], KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE prefix = ? ORDER BY seq`);
    this.#byAccount = db.prepare<[string], KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE account_id = ? ORDER BY seq`);
    this.#accountExists = db.prepare<[string], number>('SELECT 1 FROM accounts WHERE id = ?').pluck();
    this.#revoke = db.prepare<[number, string]>('UPDATE api_keys SET revoked_at = ? WHERE id = ?');
    this.#retire = db.prepare<[number, string, string]>('UPDATE api_keys SET expires_at = ?, replaced_by = ? WHERE id = ?');

    this.#createTx = db.transaction((key: NewApiKey, audit: AdminAction) => {
      if (this.#accountExists.get(key.accountId) === undefined) throw new MoatError('not_found', `cannot create the key: account ${key.accountId} does not exist`);
      this.#insertKey(key);
      log.record(audit);
    });
    this.#revokeTx = db.transaction((id: string, at: number, audit: AdminAction): ApiKey | null => {
      const row = this.#byId.get(id);
      if (!row) return null;
      // Revoking twice changes nothing, so it records nothing and keeps the first revocation time.
      if (row.revoked_at !== null) return keyFromRow(row);
      this.#revoke.run(at, id);
      log.record(audit);
      return keyFromRow({ ...row, revoked_at: at });
    });
    // Retire the old key first and insert its successor second: if the insert fails (say, a duplicate id) the
    // rollback must also undo the retirement, which is exactly what the atomicity test checks.
    this.#rotateTx = db.transaction((oldId: string, next: NewApiKey, graceDeadline: number, audit: AdminAction) => {
      const row = this.#byId.get(oldId);
      if (!row) return null;
      const old = keyFromRow(row);
      const conflict = rotationConflict(old, next);
      if (conflict) throw conflict;
      const retired: ApiKey = { ...old, expiresAt: rotatedExpiry(old, graceDeadline), replacedBy: next.id };
      this.#retire.run(retired.expiresAt as number, next.id, oldId);
      this.#insertKey(next);
      log.record(audit);
      return { old: retired, next: { ...next, revokedAt: null, replacedBy: null } };
    });
  }

  async create(key: NewApiKey, audit: AdminAction): Promise<ApiKey> {
    const valid = checkNewApiKey(key);
    this.#createTx.immediate(valid, this.log.check(audit));
    return { ...valid, revokedAt: null, replacedBy: null };
  }

  async get(id: string): Promise<ApiKey | null> {
    const row = this.#byId.get(id);
    return row ? keyFromRow(row) : null;
  }

  async findByPrefix(prefix: string): Promise<ApiKey[]> {
    return this.#byPrefix.all(prefix).map(keyFromRow);
  }

  async listByAccount(accountId: string): Promise<ApiKey[]> {
    return this.#byAccount.all(accountId).map(keyFromRow);
  }

  async revoke(id: string, at: number, audit: AdminAction): Promise<ApiKey | null> {
    return this.#revokeTx.immediate(id, at, this.log.check(audit));
  }

  async rotate(oldId: string, next: NewApiKey, oldExpiresAt: number, audit: AdminAction): Promise<{ old: ApiKey; next: ApiKey } | null> {
    return this.#rotateTx.immediate(oldId, checkNewApiKey(next), oldExpiresAt, this.log.check(audit));
  }

  #insertKey(key: NewApiKey): void {
    try {
      this.#insert.run(key);
    } catch (err) {
      rethrowConstraint(err, { duplicate: `an API key with id ${key.id} already exists`, missing: `account ${key.accountId} does not exist` });
    }
  }
}
