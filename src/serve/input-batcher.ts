/**
 * Coalesces classification and embedding requests: texts that arrive for one model within the same turn of the
 * event loop go to the model in one `predict` / `embed` call (cut into chunks of `maxBatchTexts`, one chunk per
 * turn so a huge request does not hold the loop). A bounded number of requests may wait; the next gets 429.
 */
import { MoatError } from '../http/errors.ts';

interface Pending<R> {
  texts: readonly string[];
  resolve: (rows: R[]) => void;
  reject: (err: unknown) => void;
}

interface Lane<R> {
  compute: (texts: readonly string[]) => R[];
  waiting: Pending<R>[];
}

export interface InputBatcherOptions {
  /** Requests waiting at once before 429 `server_overloaded`. */
  maxQueue: number;
  maxBatchTexts?: number;
}

export class InputBatcher {
  readonly #maxQueue: number;
  readonly #maxBatchTexts: number;
  // Keyed by the model object; each lane computes with that model's function.
  readonly #lanes = new Map<object, Lane<unknown>>();
  #waiting = 0;
  #scheduled = false;

  constructor(options: InputBatcherOptions) {
    this.#maxQueue = options.maxQueue;
    this.#maxBatchTexts = options.maxBatchTexts ?? 64;
  }

  /**
   * Resolves with one result row per text, computed by `compute` (the model's batch call) in shared batches. A
   * request larger than `maxBatchTexts` is cut into pieces that each count as one waiting request. `compute` must
   * depend on the model only: texts of concurrent requests for one model go through whichever request's function
   * opened the batch.
   */
  run<R>(model: object, texts: readonly string[], compute: (texts: readonly string[]) => R[]): Promise<R[]> {
    if (this.#waiting >= this.#maxQueue) {
      throw new MoatError('server_overloaded', `the model server is busy (${this.#maxQueue} requests queued); retry shortly`, {
        headers: { 'retry-after': '1' },
      });
    }
    let lane = this.#lanes.get(model) as Lane<R> | undefined;
    if (!lane) {
      lane = { compute, waiting: [] };
      this.#lanes.set(model, lane as Lane<unknown>);
    }
    const pieces: Promise<R[]>[] = [];
    for (let start = 0; start < texts.length; start += this.#maxBatchTexts) {
      const piece = texts.slice(start, start + this.#maxBatchTexts);
      const target = lane;
      pieces.push(new Promise<R[]>((resolve, reject) => target.waiting.push({ texts: piece, resolve, reject })));
      this.#waiting++;
    }
    this.#schedule();
    return Promise.all(pieces).then((rows) => ([] as R[]).concat(...rows));
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  /** One chunk of at most `maxBatchTexts` texts per lane per turn. */
  #flush(): void {
    this.#scheduled = false;
    for (const [model, lane] of this.#lanes) {
      const taken: Pending<unknown>[] = [];
      let count = 0;
      while (lane.waiting.length > 0 && count + lane.waiting[0].texts.length <= this.#maxBatchTexts) {
        const next = lane.waiting.shift() as Pending<unknown>;
        taken.push(next);
        count += next.texts.length;
      }
      if (lane.waiting.length === 0) this.#lanes.delete(model);
      this.#waiting -= taken.length;
      this.#computeChunk(lane.compute, taken);
    }
    if (this.#lanes.size > 0) this.#schedule();
  }

  #computeChunk(compute: (texts: readonly string[]) => unknown[], taken: Pending<unknown>[]): void {
    let rows: unknown[];
    try {
      rows = compute(taken.flatMap((p) => p.texts));
    } catch (err) {
      for (const p of taken) p.reject(err);
      return;
    }
    let at = 0;
    for (const p of taken) {
      p.resolve(rows.slice(at, at + p.texts.length));
      at += p.texts.length;
    }
  }
}
