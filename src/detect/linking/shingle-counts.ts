/**
 * Per-account counters of prompt bigram hashes for linking (profile.ts): how many of the account's prompts contained
 * each bigram. An open-addressing table over typed arrays rather than a Map<number, number>: this runs on every
 * event, and the Map's hashing of 32-bit keys (heap numbers above 2³⁰) plus the per-prompt Set of distinct bigrams
 * was ~10% of detection's cost per event. Counting is per prompt: a bigram repeated inside one prompt counts once
 * (a stamp per slot records the last prompt that counted it).
 *
 * Bounded by its owner (profile.ts prunes above 256 counters); the table is 512 slots (6 KB) and doubles only while
 * one prompt brings more distinct bigrams than fit at 75% load (≤ 2,048 slots, 24 KB: a skeleton is ≤ 800 characters),
 * shrinking back at the prune that follows.
 */

const INITIAL_SLOTS = 512;
const MAX_LOAD = 0.75;

export class ShingleCounts {
  #keys = new Uint32Array(INITIAL_SLOTS);
  /** 0 = empty slot. */
  #counts = new Uint32Array(INITIAL_SLOTS);
  #stamps = new Uint32Array(INITIAL_SLOTS);
  #size = 0;
  /** Stamp of the prompt being counted (never 0, so a fresh slot's stamp 0 never matches). */
  #stamp = 0;

  get size(): number {
    return this.#size;
  }

  /** Table slots (memory: 12 B each). */
  get slots(): number {
    return this.#keys.length;
  }

  /** Counts each distinct hash of one prompt (the first `length` of `hashes`) once. */
  addPrompt(hashes: ArrayLike<number>, length = hashes.length): void {
    this.#stamp = (this.#stamp % 0xfffffffe) + 1;
    for (let i = 0; i < length; i++) {
      if ((this.#size + 1) / this.#keys.length > MAX_LOAD) this.#rebuild(this.#keys.length * 2, 0, 1);
      this.#increment(hashes[i]! >>> 0);
    }
  }

  #increment(key: number): void {
    const mask = this.#keys.length - 1;
    for (let slot = mix(key) & mask; ; slot = (slot + 1) & mask) {
      const count = this.#counts[slot]!;
      if (count === 0) {
        this.#keys[slot] = key;
        this.#counts[slot] = 1;
        this.#stamps[slot] = this.#stamp;
        this.#size++;
        return;
      }
      if (this.#keys[slot] === key) {
        if (this.#stamps[slot] !== this.#stamp) {
          this.#counts[slot] = count + 1;
          this.#stamps[slot] = this.#stamp;
        }
        return;
      }
    }
  }

  get(key: number): number {
    const mask = this.#keys.length - 1;
    for (let slot = mix(key >>> 0) & mask; ; slot = (slot + 1) & mask) {
      const count = this.#counts[slot]!;
      if (count === 0) return 0;
      if (this.#keys[slot] === key >>> 0) return count;
    }
  }

  /** Drops every counter at or below `floor`. */
  dropAtOrBelow(floor: number): void {
    this.#rebuild(this.#keys.length, floor, 1);
  }

  /** Halves every counter (integer division), dropping those that reach 0. */
  halve(): void {
    this.#rebuild(this.#keys.length, 0, 2);
  }

  /** Calls `visit` for every live counter (order unspecified; callers sort or take minima). */
  forEach(visit: (key: number, count: number) => void): void {
    for (let slot = 0; slot < this.#keys.length; slot++) if (this.#counts[slot]! > 0) visit(this.#keys[slot]!, this.#counts[slot]!);
  }

  /** Re-inserts the counters above `floor`, each divided by `divisor`, into a table of `slots` slots. */
  #rebuild(slots: number, floor: number, divisor: number): void {
    const live = this.#size;
    // The survivors go through module scratch, so a prune or decay at the same size allocates nothing.
    if (scratchKeys.length < live) {
      scratchKeys = new Uint32Array(live * 2);
      scratchCounts = new Uint32Array(live * 2);
      scratchStamps = new Uint32Array(live * 2);
    }
    let kept = 0;
    for (let slot = 0; slot < this.#keys.length; slot++) {
      const count = this.#counts[slot]!;
      if (count === 0 || count <= floor || Math.floor(count / divisor) === 0) continue;
      scratchKeys[kept] = this.#keys[slot]!;
      scratchCounts[kept] = Math.floor(count / divisor);
      scratchStamps[kept] = this.#stamps[slot]!;
      kept++;
    }
    // Back to the initial size once the survivors fit (a long prompt's growth does not stay).
    const target = slots === this.#keys.length && kept <= MAX_LOAD * INITIAL_SLOTS ? Math.min(slots, INITIAL_SLOTS) : slots;
    if (target === this.#keys.length) {
      this.#counts.fill(0);
    } else {
      this.#keys = new Uint32Array(target);
      this.#counts = new Uint32Array(target);
      this.#stamps = new Uint32Array(target);
    }
    const mask = target - 1;
    for (let i = 0; i < kept; i++) {
      let slot = mix(scratchKeys[i]!) & mask;
      while (this.#counts[slot] !== 0) slot = (slot + 1) & mask;
      this.#keys[slot] = scratchKeys[i]!;
      this.#counts[slot] = scratchCounts[i]!;
      this.#stamps[slot] = scratchStamps[i]!;
    }
    this.#size = kept;
  }
}

let scratchKeys = new Uint32Array(INITIAL_SLOTS);
let scratchCounts = new Uint32Array(INITIAL_SLOTS);
let scratchStamps = new Uint32Array(INITIAL_SLOTS);

/** The keys are hashes already, but bigram hashes share low bits often enough to be worth one more mix. */
function mix(key: number): number {
  const h = Math.imul(key ^ (key >>> 16), 0x45d9f3b);
  return h ^ (h >>> 16);
}
