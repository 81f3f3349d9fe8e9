/** SQLite AccountStore. Listings follow creation order (`seq`). */
import { newId } from '../ids.ts';
import type { AccountPatch, AccountStore, NewAccount } from '../interfaces.ts';
import { decodeCursor, pageLimit, toPage } from '../paging.ts';
import { type Account, type AccountStatus, AccountStatusSchema, type AdminAction, LimitOverridesSchema, MetadataSchema, type Page } from '../types.ts';
import { AllowedModelsSchema, checkAccountPatch, checkNewAccount } from '../validate.ts';
import type { SqliteAdminLog } from './admin-log.ts';
import type { SqliteDatabase } from './db.ts';
import { readColumn, readJson } from './support.ts';

interface AccountRow {
  seq: number;
  id: string;
  name: string;
  metadata: string;
  status: string;
  limits: string;
  allowed_models: string | null;
  created_at: number;
}

/** Turns a row into an Account, checking every JSON column so a hand-edited or corrupt row fails loudly. */
export function accountFromRow(row: AccountRow): Account {
  const where = (column: string) => `accounts.${column} of ${row.id}`;
  return {
    id: row.id,
    name: row.name,
    metadata: readJson(MetadataSchema, row.metadata, where('metadata')),
    status: readColumn(AccountStatusSchema, row.status, where('status')),
    limits: readJson(LimitOverridesSchema, row.limits, where('limits')),
    allowedModels: readJson(AllowedModelsSchema, row.allowed_models, where('allowed_models')),
    createdAt: row.created_at,
  };
}

const json = (value: unknown) => JSON.stringify(value);

export class SqliteAccountStore implements AccountStore {
  readonly #insert;
  readonly #byId;
  readonly #page;
  readonly #pageByStatus;
  readonly #update;
  readonly #createTx;
  readonly #updateTx;

  constructor(
    db: SqliteDatabase,
    private readonly log: SqliteAdminLog,
    private readonly now: () => number,
  ) {
    this.#insert = db.prepare(
      'INSERT INTO accounts (id, name, metadata, status, limits, allowed_models, created_at) VALUES (@id, @name, @metadata, @status, @limits, @allowedModels, @createdAt)',
    );
    this.#byId = db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE id = ?');
    this.#page = db.prepare<[number, number], AccountRow>('SELECT * FROM accounts WHERE seq > ? ORDER BY seq LIMIT ?');
    this.#pageByStatus = db.prepare<[string, number, number], AccountRow>('SELECT * FROM accounts WHERE status = ? AND seq > ? ORDER BY seq LIMIT ?');
    this.#update = db.prepare(
      'UPDATE accounts SET name = @name, metadata = @metadata, status = @status, limits = @limits, allowed_models = @allowedModels WHERE id = @id',
    );
    this.#createTx = db.transaction((account: Account, audit: AdminAction) => {
      this.#insert.run({ ...account, metadata: json(account.metadata), limits: json(account.limits), allowedModels: nullableJson(account.allowedModels) });
      log.record(audit);
    });
    this.#updateTx = db.transaction((id: string, patch: AccountPatch, audit: AdminAction): Account | null => {
      const row = this.#byId.get(id);
      if (!row) return null;
      const current = accountFromRow(row);
      const next: Account = {
        ...current,
        name: patch.name ?? current.name,
        metadata: patch.metadata ?? current.metadata,
        status: patch.status ?? current.status,
        limits: patch.limits ?? current.limits,
        allowedModels: patch.allowedModels !== undefined ? patch.allowedModels : current.allowedModels,
      };
      this.#update.run({ ...next, metadata: json(next.metadata), limits: json(next.limits), allowedModels: nullableJson(next.allowedModels) });
      log.record(audit);
      // Read back through the same checks a later get() applies, so the caller sees exactly what was stored.
      return accountFromRow(this.#byId.get(id) as AccountRow);
    });
  }

  async create(input: NewAccount, audit: AdminAction): Promise<Account> {
    const valid = checkNewAccount(input);
    const id = newId('acct');
    // The caller cannot know the new id, so an empty audit target is filled with it.
    const checkedAudit = this.log.check({ ...audit, target: audit.target || id });
    const account: Account = {
      id,
      name: valid.name,
      metadata: valid.metadata ?? {},
      status: 'active',
      limits: valid.limits ?? {},
      allowedModels: valid.allowedModels ?? null,
      createdAt: this.now(),
    };
    this.#createTx.immediate(account, checkedAudit);
    return accountFromRow(this.#byId.get(account.id) as AccountRow);
  }

  async get(id: string): Promise<Account | null> {
    const row = this.#byId.get(id);
    return row ? accountFromRow(row) : null;
  }

  async list(query: { limit: number; cursor?: string; status?: AccountStatus }): Promise<Page<Account>> {
    const limit = pageLimit(query.limit);
    const after = decodeCursor(query.cursor) ?? 0;
    const rows = query.status === undefined ? this.#page.all(after, limit + 1) : this.#pageByStatus.all(query.status, after, limit + 1);
    return toPage(rows, limit, (r) => r.seq, accountFromRow);
  }

  async update(id: string, patch: AccountPatch, audit: AdminAction): Promise<Account | null> {
    const valid = checkAccountPatch(patch);
    return this.#updateTx.immediate(id, valid, this.log.check(audit));
  }
}

function nullableJson(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}
