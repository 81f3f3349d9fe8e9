/**
 * The `admin_actions` table. Stores call `record()` inside their own `db.transaction(...)`, after the change, so the
 * change and its audit row commit together or not at all.
 */
import { decodeCursor, pageLimit, toPage } from '../paging.ts';
import type { AdminAction, AdminAuditRecord, Page } from '../types.ts';
import { checkAdminAction, DetailsSchema } from '../validate.ts';
import type { SqliteDatabase } from './db.ts';
import { readJson, StatementCache } from './support.ts';

interface AdminActionRow {
  id: number;
  ts: number;
  actor: string;
  action: string;
  target: string;
  details: string;
}

export class SqliteAdminLog {
  readonly #insert;
  readonly #queries;

  constructor(
    db: SqliteDatabase,
    private readonly now: () => number,
  ) {
    this.#insert = db.prepare('INSERT INTO admin_actions (ts, actor, action, target, details) VALUES (@ts, @actor, @action, @target, @details)');
    this.#queries = new StatementCache<AdminActionRow>(db);
  }

  /** Checks `audit` before a transaction starts; the result is what `record()` writes. */
  check(audit: AdminAction): AdminAction {
    return checkAdminAction(audit);
  }

  /** Writes one row; call inside the transaction that makes the change. */
  record(audit: AdminAction): void {
    this.#insert.run({ ts: this.now(), actor: audit.actor, action: audit.action, target: audit.target, details: JSON.stringify(audit.details) });
  }

  list(query: { actor?: string; action?: string; limit: number; cursor?: string }): Page<AdminAuditRecord> {
    const limit = pageLimit(query.limit);
    const before = decodeCursor(query.cursor);
    const filters = [
      query.actor !== undefined ? 'actor = @actor' : '',
      query.action !== undefined ? 'action = @action' : '',
      before !== null ? 'id < @before' : '',
    ].filter(Boolean);
    const where = filters.length ? `WHERE ${filters.join(' AND ')}` : '';
    const rows = this.#queries.all(where, () => `SELECT * FROM admin_actions ${where} ORDER BY id DESC LIMIT @take`, {
      ...(query.actor !== undefined ? { actor: query.actor } : {}),
      ...(query.action !== undefined ? { action: query.action } : {}),
      ...(before !== null ? { before } : {}),
      take: limit + 1,
    });
    return toPage(rows, limit, (r) => r.id, (r) => ({
      id: r.id,
      ts: r.ts,
      actor: r.actor,
      action: r.action,
      target: r.target,
      details: readJson(DetailsSchema, r.details, `admin_actions.details of row ${r.id}`),
    }));
  }
}
