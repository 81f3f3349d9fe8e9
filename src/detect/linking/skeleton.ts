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
  return Array.from(tokenScratch.subarray(0, skeletonTokensInto(text)));
}

/** At most HEAD_CHARS + TAIL_CHARS tokens (each takes at least one character). */
const tokenScratch = new Uint32Array(HEAD_CHARS + TAIL_CHARS);

/** `skeletonTokenHashes` into tokenScratch (no array per prompt); returns the count. */
function skeletonTokensInto(text: string): number {
  if (text.length <= HEAD_CHARS + TAIL_CHARS) return scan(text, 0);
  return scan(text.slice(-TAIL_CHARS), scan(text.slice(0, HEAD_CHARS), 0));
}

/** Appends the token hashes of `text` to tokenScratch from position `n`; returns the new count. */
function scan(text: string, n: number): number {
  const out = tokenScratch;
  let hash = FNV_OFFSET;
  let inWord = false;
  let inDigits = false;
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
    // End of a word: emit it.
    if (inWord) out[n++] = hash >>> 0;
    hash = FNV_OFFSET;
    inWord = false;
    if (isSpace(code)) continue;
    const close = QUOTE_PAIRS.get(code);
    if (close !== undefined) {
      const end = closingQuote(text, i + 1, close);
      if (end > 0) {
        out[n++] = MASKED_QUOTE;
        i = end;
        continue;
      }
    }
    out[n++] = Math.imul(FNV_OFFSET ^ code, FNV_PRIME) >>> 0;
  }
  if (inWord) out[n++] = hash >>> 0;
  return n;
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
  return Array.from(shingleScratch.subarray(0, shinglesInto(text)));
}

/** One more than the token bound: n tokens give n − 1 bigrams plus two anchored ones. */
const shingleScratch = new Uint32Array(HEAD_CHARS + TAIL_CHARS + 1);

/**
 * `shingleList` without allocating: the hashes go to a buffer that the next call overwrites. Returns the buffer and
 * the count (the per-event path: linking's counters read it at once).
 */
export function shingleBuffer(text: string): { hashes: Uint32Array; length: number } {
  shingleResult.length = shinglesInto(text);
  return shingleResult;
}

const shingleResult = { hashes: shingleScratch, length: 0 };

function shinglesInto(text: string): number {
  const n = skeletonTokensInto(text);
  const hashes = tokenScratch;
  const out = shingleScratch;
  if (n === 0) return 0;
  if (n === 1) {
    out[0] = pair(START, pair(hashes[0]!, END));
    return 1;
  }
  out[0] = pair(START, pair(hashes[0]!, hashes[1]!));
  out[1] = pair(pair(hashes[n - 2]!, hashes[n - 1]!), END);
  let m = 2;
  for (let i = 0; i + 1 < n; i++) out[m++] = pair(hashes[i]!, hashes[i + 1]!);
  return m;
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
