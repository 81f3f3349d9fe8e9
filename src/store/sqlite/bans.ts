/** SQLite BanStore. The "in force at t" rule is ban-activity.ts's `isBanActive`, spelled in SQL. */
import { MoatError } from '../../http/errors.ts';
import type { BanStore } from '../interfaces.ts';
import { decodeCursor, pageLimit, toPage } from '../paging.ts';
import type { AdminAction, Ban, Page } from '../types.ts';
import { checkNewBan, type NewBan } from '../validate.ts';
import type { SqliteAdminLog } from './admin-log.ts';
import type { SqliteDatabase } from './db.ts';
import { type Params, rethrowConstraint, StatementCache } from './support.ts';

interface BanRow {
  seq: number;
  id: string;
  account_id: string;
  reason: string;
  actor: string;
  created_at: number;
  expires_at: number | null;
  lifted_at: number | null;
  lifted_by: string | null;
}

const ACTIVE_AT = (t: string) => `created_at <= ${t} AND (expires_at IS NULL OR expires_at > ${t}) AND (lifted_at IS NULL OR lifted_at > ${t})`;

function banFromRow(row: BanRow): Ban {
  return {
    id: row.id,
    accountId: row.account_id,
    reason: row.reason,
    actor: row.actor,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    liftedAt: row.lifted_at,
    liftedBy: row.lifted_by,
  };
}

export class SqliteBanStore implements BanStore {
  readonly #active;
  readonly #pages;
  readonly #banTx;
  readonly #unbanTx;

  constructor(
    db: SqliteDatabase,
    private readonly log: SqliteAdminLog,
  ) {
    const insert = db.prepare(
      'INSERT INTO bans (id, account_id, reason, actor, created_at, expires_at) VALUES (@id, @accountId, @reason, @actor, @createdAt, @expiresAt)',
    );
    const accountExists = db.prepare<[string], number>('SELECT 1 FROM accounts WHERE id = ?').pluck();
    const lift = db.prepare(`UPDATE bans SET lifted_at = @at, lifted_by = @actor WHERE account_id = @accountId AND ${ACTIVE_AT('@at')}`);
    // Most severe first: a permanent ban outranks any temporary one, then the one ending last.
    this.#active = db.prepare<{ accountId: string; now: number }, BanRow>(
      `SELECT * FROM bans WHERE account_id = @accountId AND ${ACTIVE_AT('@now')} ORDER BY expires_at IS NULL DESC, expires_at DESC LIMIT 1`,
    );
    this.#pages = new StatementCache<BanRow>(db);

    this.#banTx = db.transaction((ban: NewBan, audit: AdminAction) => {
      if (accountExists.get(ban.accountId) === undefined) throw new MoatError('not_found', `cannot ban: account ${ban.accountId} does not exist`);
      try {
        insert.run(ban);
      } catch (err) {
        rethrowConstraint(err, { duplicate: `a ban with id ${ban.id} already exists` });
      }
      log.record(audit);
    });
    this.#unbanTx = db.transaction((accountId: string, actor: string, at: number, audit: AdminAction): number => {
      const lifted = lift.run({ accountId, actor, at }).changes;
      if (lifted > 0) log.record(audit);
      return lifted;
    });
  }

  async ban(input: NewBan, audit: AdminAction): Promise<Ban> {
    const valid = checkNewBan(input);
    this.#banTx.immediate(valid, this.log.check(audit));
    return { ...valid, liftedAt: null, liftedBy: null };
  }

  async unban(accountId: string, actor: string, at: number, audit: AdminAction): Promise<number> {
    return this.#unbanTx.immediate(accountId, actor, at, this.log.check(audit));
  }

  async activeBan(accountId: string, now: number): Promise<Ban | null> {
    const row = this.#active.get({ accountId, now });
    return row ? banFromRow(row) : null;
  }

  async list(query: { accountId?: string; activeAt?: number; limit: number; cursor?: string }): Promise<Page<Ban>> {
    const limit = pageLimit(query.limit);
    const before = decodeCursor(query.cursor);
    const filters: string[] = [];
    const params: Params = { take: limit + 1 };
    if (query.accountId !== undefined) {
      filters.push('account_id = @accountId');
      params.accountId = query.accountId;
    }
    if (query.activeAt !== undefined) {
      filters.push(ACTIVE_AT('@activeAt'));
      params.activeAt = query.activeAt;
    }
    if (before !== null) {
      filters.push('seq < @before');
      params.before = before;
    }
    const where = filters.length ? `WHERE ${filters.join(' AND ')}` : '';
    const rows = this.#pages.all(where, () => `SELECT * FROM bans ${where} ORDER BY seq DESC LIMIT @take`, params);
    return toPage(rows, limit, (r) => r.seq, banFromRow);
  }
}
