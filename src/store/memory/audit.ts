/**
 * In-memory AuditStore. Appends land immediately (there is nothing to batch), so `flush()` only exists to honour
 * the port. The request log is capped (oldest rows dropped first) so a long-running `storage.driver: memory`
 * gateway does not grow without bound.
 */
import type { AdmittedCount, AuditQuery, AuditStore } from '../interfaces.ts';
import { decodeCursor, pageLimit, toPage } from '../paging.ts';
import type { AdminAuditRecord, Page, RequestAuditRecord } from '../types.ts';
import type { MemoryAdminLog } from './admin-log.ts';

type StoredRecord = RequestAuditRecord & { id: number };

export const DEFAULT_MEMORY_AUDIT_CAPACITY = 100_000;

/** Routes that pass the limits phase (`GET /v1/models` does not). */
const MODEL_ROUTES = new Set(['chat', 'completions', 'embeddings', 'classifications']);

export class MemoryAuditStore implements AuditStore {
  #records: StoredRecord[] = [];
  #nextId = 1;

  constructor(
    private readonly log: MemoryAdminLog,
    private readonly capacity = DEFAULT_MEMORY_AUDIT_CAPACITY,
  ) {}

  append(record: RequestAuditRecord): void {
    this.#records.push({ ...record, id: this.#nextId++ });
    // Trim in chunks so the amortised cost of dropping old rows stays O(1) per append.
    if (this.#records.length > this.capacity * 1.1) this.#records = this.#records.slice(-this.capacity);
  }

  async flush(): Promise<void> {}

  async query(query: AuditQuery): Promise<Page<StoredRecord>> {
    const limit = pageLimit(query.limit);
    const before = decodeCursor(query.cursor) ?? Number.POSITIVE_INFINITY;
    const rows: StoredRecord[] = [];
    for (let i = this.#records.length - 1; i >= 0 && rows.length <= limit; i--) {
      const record = this.#records[i];
      if (record.id < before && matches(record, query)) rows.push(record);
    }
    return toPage(rows, limit, (r) => r.id, (r) => ({ ...r }));
  }

  async adminActions(query: { actor?: string; action?: string; limit: number; cursor?: string }): Promise<Page<AdminAuditRecord>> {
    return this.log.list(query);
  }

  async admittedSince(since: number): Promise<AdmittedCount[]> {
    const counts = new Map<string, AdmittedCount>();
    const add = (scope: AdmittedCount['scope'], key: string | null) => {
      if (!key) return;
      const id = `${scope}\u0000${key}`;
      const entry = counts.get(id) ?? { scope, key, requests: 0 };
      entry.requests++;
      counts.set(id, entry);
    };
    for (const r of this.#records) {
      if (r.ts < since || r.decision === 'deny' || !MODEL_ROUTES.has(r.route)) continue;
      add('account', r.accountId);
      add('ip', r.clientIp);
      add('subnet', r.subnet);
    }
    return [...counts.values()];
  }

  async purgeText(before: number): Promise<number> {
    let purged = 0;
    for (const record of this.#records) {
      if (record.ts < before && (record.promptText !== null || record.completionText !== null)) {
        record.promptText = null;
        record.completionText = null;
        purged++;
      }
    }
    return purged;
  }
}

function matches(r: RequestAuditRecord, q: AuditQuery): boolean {
  return (
    (q.accountId === undefined || r.accountId === q.accountId) &&
    (q.keyId === undefined || r.keyId === q.keyId) &&
    (q.clientIp === undefined || r.clientIp === q.clientIp) &&
    (q.model === undefined || r.model === q.model) &&
    (q.decision === undefined || r.decision === q.decision) &&
    (q.status === undefined || r.status === q.status) &&
    (q.since === undefined || r.ts >= q.since) &&
    (q.until === undefined || r.ts < q.until)
  );
}
