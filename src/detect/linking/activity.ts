/**
 * How many accounts were active in each time bucket: the population's own rhythm. Timing evidence compares two
 * accounts' co-activity with what that rhythm alone would give them, so moments when everyone is busy (or when
 * everyone stalls together, say because the provider hiccuped) do not look like coordination. Bounded: the newest
 * `MAX_BUCKETS` buckets are kept.
 */

const MAX_BUCKETS = 16_384;

export class BucketActivity {
  readonly #counts = new Map<number, number>();

  /** An account became active in `bucket` (each account counts once per bucket). */
  note(bucket: number): void {
    this.#counts.set(bucket, (this.#counts.get(bucket) ?? 0) + 1);
    if (this.#counts.size > MAX_BUCKETS) {
      // Insertion order is nearly chronological: drop the oldest half.
      let drop = this.#counts.size - MAX_BUCKETS / 2;
      for (const key of this.#counts.keys()) {
        if (drop-- <= 0) break;
        this.#counts.delete(key);
      }
    }
  }

  snapshot(): ActivitySnapshot {
    return new ActivitySnapshot(this.#counts);
  }
}

/** A frozen view with prefix sums, so any window's Σg and Σg² cost two binary searches. */
export class ActivitySnapshot {
  readonly #counts: ReadonlyMap<number, number>;
  readonly #keys: number[];
  readonly #sum: Float64Array;
  readonly #sumSquares: Float64Array;

  constructor(counts: ReadonlyMap<number, number>) {
    this.#counts = new Map(counts);
    this.#keys = [...counts.keys()].sort((a, b) => a - b);
    this.#sum = new Float64Array(this.#keys.length + 1);
    this.#sumSquares = new Float64Array(this.#keys.length + 1);
    this.#keys.forEach((key, i) => {
      const g = counts.get(key)!;
      this.#sum[i + 1] = this.#sum[i]! + g;
      this.#sumSquares[i + 1] = this.#sumSquares[i]! + g * g;
    });
  }

  at(bucket: number): number {
    return this.#counts.get(bucket) ?? 0;
  }

  /** Σ g and Σ g² over buckets in [from, to]. */
  window(from: number, to: number): { sum: number; sumSquares: number } {
    const i = lowerBound(this.#keys, from);
    const j = lowerBound(this.#keys, to + 1);
    return { sum: this.#sum[j]! - this.#sum[i]!, sumSquares: this.#sumSquares[j]! - this.#sumSquares[i]! };
  }
}

export function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
