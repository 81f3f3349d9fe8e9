/**
 * A stable, platform-independent string hash for deterministic data splits and sampling. Not cryptographic.
 */

/**
 * 32-bit FNV-1a over the UTF-16 code units of `text`, then MurmurHash3's fmix32 finaliser, as an unsigned integer.
 * FNV-1a: h ← (h XOR unit) · 16777619 mod 2³², from the offset basis 2166136261. Plain FNV-1a mixes the last
 * characters poorly into the high bits (keys `1924`…`1959` would all land in the same fifth of [0, 1)); the
 * finaliser's xor-shift-multiply rounds spread every input bit over the whole word. `Math.imul` keeps products exact.
 *
 * @example stableHash('spam-2/00001') // always the same number, on every machine
 */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** A hash mapped to [0, 1): the same key always lands in the same place. */
export function stableUnit(text: string): number {
  return stableHash(text) / 0x1_0000_0000;
}
