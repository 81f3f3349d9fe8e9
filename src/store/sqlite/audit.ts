/**
 * SQLite AuditStore. `append()` runs on every gateway request, so it only queues: the queue is written in one
 * transaction per batch (one WAL commit instead of one per row) when it reaches `batchSize` or `flushIntervalMs`
 * after the first queued record, whichever comes first. Reads flush first, so a caller always sees its own appends.
 */
import type { AdmittedCount, AuditQuery, AuditStore } from '../interfaces.ts';
import { decodeCursor, pageLimit, toPage } from '../paging.ts';
import type { AdminAuditRecord, Decision, Page, RequestAuditRecord } from '../types.ts';
import type { SqliteAdminLog } from './admin-log.ts';
import type { SqliteDatabase } from './db.ts';
import { type Params, StatementCache } from './support.ts';

export interface AuditBatchOptions {
  /** Queue length that triggers an immediate write. */
  batchSize?: number;
  /** Longest a record waits in the queue, in ms. */
  flushIntervalMs?: number;
  /** Records kept for retry while writes fail; beyond it the oldest are dropped (and reported). */
  maxQueued?: number;
  /** Told about every failed background write; the records stay queued, `dropped` counts those lost so far. */
  onError?: (err: unknown, context: { queued: number; dropped: number }) => void;
}

/** Routes that pass the limits phase (`GET /v1/models` does not). */
const MODEL_ROUTES = "'chat', 'completions', 'embeddings', 'classifications'";

interface AuditRow {
  id: number;
  ts: number;
  request_id: string;
  account_id: string | null;
  key_id: string | null;
  client_ip: string;
  subnet: string;
  model: string | null;
  route: string;
  status: number;
  tokens_in: number;
  tokens_out: number;
  latency_ms: number;
  upstream_ms: number | null;
  decision: string;
  reason: string | null;
  prompt_hash: string | null;
  completion_hash: string | null;
  prompt_text: string | null;
  completion_text: string | null;
}

function recordFromRow(row: AuditRow): RequestAuditRecord & { id: number } {
  return {
    id: row.id,
    ts: row.ts,
    requestId: row.request_id,
    accountId: row.account_id,
    keyId: row.key_id,
    clientIp: row.client_ip,
    subnet: row.subnet,
    model: row.model,
    route: row.route,
    status: row.status,
    tokensIn: row.tokens_in,
    tokensOut: row.tokens_out,
    latencyMs: row.latency_ms,
    upstreamMs: row.upstream_ms,
    decision: row.decision as Decision,
    reason: row.reason,
    promptHash: row.prompt_hash,
    completionHash: row.completion_hash,
    promptText: row.prompt_text,
    completionText: row.completion_text,
  };
}

/** Equality filters: query field → column. */
const EQUALS = [
  ['accountId', 'account_id'],
  ['keyId', 'key_id'],
  ['clientIp', 'client_ip'],
  ['model', 'model'],
  ['decision', 'decision'],
  ['status', 'status'],
] as const;

export class SqliteAuditStore implements AuditStore {
  readonly #insertBatch;
  readonly #purge;
  readonly #admitted;
  readonly #queries;
  readonly #batchSize: number;
  readonly #flushIntervalMs: number;
  readonly #maxQueued: number;
  readonly #onError: NonNullable<AuditBatchOptions['onError']>;
  #queue: RequestAuditRecord[] = [];
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #backingOff = false;
  /** Records dropped so far because writes kept failing and the queue hit `maxQueued`. */
  #dropped = 0;

  constructor(
    db: SqliteDatabase,
    private readonly log: SqliteAdminLog,
    options: AuditBatchOptions = {},
  ) {
    this.#batchSize = options.batchSize ?? 256;
    this.#flushIntervalMs = options.flushIntervalMs ?? 20;
    this.#maxQueued = options.maxQueued ?? 50_000;
    this.#onError = options.onError ?? ((err, ctx) => process.emitWarning(`audit write failed (${ctx.queued} queued, ${ctx.dropped} dropped): ${String(err)}`));
    const insert = db.prepare(
      `INSERT INTO request_audit (ts, request_id, account_id, key_id, client_ip, subnet, model, route, status, tokens_in, tokens_out,
         latency_ms, upstream_ms, decision, reason, prompt_hash, completion_hash, prompt_text, completion_text)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // Positional parameters: binding 19 named ones from each record object cost ~1 µs more per row.
    this.#insertBatch = db.transaction((records: readonly RequestAuditRecord[]) => {
      for (const r of records) {
        insert.run(r.ts, r.requestId, r.accountId, r.keyId, r.clientIp, r.subnet, r.model, r.route, r.status, r.tokensIn, r.tokensOut, r.latencyMs, r.upstreamMs, r.decision, r.reason, r.promptHash, r.completionHash, r.promptText, r.completionText);
      }
    });
    this.#purge = db.prepare<[number]>(
      'UPDATE request_audit SET prompt_text = NULL, completion_text = NULL WHERE ts < ? AND (prompt_text IS NOT NULL OR completion_text IS NOT NULL)',
    );
    const admitted = (scope: string, column: string) =>
      `SELECT '${scope}' AS scope, ${column} AS key, count(*) AS requests FROM request_audit
       WHERE ts >= @since AND ${column} IS NOT NULL AND ${column} != '' AND decision != 'deny' AND route IN (${MODEL_ROUTES}) GROUP BY ${column}`;
    this.#admitted = db.prepare<{ since: number }, AdmittedCount>(
      [admitted('account', 'account_id'), admitted('ip', 'client_ip'), admitted('subnet', 'subnet')].join(' UNION ALL '),
    );
    this.#queries = new StatementCache<AuditRow>(db);
  }

  append(record: RequestAuditRecord): void {
    if (this.#closed) {
      this.#dropped++;
      this.#onError(new Error('audit store is closed; record dropped'), { queued: 0, dropped: this.#dropped });
      return;
    }
    this.#queue.push(record);
    if (this.#queue.length >= this.#batchSize && !this.#backingOff) this.#flushInBackground();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => this.#flushInBackground(), this.#flushIntervalMs);
      // A pending audit batch must not keep a finished process alive; close() flushes whatever is left.
      this.#timer.unref();
    }
  }

  async flush(): Promise<void> {
    this.#writeQueue();
  }

  async query(query: AuditQuery): Promise<Page<RequestAuditRecord & { id: number }>> {
    const limit = pageLimit(query.limit);
    const before = decodeCursor(query.cursor);
    this.#writeQueue();
    const filters: string[] = [];
    const params: Params = { take: limit + 1 };
    for (const [field, column] of EQUALS) {
      const value = query[field];
      if (value === undefined) continue;
      filters.push(`${column} = @${field}`);
      params[field] = value;
    }
    if (query.since !== undefined) {
      filters.push('ts >= @since');
      params.since = query.since;
    }
    if (query.until !== undefined) {
      filters.push('ts < @until');
      params.until = query.until;
    }
    if (before !== null) {
      filters.push('id < @before');
      params.before = before;
    }
    const where = filters.length ? `WHERE ${filters.join(' AND ')}` : '';
    const rows = this.#queries.all(where, () => `SELECT * FROM request_audit ${where} ORDER BY id DESC LIMIT @take`, params);
    return toPage(rows, limit, (r) => r.id, recordFromRow);
  }

  async adminActions(query: { actor?: string; action?: string; limit: number; cursor?: string }): Promise<Page<AdminAuditRecord>> {
    return this.log.list(query);
  }

  async purgeText(before: number): Promise<number> {
    this.#writeQueue();
    return this.#purge.run(before).changes;
  }

  async admittedSince(since: number): Promise<AdmittedCount[]> {
    this.#writeQueue();
    return this.#admitted.all({ since });
  }

  /** Flushes, then refuses further appends; the caller closes the database afterwards. */
  close(): void {
    this.#writeQueue();
    this.#closed = true;
  }

  /** Writes the whole queue in one transaction; on failure the records go back to the front of the queue. */
  #writeQueue(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    try {
      this.#insertBatch.immediate(batch);
      this.#backingOff = false;
    } catch (err) {
      this.#queue = batch.concat(this.#queue);
      const excess = this.#queue.length - this.#maxQueued;
      if (excess > 0) {
        this.#queue = this.#queue.slice(excess);
        this.#dropped += excess;
      }
      throw err;
    }
  }

  #flushInBackground(): void {
    try {
      this.#writeQueue();
    } catch (err) {
      this.#onError(err, { queued: this.#queue.length, dropped: this.#dropped });
      // Back off instead of retrying on every append while the database refuses writes (full disk, lock held).
      this.#backingOff = true;
      if (!this.#timer) {
        this.#timer = setTimeout(() => this.#flushInBackground(), Math.max(this.#flushIntervalMs, 1_000));
        this.#timer.unref();
      }
    }
  }
}
