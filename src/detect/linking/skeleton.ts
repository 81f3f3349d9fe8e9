/**
 * Prompt and account-name skeletons. A skeleton masks what varies between instances of one template (numbers, quoted
 * strings) so prompts built from the same template share most of their word bigrams; MinHash over an account's
 * recurring bigrams then lets two accounts using the same template land in the same LSH bucket.
 */

/** Long prompts are cut to their head and tail: the template shows there, and the cost per event stays bounded. */
const HEAD_CHARS = 600;
const TAIL_CHARS = 200;
const MAX_QUOTED = 200;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const QUOTE_PAIRS = new Map<number, number>([
  [0x22, 0x22], // "
  [0x60, 0x60], // `
  [0x201c, 0x201d], // “ ”
]);
const MASKED_QUOTE = fnv1a('"#"');

/**
 * Hashes of the skeleton's tokens, scanned by hand (this runs on every event): lower-cased words with each digit run
 * masked as "#", double-quoted/back-quoted/curly-quoted strings masked whole, other punctuation one token per char.
 */
export function skeletonTokenHashes(text: string): number[] {
  if (text.length <= HEAD_CHARS + TAIL_CHARS) return scan(text);
  return [...scan(text.slice(0, HEAD_CHARS)), ...scan(text.slice(-TAIL_CHARS))];
}

function scan(text: string): number[] {
  const out: number[] = [];
  let hash = FNV_OFFSET;
  let inWord = false;
  let inDigits = false;
  const endWord = (): void => {
    if (inWord) out.push(hash >>> 0);
    hash = FNV_OFFSET;
    inWord = false;
    inDigits = false;
  };
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    const digit = code >= 0x30 && code <= 0x39;
    if (digit) {
      if (!inDigits) hash = Math.imul(hash ^ 0x23, FNV_PRIME);
      inWord = true;
      inDigits = true;
      continue;
    }
    // Separators inside numbers ("3.14", "1,000") stay part of the masked run.
    if (inDigits && (code === 0x2e || code === 0x2c) && isDigit(text.charCodeAt(i + 1))) continue;
    inDigits = false;
    if (code >= 0x41 && code <= 0x5a) code += 0x20;
    if ((code >= 0x61 && code <= 0x7a) || (code > 0x7f && !isSpace(code) && !QUOTE_PAIRS.has(code))) {
      hash = Math.imul(hash ^ code, FNV_PRIME);
      inWord = true;
      continue;
    }
    endWord();
    if (isSpace(code)) continue;
    const close = QUOTE_PAIRS.get(code);
    if (close !== undefined) {
      const end = closingQuote(text, i + 1, close);
      if (end > 0) {
        out.push(MASKED_QUOTE);
        i = end;
        continue;
      }
    }
    out.push(Math.imul(FNV_OFFSET ^ code, FNV_PRIME) >>> 0);
  }
  endWord();
  return out;
}

function closingQuote(text: string, from: number, close: number): number {
  const limit = Math.min(text.length, from + MAX_QUOTED);
  for (let j = from; j < limit; j++) {
    const code = text.charCodeAt(j);
    if (code === close) return j;
    if (code === 0x0a) return -1;
  }
  return -1;
}

const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;
const isSpace = (code: number): boolean =>
  code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0xa0 || code === 0x2028 || code === 0x3000;

/** 32-bit FNV-1a. */
export function fnv1a(text: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Distinct hashed word bigrams of the skeleton, plus anchored first and last bigrams (where templates live). */
export function shingleHashes(text: string): Set<number> {
  return new Set(shingleList(text));
}

/** The same bigram hashes as `shingleHashes`, in prompt order and with repeats (no Set: callers that count dedupe). */
export function shingleList(text: string): number[] {
  const hashes = skeletonTokenHashes(text);
  if (hashes.length === 0) return hashes;
  if (hashes.length === 1) return [pair(START, pair(hashes[0]!, END))];
  const out: number[] = [pair(START, pair(hashes[0]!, hashes[1]!)), pair(pair(hashes.at(-2)!, hashes.at(-1)!), END)];
  for (let i = 0; i + 1 < hashes.length; i++) out.push(pair(hashes[i]!, hashes[i + 1]!));
  return out;
}

const START = 0x2f1c3a55;
const END = 0x7b8e0d13;

/** Order-sensitive mix of two 32-bit hashes (murmur3-style finaliser). */
function pair(a: number, b: number): number {
  let h = Math.imul(a ^ (b >>> 16), 0x85ebca6b) ^ Math.imul(b, 0xc2b2ae35);
  h ^= h >>> 13;
  h = Math.imul(h, 0x27d4eb2f);
  return (h ^ (h >>> 16)) >>> 0;
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
