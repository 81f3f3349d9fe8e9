/**
 * Progress numbers for a harvest in flight (what a cli-progress bar shows): items done of total, paid queries per
 * second, cache hits, errors, and an ETA from the item rate of this invocation.
 */

export interface HarvestProgress {
  /** Items finished this invocation: answered, served from the cache, or failed. */
  done: number;
  total: number;
  harvested: number;
  cacheHits: number;
  malformed: number;
  failed: number;
  /** Paid (2xx) queries this invocation. */
  paid: number;
  /** Failed attempts (429, 5xx, timeouts, …), including those later retried successfully. */
  attemptErrors: number;
  /** Paid queries per second since this invocation started. */
  queriesPerSecond: number;
  /** Seconds left at the current item rate; null until an item has finished. */
  etaSeconds: number | null;
  elapsedMs: number;
}

export type ProgressCounts = Omit<HarvestProgress, 'queriesPerSecond' | 'etaSeconds' | 'elapsedMs' | 'total'>;

/** Derives rates from counts; `startedAt` and `now` in ms (performance.now()). */
export function progressSnapshot(counts: ProgressCounts, total: number, startedAt: number, now: number): HarvestProgress {
  const elapsedMs = Math.max(0, now - startedAt);
  const seconds = elapsedMs / 1000;
  const itemRate = seconds > 0 ? counts.done / seconds : 0;
  return {
    ...counts,
    total,
    elapsedMs,
    queriesPerSecond: seconds > 0 ? counts.paid / seconds : 0,
    etaSeconds: itemRate > 0 ? (total - counts.done) / itemRate : null,
  };
}
