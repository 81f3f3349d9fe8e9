/**
 * The harvest run loop: `concurrency` workers take prompt items in order, serve cached ones locally, send the rest
 * to the teacher through the key pool, and commit every answer the moment it arrives. It stops cleanly on a signal
 * (requests on the wire finish and are committed; nothing new starts), at the budget of paid queries, when every
 * key is rejected, or after too many items in a row fail. Re-running the same items under the same run id continues
 * where it stopped: answered requests are cache hits and cost nothing.
 */
import { MoatError } from '../../http/errors.ts';
import type { ResponseCache } from './cache.ts';
import { type RetryOptions, TeacherClient, type Transport } from './client.ts';
import type { KeyPool } from './key-pool.ts';
import { type HarvestProgress, type ProgressCounts, progressSnapshot } from './progress.ts';
import type { RunStatus } from './runs.ts';
import type { HarvestStore } from './store.ts';
import { buildTeacherRequest, type TeacherParams, type TeacherRequest } from './teacher-requests.ts';
import { itemText, type PromptItem } from './types.ts';

export interface HarvesterOptions {
  store: HarvestStore;
  transport: Transport;
  keys: KeyPool;
  params: TeacherParams;
  runId: string;
  /** What the run is (recorded with the run; a different spec under the same id is refused). */
  spec: unknown;
  retry?: Partial<RetryOptions>;
  /** Seeds backoff jitter. */
  seed?: number;
}

export type HarvestEvent =
  | { kind: 'malformed'; item: string; reason: string }
  | { kind: 'item_failed'; item: string; message: string };

export interface RunOptions {
  concurrency: number;
  /** Most paid queries for the run as a whole (over all invocations); unlimited when absent. */
  budget?: number;
  signal?: AbortSignal;
  /** Items failing one after another before the run stops as `failed` (a dead or misconfigured teacher). */
  maxConsecutiveFailures?: number;
  onProgress?: (progress: HarvestProgress) => void;
  onEvent?: (event: HarvestEvent) => void;
}

export interface HarvestSummary {
  runId: string;
  status: Exclude<RunStatus, 'running'>;
  message: string | null;
  /** Unique requests this invocation was given (duplicates removed). */
  total: number;
  duplicates: number;
  /** New usable records this invocation. */
  harvested: number;
  malformed: number;
  cacheHits: number;
  failed: number;
  /** Items left unsent because the budget was spent. */
  skippedForBudget: number;
  /** Items left unsent because the run stopped. */
  notStarted: number;
  /** Paid queries this invocation, and for the run so far. */
  paid: number;
  paidTotal: number;
  elapsedMs: number;
}

const DEFAULT_MAX_CONSECUTIVE_FAILURES = 10;

export class Harvester {
  readonly #options: HarvesterOptions;
  readonly #client: TeacherClient;
  #attemptErrors = 0;

  constructor(options: HarvesterOptions) {
    this.#options = options;
    const { store, runId } = options;
    for (const key of options.keys.keys) store.ledger.registerKey(key);
    this.#client = new TeacherClient({
      transport: options.transport,
      keys: options.keys,
      retry: options.retry,
      seed: options.seed,
      onFailedAttempt: (a) => {
        this.#attemptErrors++;
        store.ledger.addError(runId, a.key.id, a.kind, a.message, a.latencyMs);
      },
    });
  }

  get runId(): string {
    return this.#options.runId;
  }

  /** Builds the requests for `items` (refusing items the modality cannot take) and harvests them. */
  async run(items: readonly PromptItem[], options: RunOptions): Promise<HarvestSummary> {
    const { store, params, runId, spec } = this.#options;
    const requests = uniqueRequests(items, params);
    store.runs.begin(runId, spec, requests.length);
    const loop = new RunLoop(requests, options, store.cache, this.#client, runId, params, () => this.#attemptErrors);
    const budgetLeft = options.budget === undefined ? Number.POSITIVE_INFINITY : Math.max(0, options.budget - store.ledger.paid(runId));
    const result = await loop.run(budgetLeft);
    store.runs.addWall(runId, loop.takeWall());
    store.runs.finish(runId, result.status, result.message);
    if (result.unexpected) throw result.unexpected;
    return { ...result.summary, runId, status: result.status, message: result.message, duplicates: items.length - requests.length, paidTotal: store.ledger.paid(runId) };
  }
}

type LoopSummary = Omit<HarvestSummary, 'runId' | 'status' | 'message' | 'duplicates' | 'paidTotal'>;

/** One invocation's mutable state, kept out of Harvester so a second `run` starts clean. */
class RunLoop {
  readonly #counts: ProgressCounts = { done: 0, harvested: 0, cacheHits: 0, malformed: 0, failed: 0, paid: 0, attemptErrors: 0 };
  readonly #started = performance.now();
  #lastWall = this.#started;
  #next = 0;
  #reserved = 0;
  #consecutiveFailures = 0;
  #skippedForBudget = 0;
  #stop: { status: 'failed'; message: string; unexpected?: unknown } | undefined;

  constructor(
    private readonly requests: readonly TeacherRequest[],
    private readonly options: RunOptions,
    private readonly cache: ResponseCache,
    private readonly client: TeacherClient,
    private readonly runId: string,
    private readonly params: TeacherParams,
    private readonly attemptErrors: () => number,
  ) {}

  /** Milliseconds since the last call (wall time is added to the run in slices, so a crash loses little). */
  takeWall(): number {
    const now = performance.now();
    const slice = now - this.#lastWall;
    this.#lastWall = now;
    return slice;
  }

  async run(budgetLeft: number): Promise<{ status: HarvestSummary['status']; message: string | null; unexpected?: unknown; summary: LoopSummary }> {
    const errorsAtStart = this.attemptErrors();
    const workers = Math.max(1, Math.min(this.options.concurrency, this.requests.length));
    this.#report(errorsAtStart);
    await Promise.all(Array.from({ length: workers }, () => this.#work(budgetLeft, errorsAtStart)));
    const c = this.#counts;
    const notStarted = this.requests.length - c.done - this.#skippedForBudget;
    const summary: LoopSummary = {
      total: this.requests.length,
      harvested: c.harvested,
      malformed: c.malformed,
      cacheHits: c.cacheHits,
      failed: c.failed,
      skippedForBudget: this.#skippedForBudget,
      notStarted,
      paid: c.paid,
      elapsedMs: performance.now() - this.#started,
    };
    if (this.#stop) return { status: 'failed', message: this.#stop.message, unexpected: this.#stop.unexpected, summary };
    if (this.options.signal?.aborted && notStarted > 0) return { status: 'stopped', message: `stopped with ${notStarted} items not yet harvested`, summary };
    if (this.#skippedForBudget > 0) return { status: 'budget_exhausted', message: `budget reached; ${this.#skippedForBudget} items not harvested`, summary };
    const message = c.failed > 0 ? `${c.failed} items failed; rerun to retry them` : null;
    return { status: 'completed', message, summary };
  }

  async #work(budgetLeft: number, errorsAtStart: number): Promise<void> {
    const { signal } = this.options;
    while (!this.#stop && !signal?.aborted) {
      const index = this.#next++;
      if (index >= this.requests.length) return;
      try {
        await this.#handle(this.requests[index], budgetLeft);
      } catch (err) {
        // Every key retired (a MoatError) ends the run as failed; anything else (a store write failing) is rethrown
        // by Harvester.run once the other workers have finished and the run row says failed.
        this.#stop = { status: 'failed', message: (err as Error).message, unexpected: err instanceof MoatError ? undefined : err };
      }
      this.#report(errorsAtStart);
    }
  }

  async #handle(request: TeacherRequest, budgetLeft: number): Promise<void> {
    if (this.cache.lookup(request.hash)) {
      this.cache.recordHit(this.runId, request.hash, this.takeWall());
      this.#counts.cacheHits++;
      this.#counts.done++;
      return;
    }
    // Reserve before sending: with several workers, paid + in-flight must never pass the budget.
    if (this.#counts.paid + this.#reserved >= budgetLeft) {
      this.#skippedForBudget++;
      return;
    }
    this.#reserved++;
    try {
      await this.#harvestOne(request);
    } finally {
      this.#reserved--;
    }
  }

  async #harvestOne(request: TeacherRequest): Promise<void> {
    const outcome = await this.client.query(request, this.options.signal);
    const c = this.#counts;
    if (outcome.kind === 'stopped') return;
    if (outcome.kind === 'failed') {
      c.failed++;
      c.done++;
      this.options.onEvent?.({ kind: 'item_failed', item: itemText(request.item), message: outcome.message });
      if (++this.#consecutiveFailures >= (this.options.maxConsecutiveFailures ?? DEFAULT_MAX_CONSECUTIVE_FAILURES)) {
        this.#stop = { status: 'failed', message: `${this.#consecutiveFailures} items in a row failed; last: ${outcome.message}` };
      }
      return;
    }
    this.#consecutiveFailures = 0;
    this.cache.commit({
      runId: this.runId,
      hash: request.hash,
      endpoint: `${this.params.teacher}${request.path}`,
      model: this.params.model,
      modality: this.params.modality,
      requestBody: request.body,
      responseBody: outcome.body,
      keyId: outcome.key.id,
      usage: outcome.usage,
      latencyMs: outcome.latencyMs,
      result: outcome.kind === 'ok' ? { record: outcome.record } : { malformed: outcome.reason },
      wallMs: this.takeWall(),
    });
    c.paid++;
    c.done++;
    if (outcome.kind === 'ok') c.harvested++;
    else {
      c.malformed++;
      this.options.onEvent?.({ kind: 'malformed', item: itemText(request.item), reason: outcome.reason });
    }
  }

  #report(errorsAtStart: number): void {
    if (!this.options.onProgress) return;
    this.#counts.attemptErrors = this.attemptErrors() - errorsAtStart;
    this.options.onProgress(progressSnapshot(this.#counts, this.requests.length, this.#started, performance.now()));
  }
}

/** Requests in item order with repeats (same hash) removed: a prompt listed twice is asked once. */
function uniqueRequests(items: readonly PromptItem[], params: TeacherParams): TeacherRequest[] {
  const seen = new Set<string>();
  const out: TeacherRequest[] = [];
  for (const item of items) {
    const request = buildTeacherRequest(item, params);
    if (seen.has(request.hash)) continue;
    seen.add(request.hash);
    out.push(request);
  }
  return out;
}
