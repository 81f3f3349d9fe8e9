/**
 * The cost ledger: what the teacher was asked and what it cost, per run and per key — queries sent, queries paid
 * (2xx answers, malformed ones included: a provider bills them), prompt and completion tokens, time spent waiting
 * on requests, cache hits, and errors by kind with the last message of each. Lives in the harvest store and is
 * written in the same transactions as the cache, so the two always agree.
 */
import type { ErrorKind } from './client.ts';
import type { PooledKey } from './key-pool.ts';
import type { HarvestDatabase } from './store.ts';

/** The ledger's key id for events no key caused (cache hits). */
export const NO_KEY = '';

export interface LedgerLine {
  keyId: string;
  /** `k1 …abcd`, or `(cache)` for the no-key line, or `total`. */
  label: string;
  queries: number;
  paid: number;
  promptTokens: number;
  completionTokens: number;
  requestSeconds: number;
  cacheHits: number;
  errors: Partial<Record<ErrorKind, number>>;
  lastErrors: Partial<Record<ErrorKind, string>>;
}

export interface LedgerReport {
  /** Null when the report covers every run in the store. */
  runId: string | null;
  keys: LedgerLine[];
  total: LedgerLine;
  /** Wall-clock time the covered runs spent harvesting, over all their invocations. */
  wallSeconds: number;
}

interface LedgerRow {
  key_id: string;
  label: string | null;
  queries: number;
  paid: number;
  prompt_tokens: number;
  completion_tokens: number;
  request_ms: number;
  cache_hits: number;
}

export class Ledger {
  readonly #add;
  readonly #addError;
  readonly #registerKey;
  readonly #lines;
  readonly #errors;
  readonly #wall;
  readonly #paid;

  constructor(db: HarvestDatabase) {
    this.#add = db.prepare(
      `INSERT INTO ledger (run_id, key_id, queries, paid, prompt_tokens, completion_tokens, request_ms, cache_hits)
       VALUES (@runId, @keyId, @queries, @paid, @promptTokens, @completionTokens, @requestMs, @cacheHits)
       ON CONFLICT (run_id, key_id) DO UPDATE SET queries = queries + excluded.queries, paid = paid + excluded.paid,
         prompt_tokens = prompt_tokens + excluded.prompt_tokens, completion_tokens = completion_tokens + excluded.completion_tokens,
         request_ms = request_ms + excluded.request_ms, cache_hits = cache_hits + excluded.cache_hits`,
    );
    this.#addError = db.prepare(
      `INSERT INTO ledger_errors (run_id, key_id, kind, count, last_message) VALUES (?, ?, ?, 1, ?)
       ON CONFLICT (run_id, key_id, kind) DO UPDATE SET count = count + 1, last_message = excluded.last_message`,
    );
    this.#registerKey = db.prepare('INSERT INTO keys (id, label) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET label = excluded.label');
    const runFilter = '(@runId IS NULL OR run_id = @runId)';
    this.#lines = db.prepare<{ runId: string | null }, LedgerRow>(
      `SELECT l.key_id, k.label, SUM(queries) AS queries, SUM(paid) AS paid, SUM(prompt_tokens) AS prompt_tokens,
         SUM(completion_tokens) AS completion_tokens, SUM(request_ms) AS request_ms, SUM(cache_hits) AS cache_hits
       FROM ledger l LEFT JOIN keys k ON k.id = l.key_id WHERE ${runFilter} GROUP BY l.key_id ORDER BY k.label, l.key_id`,
    );
    this.#errors = db.prepare<{ runId: string | null }, { key_id: string; kind: ErrorKind; count: number; last_message: string | null }>(
      `SELECT key_id, kind, SUM(count) AS count, MAX(last_message) AS last_message FROM ledger_errors WHERE ${runFilter} GROUP BY key_id, kind`,
    );
    this.#wall = db.prepare<{ runId: string | null }, number | null>(`SELECT SUM(wall_ms) FROM runs WHERE (@runId IS NULL OR id = @runId)`).pluck();
    this.#paid = db.prepare<[string], number | null>('SELECT SUM(paid) FROM ledger WHERE run_id = ?').pluck();
  }

  /** Remembers a key's label (never the key) so reports can name it. */
  registerKey(key: PooledKey): void {
    this.#registerKey.run(key.id, key.label);
  }

  /** A 2xx answer: one query, paid, with its tokens and time. */
  addPaid(runId: string, keyId: string, promptTokens: number, completionTokens: number, latencyMs: number): void {
    this.#add.run({ runId, keyId, queries: 1, paid: 1, promptTokens, completionTokens, requestMs: latencyMs, cacheHits: 0 });
  }

  /** A failed attempt (or a malformed answer's error entry): counts the query unless it was already counted as paid. */
  addError(runId: string, keyId: string, kind: ErrorKind, message: string, latencyMs: number): void {
    if (kind !== 'malformed') this.#add.run({ runId, keyId, queries: 1, paid: 0, promptTokens: 0, completionTokens: 0, requestMs: latencyMs, cacheHits: 0 });
    this.#addError.run(runId, keyId, kind, message);
  }

  addCacheHit(runId: string): void {
    this.#add.run({ runId, keyId: NO_KEY, queries: 0, paid: 0, promptTokens: 0, completionTokens: 0, requestMs: 0, cacheHits: 1 });
  }

  /** Paid queries of a run so far, over all its invocations (what a budget is measured against). */
  paid(runId: string): number {
    return this.#paid.get(runId) ?? 0;
  }

  /** Per-key lines and the total, for one run or (null) the whole store. */
  report(runId: string | null = null): LedgerReport {
    const errors = this.#errors.all({ runId });
    const keys = this.#lines.all({ runId }).map((row): LedgerLine => {
      const line: LedgerLine = {
        keyId: row.key_id,
        label: row.key_id === NO_KEY ? '(cache)' : (row.label ?? row.key_id),
        queries: row.queries,
        paid: row.paid,
        promptTokens: row.prompt_tokens,
        completionTokens: row.completion_tokens,
        requestSeconds: row.request_ms / 1000,
        cacheHits: row.cache_hits,
        errors: {},
        lastErrors: {},
      };
      for (const e of errors.filter((x) => x.key_id === row.key_id)) {
        line.errors[e.kind] = e.count;
        if (e.last_message) line.lastErrors[e.kind] = e.last_message;
      }
      return line;
    });
    return { runId, keys, total: sumLines(keys), wallSeconds: (this.#wall.get({ runId }) ?? 0) / 1000 };
  }
}

function sumLines(lines: readonly LedgerLine[]): LedgerLine {
  const total: LedgerLine = { keyId: 'total', label: 'total', queries: 0, paid: 0, promptTokens: 0, completionTokens: 0, requestSeconds: 0, cacheHits: 0, errors: {}, lastErrors: {} };
  for (const l of lines) {
    total.queries += l.queries;
    total.paid += l.paid;
    total.promptTokens += l.promptTokens;
    total.completionTokens += l.completionTokens;
    total.requestSeconds += l.requestSeconds;
    total.cacheHits += l.cacheHits;
    for (const [kind, n] of Object.entries(l.errors) as [ErrorKind, number][]) total.errors[kind] = (total.errors[kind] ?? 0) + n;
  }
  return total;
}

/** Rows for `table()` from src/cli/io.ts: one line per key, then the total. */
export function ledgerRows(report: LedgerReport): (string | number)[][] {
  const header = ['key', 'queries', 'paid', 'prompt tok', 'completion tok', 'request s', 'cache hits', 'errors'];
  const row = (l: LedgerLine) => [l.label, l.queries, l.paid, l.promptTokens, l.completionTokens, l.requestSeconds.toFixed(1), l.cacheHits, formatErrors(l.errors)];
  return [header, ...report.keys.map(row), row(report.total)];
}

function formatErrors(errors: Partial<Record<ErrorKind, number>>): string {
  const parts = Object.entries(errors).map(([kind, n]) => `${kind} ${n}`);
  return parts.length === 0 ? '0' : parts.join(', ');
}
