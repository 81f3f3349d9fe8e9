/**
 * Prompt and account-name skeletons. A skeleton masks what varies between instances of one template (numbers, quoted
 * strings) so prompts built from the same template share most of their word bigrams; MinHash over an account's
 * recurring bigrams then lets two accounts using the same template land in the same LSH bucket.
 */

const QUOTED = /"[^"\n]{0,200}"|'[^'\n]{0,200}'|`[^`\n]{0,200}`|“[^”\n]{0,200}”/g;
const NUMBER = /\d+(?:[.,]\d+)*/g;
const TOKEN = /[\p{L}\p{N}#]+|[^\s\p{L}\p{N}]/gu;
/** Long prompts are cut: the template shows in the head and tail, and the cost per event stays bounded. */
const MAX_TOKENS = 160;

export function skeletonTokens(text: string): string[] {
  const masked = text.toLowerCase().replace(QUOTED, ' "#" ').replace(NUMBER, '#');
  const tokens = masked.match(TOKEN) ?? [];
  if (tokens.length <= MAX_TOKENS) return tokens;
  return [...tokens.slice(0, MAX_TOKENS - 32), ...tokens.slice(-32)];
}

/** 32-bit FNV-1a. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Distinct hashed word bigrams of the skeleton, plus anchored first and last bigrams (where templates live). */
export function shingleHashes(text: string): Set<number> {
  const tokens = skeletonTokens(text);
  const out = new Set<number>();
  if (tokens.length === 0) return out;
  if (tokens.length === 1) {
    out.add(fnv1a(`^${tokens[0]}$`));
    return out;
  }
  out.add(fnv1a(`^${tokens[0]} ${tokens[1]}`));
  out.add(fnv1a(`${tokens.at(-2)} ${tokens.at(-1)}$`));
  for (let i = 0; i + 1 < tokens.length; i++) out.add(fnv1a(`${tokens[i]} ${tokens[i + 1]}`));
  return out;
}

export const MINHASH_SIZE = 16;
export const LSH_BANDS = 8;
const ROWS = MINHASH_SIZE / LSH_BANDS;
const SEEDS_A = Array.from({ length: MINHASH_SIZE }, (_, i) => (Math.imul(i + 1, 0x9e3779b1) | 1) >>> 0);
const SEEDS_B = Array.from({ length: MINHASH_SIZE }, (_, i) => Math.imul(i + 7, 0x85ebca6b) >>> 0);

export function minHash(items: Iterable<number>): Uint32Array {
  const out = new Uint32Array(MINHASH_SIZE).fill(0xffffffff);
  for (const item of items) {
    for (let i = 0; i < MINHASH_SIZE; i++) {
      let h = (Math.imul(item ^ SEEDS_B[i]!, SEEDS_A[i]!) + SEEDS_B[i]!) >>> 0;
      h ^= h >>> 15;
      h = Math.imul(h, 0x2c1b3c6d) >>> 0;
      if (h < out[i]!) out[i] = h;
    }
  }
  return out;
}

/** Estimated Jaccard similarity of the two sets behind the signatures. */
export function minHashSimilarity(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < MINHASH_SIZE; i++) if (a[i] === b[i]) same++;
  return same / MINHASH_SIZE;
}

/** LSH band keys: two signatures with Jaccard s share at least one band with probability 1-(1-s^ROWS)^BANDS. */
export function bandKeys(signature: Uint32Array): string[] {
  const keys: string[] = [];
  for (let band = 0; band < LSH_BANDS; band++) {
    const parts: number[] = [];
    for (let r = 0; r < ROWS; r++) parts.push(signature[band * ROWS + r]!);
    keys.push(`${band}:${parts.join(':')}`);
  }
  return keys;
}

/**
 * An account name's shape: lower-cased, digit runs and hex-like runs masked, so "harvest-0012" and "harvest-0913"
 * share "harvest-#". Returns null when too little is left to mean anything (e.g. "#" or "a#").
 */
export function nameSkeleton(name: string): string | null {
  const shape = name
    .toLowerCase()
    .replace(/[0-9a-f]*\d[0-9a-f]*/g, (run) => (run.length >= 4 || /^\d+$/.test(run) ? '#' : run))
    .replace(/#+/g, '#');
  const letters = shape.replace(/[^a-z]/g, '').length;
  return letters >= 3 ? shape : null;
}
