/** In-memory AccountStore: a Map in creation order, which is also the listing order. */
import { MoatError } from '../../http/errors.ts';
import { newId } from '../ids.ts';
import type { AccountPatch, AccountStore, NewAccount } from '../interfaces.ts';
import { decodeCursor, pageLimit, toPage } from '../paging.ts';
import type { Account, AccountStatus, AdminAction, Page } from '../types.ts';
import { checkAccountPatch, checkNewAccount, jsonCopy } from '../validate.ts';
import type { MemoryAdminLog } from './admin-log.ts';

interface Row {
  seq: number;
  account: Account;
}

export class MemoryAccountStore implements AccountStore {
  readonly #rows = new Map<string, Row>();
  #seq = 0;

  constructor(
    private readonly log: MemoryAdminLog,
    private readonly now: () => number,
  ) {}

  /** Synchronous existence check for the other memory stores (foreign-key stand-in). */
  require(id: string, what: string): void {
    if (!this.#rows.has(id)) throw new MoatError('not_found', `${what}: account ${id} does not exist`);
  }

  async create(input: NewAccount, audit: AdminAction): Promise<Account> {
    const valid = checkNewAccount(input);
    const id = newId('acct');
    // The caller cannot know the new id, so an empty audit target is filled with it.
    const commit = this.log.stage({ ...audit, target: audit.target || id });
    const account: Account = {
      id,
      name: valid.name,
      metadata: jsonCopy(valid.metadata ?? {}),
      status: 'active',
      limits: jsonCopy(valid.limits ?? {}),
      allowedModels: valid.allowedModels ? [...valid.allowedModels] : null,
      createdAt: this.now(),
    };
    this.#rows.set(account.id, { seq: ++this.#seq, account });
    commit();
    return structuredClone(account);
  }

  async get(id: string): Promise<Account | null> {
    const row = this.#rows.get(id);
    return row ? structuredClone(row.account) : null;
  }

  async list(query: { limit: number; cursor?: string; status?: AccountStatus }): Promise<Page<Account>> {
    const limit = pageLimit(query.limit);
    const after = decodeCursor(query.cursor) ?? 0;
    const rows: Row[] = [];
    for (const row of this.#rows.values()) {
      if (rows.length > limit) break;
      if (row.seq <= after) continue;
      if (query.status !== undefined && row.account.status !== query.status) continue;
      rows.push(row);
    }
    return toPage(rows, limit, (r) => r.seq, (r) => structuredClone(r.account));
  }

  async update(id: string, patch: AccountPatch, audit: AdminAction): Promise<Account | null> {
    const valid = checkAccountPatch(patch);
    const row = this.#rows.get(id);
    if (!row) return null;
    const commit = this.log.stage(audit);
    const current = row.account;
    row.account = {
      ...current,
      name: valid.name ?? current.name,
      metadata: valid.metadata !== undefined ? jsonCopy(valid.metadata) : current.metadata,
      status: valid.status ?? current.status,
      limits: valid.limits !== undefined ? jsonCopy(valid.limits) : current.limits,
      allowedModels: valid.allowedModels !== undefined ? (valid.allowedModels ? [...valid.allowedModels] : null) : current.allowedModels,
    };
    commit();
    return structuredClone(row.account);
  }
}
