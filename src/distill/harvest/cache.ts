/**
 * The response cache, keyed by request hash. A cached request is served locally and counted as a cache hit; a new
 * answer is committed with its ledger entry in one transaction the moment it arrives, so nothing paid for is lost
 * when the process dies and a resumed run finds it. Malformed answers are cached too (with their reason): the
 * teacher was paid for them, and asking again would most likely buy the same malformed answer.
 */
import type { Ledger } from './ledger.ts';
import type { RunRegistry } from './runs.ts';
import type { HarvestDatabase } from './store.ts';
import type { HarvestRecord, Modality, TokenUsage } from './types.ts';

export type CachedEntry = { status: 'ok' } | { status: 'malformed'; reason: string };

export interface NewResponse {
  runId: string;
  hash: string;
  endpoint: string;
  model: string;
  modality: Modality;
  requestBody: unknown;
  responseBody: string;
  keyId: string;
  usage: TokenUsage;
  latencyMs: number;
  /** The parsed record, or why the answer could not be used. */
  result: { record: HarvestRecord } | { malformed: string };
  /** Wall time the run spent since its last commit (added to the run's total). */
  wallMs?: number;
}

export class ResponseCache {
  readonly #lookup;
  readonly #insert;
  readonly #commit;
  readonly #hit;

  constructor(
    db: HarvestDatabase,
    ledger: Ledger,
    runs: RunRegistry,
    now: () => number,
  ) {
    this.#lookup = db.prepare<[string], { status: 'ok' | 'malformed'; reason: string | null }>('SELECT status, reason FROM responses WHERE hash = ?');
    this.#insert = db.prepare(
      `INSERT OR IGNORE INTO responses (hash, endpoint, model, modality, request, response, status, reason, record, key_id, run_id,
         prompt_tokens, completion_tokens, latency_ms, created_at)
       VALUES (@hash, @endpoint, @model, @modality, @request, @response, @status, @reason, @record, @keyId, @runId,
         @promptTokens, @completionTokens, @latencyMs, @createdAt)`,
    );
    this.#commit = db.transaction((r: NewResponse) => {
      const malformed = 'malformed' in r.result ? r.result.malformed : null;
      this.#insert.run({
        hash: r.hash,
        endpoint: r.endpoint,
        model: r.model,
        modality: r.modality,
        request: JSON.stringify(r.requestBody),
        response: r.responseBody,
        status: malformed === null ? 'ok' : 'malformed',
        reason: malformed,
        record: 'record' in r.result ? JSON.stringify(r.result.record) : null,
        keyId: r.keyId,
        runId: r.runId,
        promptTokens: r.usage.promptTokens,
        completionTokens: r.usage.completionTokens,
        latencyMs: r.latencyMs,
        createdAt: now(),
      });
      runs.link(r.runId, r.hash);
      ledger.addPaid(r.runId, r.keyId, r.usage.promptTokens, r.usage.completionTokens, r.latencyMs);
      if (malformed !== null) ledger.addError(r.runId, r.keyId, 'malformed', malformed, 0);
      if (r.wallMs) runs.addWall(r.runId, r.wallMs);
    });
    this.#hit = db.transaction((runId: string, hash: string, wallMs: number) => {
      runs.link(runId, hash);
      ledger.addCacheHit(runId);
      if (wallMs) runs.addWall(runId, wallMs);
    });
  }

  /** The cached answer's status for `hash`, or undefined when the request was never answered. */
  lookup(hash: string): CachedEntry | undefined {
    const row = this.#lookup.get(hash);
    if (!row) return undefined;
    return row.status === 'ok' ? { status: 'ok' } : { status: 'malformed', reason: row.reason ?? 'malformed' };
  }

  /** Counts a cache hit for `runId` (no query is sent). */
  recordHit(runId: string, hash: string, wallMs = 0): void {
    this.#hit(runId, hash, wallMs);
  }

  /** Stores a paid answer with its ledger entry, atomically. */
  commit(response: NewResponse): void {
    this.#commit(response);
  }
}
