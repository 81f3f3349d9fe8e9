/** In-memory BanStore. Listings run newest first. */
import { MoatError } from '../../http/errors.ts';
import { bySeverity, isBanActive } from '../ban-activity.ts';
import type { BanStore } from '../interfaces.ts';
import { decodeCursor, pageLimit, toPage } from '../paging.ts';
import type { AdminAction, Ban, Page } from '../types.ts';
import { checkNewBan, type NewBan } from '../validate.ts';
import type { MemoryAccountStore } from './accounts.ts';
import type { MemoryAdminLog } from './admin-log.ts';

interface Row {
  seq: number;
  ban: Ban;
}

export class MemoryBanStore implements BanStore {
  readonly #rows: Row[] = [];
  readonly #ids = new Set<string>();
  #seq = 0;

  constructor(
    private readonly log: MemoryAdminLog,
    private readonly accounts: MemoryAccountStore,
  ) {}

  async ban(input: NewBan, audit: AdminAction): Promise<Ban> {
    const valid = checkNewBan(input);
    const commit = this.log.stage(audit);
    if (this.#ids.has(valid.id)) throw new MoatError('conflict', `a ban with id ${valid.id} already exists`);
    this.accounts.require(valid.accountId, 'cannot ban');
    const ban: Ban = { ...valid, liftedAt: null, liftedBy: null };
    this.#rows.push({ seq: ++this.#seq, ban });
    this.#ids.add(ban.id);
    commit();
    return { ...ban };
  }

  async unban(accountId: string, actor: string, at: number, audit: AdminAction): Promise<number> {
    const active = this.#rows.filter((r) => r.ban.accountId === accountId && isBanActive(r.ban, at));
    if (active.length === 0) return 0;
    const commit = this.log.stage(audit);
    for (const { ban } of active) {
      ban.liftedAt = at;
      ban.liftedBy = actor;
    }
    commit();
    return active.length;
  }

  async activeBan(accountId: string, now: number): Promise<Ban | null> {
    const active = this.#rows.filter((r) => r.ban.accountId === accountId && isBanActive(r.ban, now)).map((r) => r.ban);
    const worst = active.sort(bySeverity)[0];
    return worst ? { ...worst } : null;
  }

  async list(query: { accountId?: string; activeAt?: number; limit: number; cursor?: string }): Promise<Page<Ban>> {
    const limit = pageLimit(query.limit);
    const before = decodeCursor(query.cursor) ?? Number.POSITIVE_INFINITY;
    const rows: Row[] = [];
    for (let i = this.#rows.length - 1; i >= 0 && rows.length <= limit; i--) {
      const row = this.#rows[i];
      if (row.seq >= before) continue;
      if (query.accountId !== undefined && row.ban.accountId !== query.accountId) continue;
      if (query.activeAt !== undefined && !isBanActive(row.ban, query.activeAt)) continue;
      rows.push(row);
    }
    return toPage(rows, limit, (r) => r.seq, (r) => ({ ...r.ban }));
  }
}
