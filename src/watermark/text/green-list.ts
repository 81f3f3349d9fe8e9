/**
 * The KGW green list, defined on token *texts* rather than ids: whether token t is green after context c is a keyed
 * pseudo-random function of (key, c, t) alone. The sampler (ids → texts through the model's tokenizer) and the
 * detector (which only sees the suspect's text, split into characters) therefore agree without sharing a vocabulary
 * index, and under the null every distinct (context, token) pair is green with probability γ independently, which is
 * what makes the deduplicated test exact.
 *
 * green(key, c, t) = mix(HMAC-SHA-256(key, "kgw" ‖ c), hash(t)) / 2³² < γ
 *
 * The HMAC runs once per context (cached by callers); the per-token step is a 32-bit mixer of the secret 64-bit
 * context seed and the token's FNV-1a hash.
 */
import { createHmac } from 'node:crypto';

export interface TextMarkParams {
  /** Green fraction in (0, 1). */
  gamma: number;
  /** Previous tokens that seed the list (≥ 1). */
  contextWidth: number;
}

/** Secret per-context seed: two 32-bit words. */
export interface ContextSeed {
  a: number;
  b: number;
}

const SEPARATOR = '\u0000';

export function contextSeed(key: Buffer, context: readonly string[]): ContextSeed {
  const digest = createHmac('sha256', key).update(`kgw${SEPARATOR}${context.join(SEPARATOR)}`).digest();
  return { a: digest.readUInt32LE(0), b: digest.readUInt32LE(4) };
}

/** FNV-1a over UTF-16 code units. */
export function tokenHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** MurmurHash3's finaliser: a bijective 32-bit avalanche mix. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Threshold such that a uniform 32-bit value below it has probability γ. */
export function greenThreshold(gamma: number): number {
  return Math.floor(gamma * 2 ** 32);
}

export function isGreen(seed: ContextSeed, tokenHashValue: number, threshold: number): boolean {
  const mixed = fmix32(fmix32(seed.a ^ Math.imul(tokenHashValue, 0x9e3779b1)) ^ seed.b);
  return mixed < threshold;
}

/** A small bounded map: the oldest entry goes first once full (contexts repeat heavily, so hits dominate). */
export class BoundedCache<V> {
  readonly #entries = new Map<string, V>();
  constructor(readonly capacity: number) {}

  get(key: string, make: () => V): V {
    const found = this.#entries.get(key);
    if (found !== undefined) return found;
    const value = make();
    if (this.#entries.size >= this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, value);
    return value;
  }
}
