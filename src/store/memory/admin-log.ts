/**
 * The memory adapter's admin-action log, shared by every memory store. A change is staged (its action checked)
 * before anything is mutated and committed after, so a refused action leaves no change behind, like a rolled-back
 * SQLite transaction.
 */
import { decodeCursor, pageLimit, toPage } from '../paging.ts';
import type { AdminAction, AdminAuditRecord, Page } from '../types.ts';
import { checkAdminAction } from '../validate.ts';

export class MemoryAdminLog {
  readonly #records: AdminAuditRecord[] = [];
  #nextId = 1;

  constructor(private readonly now: () => number) {}

  /** Checks `audit` now; the returned function appends it once the change itself is done. */
  stage(audit: AdminAction): () => void {
    const checked = checkAdminAction(audit);
    return () => {
      this.#records.push({ id: this.#nextId++, ts: this.now(), ...checked });
    };
  }

  /** Newest first, like the SQLite adapter. */
  list(query: { actor?: string; action?: string; limit: number; cursor?: string }): Page<AdminAuditRecord> {
    const limit = pageLimit(query.limit);
    const before = decodeCursor(query.cursor) ?? Number.POSITIVE_INFINITY;
    const rows: AdminAuditRecord[] = [];
    for (let i = this.#records.length - 1; i >= 0 && rows.length <= limit; i--) {
      const record = this.#records[i];
      if (record.id >= before) continue;
      if (query.actor !== undefined && record.actor !== query.actor) continue;
      if (query.action !== undefined && record.action !== query.action) continue;
      rows.push(record);
    }
    return toPage(rows, limit, (r) => r.id, (r) => structuredClone(r));
  }
}
