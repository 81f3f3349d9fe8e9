/**
 * The one source of randomness in ML code (weight init, batching, sampling). Deterministic from a seed, and its whole
 * state is one 32-bit integer so checkpoints can store and restore it exactly.
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[];
  /** The current state; `createRng(0, state)` continues the exact same sequence. */
  state(): number;
}

/**
 * mulberry32 (Tommy Ettinger): a 32-bit state advanced by the odd constant 0x6D2B79F5 (a Weyl sequence, so the period
 * is 2³²), then mixed by two xorshift-multiply rounds. Ample for init and batching; not for cryptography.
 *
 * @example
 * const rng = createRng(42);
 * rng.shuffle([1, 2, 3]);
 */
export function createRng(seed: number, state = seedToState(seed)): Rng {
  let s = state >>> 0;
  const nextUint32 = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = (): number => nextUint32() / 4294967296;
  const int = (n: number): number => {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`rng.int needs a positive integer, got ${n}`);
    return Math.floor(next() * n);
  };
  // Box–Muller; the second variate is dropped so the state stays one integer. 1 − u keeps log's argument in (0, 1].
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const shuffle = <T>(items: T[]): T[] => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  };
  return { next, int, normal, shuffle, state: () => s };
}

/**
 * An independent seed for a named sub-stream (e.g. `deriveSeed(seed, 'init')`), so adding draws to one purpose does
 * not shift the numbers another purpose sees. FNV-1a over the label, mixed with the seed by splitmix32's finaliser.
 */
export function deriveSeed(seed: number, label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return mix32((h ^ seedToState(seed)) >>> 0);
}

function seedToState(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  return mix32(Math.trunc(seed) >>> 0);
}

function mix32(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
