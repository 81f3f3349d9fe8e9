/**
 * The generation queue. One loop serves every language-model request: each tick takes active sequences in
 * round-robin order, asks each model once for the next-token logits of all its sequences in the batch, samples one
 * token per sequence, and puts unfinished sequences at the back. A 500-token request therefore advances one token
 * per turn like everyone else and cannot starve a 5-token one. Between ticks the loop yields with setImmediate, so
 * sockets, new requests and disconnects are handled while inference runs.
 *
 * A tick holds the event loop for as long as `nextLogits` runs, and without a KV cache the cost of a large model
 * grows about linearly with the batch (measured on wasm: the 96-context teacher LM takes ~10 ms per context at any
 * batch size, so 32 contexts would stall the loop ~0.4 s), while a tiny model costs about the same at 1 or 32. So
 * each model has its own batch limit, adjusted after every call like a congestion window: doubled (up to
 * `maxBatch`) when the call took under half of `tickBudgetMs`, halved (down to 1) when it took over the budget.
 */
import type { LanguageModel } from '../ml/contracts.ts';
import { MoatError } from '../http/errors.ts';
import type { Rng } from './rng.ts';
import { type SampledToken, type SamplingParams, sampleNext } from './sampler.ts';

export type SequenceEnd = { reason: 'length' | 'stop' | 'cancelled' } | { reason: 'error'; error: unknown };

/** One sequence to extend, with callbacks for its tokens and its end. */
export interface SequenceSpec {
  model: LanguageModel;
  promptTokens: readonly number[];
  maxTokens: number;
  sampling: SamplingParams;
  rng: Rng;
  requestKey?: string;
  /** Receives each sampled token; returns true to end the sequence with `stop` (e.g. a stop string completed). */
  onToken(sample: SampledToken): boolean;
  /** Called exactly once. */
  onEnd(end: SequenceEnd): void;
}

export interface SchedulerOptions {
  /** Requests (each with its sequences) admitted at once; one more is refused with 429 `server_overloaded`. */
  maxQueue: number;
  /** Contexts per tick, summed over models (default 32). */
  maxBatch?: number;
  /** Estimated inference time one tick may take (default 50 ms); at least one context always runs. */
  tickBudgetMs?: number;
  /** Told about a throwing `onEnd` callback (a bug in the caller), which must not stop the loop. */
  onCallbackError?: (err: unknown) => void;
}

interface Job {
  live: Set<Entry>;
  resolve: () => void;
}

interface Entry {
  spec: SequenceSpec;
  job: Job;
  tokens: number[];
  generated: number;
}

export class GenerationScheduler {
  readonly #maxQueue: number;
  readonly #maxBatch: number;
  readonly #tickBudgetMs: number;
  /** Contexts per call, by model (see the module comment). */
  readonly #batchLimit = new Map<LanguageModel, number>();
  readonly #onCallbackError: (err: unknown) => void;
  #active: Entry[] = [];
  readonly #jobs = new Set<Job>();
  #looping = false;
  #ticks = 0;

  constructor(options: SchedulerOptions) {
    this.#maxQueue = options.maxQueue;
    this.#maxBatch = options.maxBatch ?? 32;
    this.#tickBudgetMs = options.tickBudgetMs ?? 50;
    this.#onCallbackError = options.onCallbackError ?? (() => {});
  }

  /**
   * Admits one request's sequences; resolves when every one has ended (for any reason). Throws `server_overloaded`
   * synchronously when `maxQueue` requests are already admitted. Aborting `signal` (a client disconnect) ends all
   * of the request's sequences with `cancelled` before the next tick.
   */
  submit(specs: readonly SequenceSpec[], signal?: AbortSignal): Promise<void> {
    if (this.#jobs.size >= this.#maxQueue) {
      throw new MoatError('server_overloaded', `the model server is busy (${this.#maxQueue} generation requests queued); retry shortly`, {
        headers: { 'retry-after': '1' },
      });
    }
    if (specs.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const job: Job = { live: new Set(), resolve };
      for (const spec of specs) {
        const entry: Entry = { spec, job, tokens: [...spec.promptTokens], generated: 0 };
        job.live.add(entry);
        this.#active.push(entry);
      }
      this.#jobs.add(job);
      if (signal) {
        const cancel = () => this.#cancel(job);
        if (signal.aborted) return cancel();
        signal.addEventListener('abort', cancel, { once: true });
      }
      this.#wake();
    });
  }

  /** Requests admitted and not yet finished. */
  get pendingRequests(): number {
    return this.#jobs.size;
  }

  /** Generation ticks run so far (for tests and metrics). */
  get ticks(): number {
    return this.#ticks;
  }

  /** Ends every admitted sequence with `cancelled` (shutdown). */
  cancelAll(): void {
    for (const job of [...this.#jobs]) this.#cancel(job);
  }

  #cancel(job: Job): void {
    if (!this.#jobs.has(job)) return;
    this.#active = this.#active.filter((e) => e.job !== job);
    for (const entry of [...job.live]) this.#end(entry, { reason: 'cancelled' });
  }

  #wake(): void {
    if (this.#looping || this.#active.length === 0) return;
    this.#looping = true;
    setImmediate(() => this.#tick());
  }

  #tick(): void {
    this.#looping = false;
    this.#ticks++;
    const batch = this.#takeBatch();
    const byModel = new Map<LanguageModel, Entry[]>();
    for (const entry of batch) {
      const group = byModel.get(entry.spec.model);
      if (group) group.push(entry);
      else byModel.set(entry.spec.model, [entry]);
    }
    for (const [model, group] of byModel) this.#step(model, group);
    this.#wake();
  }

  /**
   * The next sequences in round-robin order, up to `maxBatch` in all and each model's batch limit. A sequence whose
   * model is full waits for a later tick, keeping its place at the front.
   */
  #takeBatch(): Entry[] {
    const batch: Entry[] = [];
    const waiting: Entry[] = [];
    const taken = new Map<LanguageModel, number>();
    while (this.#active.length > 0 && batch.length < this.#maxBatch) {
      const entry = this.#active.shift() as Entry;
      const model = entry.spec.model;
      const count = taken.get(model) ?? 0;
      if (count >= this.#limitOf(model)) {
        waiting.push(entry);
        if (waiting.length > this.#maxBatch) break; // enough looked at; the rest keep their order
        continue;
      }
      taken.set(model, count + 1);
      batch.push(entry);
    }
    this.#active.unshift(...waiting);
    return batch;
  }

  #limitOf(model: LanguageModel): number {
    return this.#batchLimit.get(model) ?? Math.min(4, this.#maxBatch); // small until the model's cost is known
  }

  #adjustLimit(model: LanguageModel, used: number, ms: number): void {
    const limit = this.#limitOf(model);
    if (ms < this.#tickBudgetMs / 2 && used >= limit) this.#batchLimit.set(model, Math.min(this.#maxBatch, limit * 2));
    else if (ms > this.#tickBudgetMs) this.#batchLimit.set(model, Math.max(1, Math.floor(limit / 2)));
  }

  #step(model: LanguageModel, group: Entry[]): void {
    let rows: Float32Array[];
    const started = performance.now();
    try {
      // Contexts longer than the model's window are cut from the left (contracts.ts leaves that to the caller).
      rows = model.nextLogits(group.map((e) => (e.tokens.length > model.contextLength ? e.tokens.slice(-model.contextLength) : e.tokens)));
      if (rows.length !== group.length) throw new Error(`${model.info.name}.nextLogits returned ${rows.length} rows for ${group.length} contexts`);
    } catch (error) {
      for (const entry of group) this.#end(entry, { reason: 'error', error });
      return;
    }
    this.#adjustLimit(model, group.length, performance.now() - started);
    for (const [i, entry] of group.entries()) {
      if (!entry.job.live.has(entry)) continue; // a callback earlier in this loop cancelled the request
      const { spec } = entry;
      let stopped: boolean;
      try {
        const sample = sampleNext(rows[i], spec.sampling, { tokens: entry.tokens, step: entry.generated, requestKey: spec.requestKey }, spec.rng);
        entry.tokens.push(sample.token);
        entry.generated++;
        stopped = spec.onToken(sample);
      } catch (error) {
        this.#end(entry, { reason: 'error', error });
        continue;
      }
      if (stopped) this.#end(entry, { reason: 'stop' });
      else if (entry.generated >= spec.maxTokens) this.#end(entry, { reason: 'length' });
      else this.#active.push(entry);
    }
  }

  #end(entry: Entry, end: SequenceEnd): void {
    const { job } = entry;
    if (!job.live.delete(entry)) return;
    try {
      entry.spec.onEnd(end);
    } catch (err) {
      this.#onCallbackError(err);
    }
    if (job.live.size === 0) {
      this.#jobs.delete(job);
      job.resolve();
    }
  }
}
