/**
 * The read side of a harvest store, for export and for training: count and stream records by modality (optionally
 * one run's, one model's, or a deterministic train / held-out part), list the malformed answers with their reasons,
 * and report the ledger per key. Records are re-validated as they are read.
 */
import { stableUnit } from '../../ml/data/stable-hash.ts';
import type { LedgerLine, LedgerReport } from './ledger.ts';
import type { Ledger } from './ledger.ts';
import type { RunInfo, RunRegistry } from './runs.ts';
import type { HarvestDatabase } from './store.ts';
import { type HarvestRecord, HarvestRecordSchema, type Modality, MODALITIES, type RecordOf, type TokenUsage } from './types.ts';

export interface StoredRecord<R> {
  /** The request hash (the cache key). */
  hash: string;
  /** Insertion order in the store: records stream in the order they were harvested. */
  seq: number;
  model: string;
  endpoint: string;
  keyId: string;
  /** The run that paid for the answer (other runs may have used it as a cache hit). */
  runId: string;
  createdAt: number;
  usage: TokenUsage;
  record: R;
}

export interface RecordFilter {
  /** Only requests that belong to this run (harvested by it or served to it from the cache). */
  runId?: string;
  model?: string;
  /**
   * A deterministic split by the record's input (prompt, chat or text): `held-out` keeps the records whose input
   * hashes into the first `fraction` of [0, 1), `train` the rest. The input alone decides, not the teacher's URL
   * or the request parameters, so the same input is on the same side across runs, machines and teacher addresses,
   * and several answers to one input never straddle the split.
   */
  split?: { part: 'train' | 'held-out'; fraction: number };
}

export interface MalformedEntry {
  hash: string;
  endpoint: string;
  model: string;
  modality: Modality;
  reason: string;
  createdAt: number;
}

interface ResponseRow {
  seq: number;
  hash: string;
  endpoint: string;
  model: string;
  modality: Modality;
  reason: string | null;
  record: string | null;
  key_id: string;
  run_id: string;
  prompt_tokens: number;
  completion_tokens: number;
  created_at: number;
}

const WHERE = `modality = @modality AND status = @status AND (@model IS NULL OR model = @model)
  AND (@runId IS NULL OR EXISTS (SELECT 1 FROM run_requests q WHERE q.run_id = @runId AND q.hash = responses.hash))`;

type Params = { modality: Modality; status: 'ok' | 'malformed'; model: string | null; runId: string | null };

export class HarvestReader {
  readonly #rows;
  readonly #count;
  readonly #ledger: Ledger;
  readonly #runs: RunRegistry;

  constructor(db: HarvestDatabase, ledger: Ledger, runs: RunRegistry) {
    this.#rows = db.prepare<Params, ResponseRow>(`SELECT * FROM responses WHERE ${WHERE} ORDER BY seq`);
    this.#count = db.prepare<Params, number>(`SELECT COUNT(*) FROM responses WHERE ${WHERE}`).pluck();
    this.#ledger = ledger;
    this.#runs = runs;
  }

  /** Usable records of `modality` (a split is applied by scanning hashes, so it costs a pass). */
  count(modality: Modality, filter: RecordFilter = {}): number {
    if (!filter.split) return this.#count.get(params(modality, 'ok', filter)) ?? 0;
    let n = 0;
    for (const _ of this.records(modality, filter)) n++;
    return n;
  }

  /** Each modality with its number of usable records (modalities with none are left out). */
  modalities(filter: Omit<RecordFilter, 'split'> = {}): { modality: Modality; count: number }[] {
    return MODALITIES.map((modality) => ({ modality, count: this.count(modality, filter) })).filter((m) => m.count > 0);
  }

  /**
   * Streams records of `modality` in harvest order. The statement holds the connection while iterating: write
   * through another `openHarvestStore` handle, not this one, until the loop ends.
   */
  *records<M extends Modality>(modality: M, filter: RecordFilter = {}): Generator<StoredRecord<RecordOf<M>>> {
    const split = filter.split;
    for (const row of this.#rows.iterate(params(modality, 'ok', filter))) {
      const record = HarvestRecordSchema.parse(JSON.parse(row.record ?? 'null')) as RecordOf<M>;
      if (split && (stableUnit(splitKey(record)) < split.fraction) !== (split.part === 'held-out')) continue;
      yield {
        hash: row.hash,
        seq: row.seq,
        model: row.model,
        endpoint: row.endpoint,
        keyId: row.key_id,
        runId: row.run_id,
        createdAt: row.created_at,
        usage: { promptTokens: row.prompt_tokens, completionTokens: row.completion_tokens },
        record,
      };
    }
  }

  /** Answers that were paid for but skipped, with the reason. */
  malformed(modality: Modality, filter: Omit<RecordFilter, 'split'> = {}): MalformedEntry[] {
    return this.#rows.all(params(modality, 'malformed', filter)).map((r) => ({
      hash: r.hash,
      endpoint: r.endpoint,
      model: r.model,
      modality: r.modality,
      reason: r.reason ?? 'malformed',
      createdAt: r.created_at,
    }));
  }

  /** The cost ledger of one run, or of the whole store. */
  ledger(runId: string | null = null): LedgerReport {
    return this.#ledger.report(runId);
  }

  /** Per-key ledger lines (queries, paid, tokens, errors by kind). */
  keyStats(runId: string | null = null): LedgerLine[] {
    return this.#ledger.report(runId).keys;
  }

  runs(): RunInfo[] {
    return this.#runs.list();
  }

  run(id: string): RunInfo | undefined {
    return this.#runs.get(id);
  }
}

function params(modality: Modality, status: 'ok' | 'malformed', filter: Omit<RecordFilter, 'split'>): Params {
  return { modality, status, model: filter.model ?? null, runId: filter.runId ?? null };
}

/** What decides a record's side of the split: its input, never the answer or where it was asked. */
export function splitKey(record: HarvestRecord): string {
  return record.modality === 'text' ? (record.prompt ?? JSON.stringify(record.messages)) : record.input;
}
