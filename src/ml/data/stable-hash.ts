/**
 * A stable, platform-independent string hash for deterministic data splits and sampling. Not cryptographic.
 */

/**
 * 32-bit FNV-1a over the UTF-16 code units of `text`, as an unsigned integer.
 * FNV-1a: h ← (h XOR byte) · 16777619 mod 2³², starting from the offset basis 2166136261. `Math.imul` keeps the
 * multiplication exact in 32 bits.
 *
 * @example stableHash('spam-2/00001') // always the same number, on every machine
 */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A hash mapped to [0, 1): the same key always lands in the same place. */
export function stableUnit(text: string): number {
  return stableHash(text) / 0x1_0000_0000;
}
