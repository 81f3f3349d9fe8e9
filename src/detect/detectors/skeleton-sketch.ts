/**
 * Prompt skeletons for the templating detector: a prompt's tokens with numbers and names masked, shingled into word
 * unigrams and bigrams, summarised by a bottom-k MinHash sketch (the k smallest shingle hashes). Two sketches
 * estimate the Jaccard similarity of the shingle sets in O(k) — one hash per shingle instead of k permutations.
 * A templated sweep ("Write a poem about {topic} in the style of {Name}") shares most shingles; two prompts that
 * share only a short instruction before a long, different document ("Summarise this ticket: …") share few.
 */
export const SKETCH_K = 32;
const MAX_TOKENS = 256;

const TOKEN = /[A-Za-z]+|\d+(?:[.,:/-]\d+)*|[^\sA-Za-z\d]/g;

/** Tokens with numbers → "#" and capitalised words after the first → "@" (names, places, titles). */
export function maskedTokens(text: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let match = TOKEN.exec(text);
  let sentenceStart = true;
  while (match !== null && out.length < MAX_TOKENS) {
    const t = match[0];
    const c = t.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push('#');
    else if (c >= 65 && c <= 90 && !sentenceStart) out.push('@');
    else out.push(t.toLowerCase());
    sentenceStart = t === '.' || t === '?' || t === '!' || t === ':' || t === '\n';
    match = TOKEN.exec(text);
  }
  return out;
}

/** FNV-1a with a murmur-style finaliser; `maskedTokenHashes` computes the same value without building strings. */
export function hashString(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return finish(h);
}

const MASK_NUMBER = hashString('#', 1);
const MASK_NAME = hashString('@', 1);
const scratch = new Uint32Array(2 * MAX_TOKENS);
const tokenScratch = new Uint32Array(MAX_TOKENS);

/**
 * Token hashes of `maskedTokens(text)` in one pass over the characters (no token strings, no regex): hash 1 of
 * each masked, lower-cased token, so `sketchPrompt` costs O(characters) with small constants.
 */
function maskedTokenHashes(text: string, out: Uint32Array): number {
  let n = 0;
  let i = 0;
  let sentenceStart = true;
  const len = text.length;
  while (i < len && n < MAX_TOKENS) {
    const c = text.charCodeAt(i);
    const upper = c >= 65 && c <= 90;
    const lower = c >= 97 && c <= 122;
    const digit = c >= 48 && c <= 57;
    if (upper || lower) {
      let h = (0x811c9dc5 ^ 1) >>> 0;
      while (i < len) {
        const d = text.charCodeAt(i);
        if (d >= 65 && d <= 90) h = Math.imul(h ^ (d + 32), 0x01000193);
        else if (d >= 97 && d <= 122) h = Math.imul(h ^ d, 0x01000193);
        else break;
        i++;
      }
      out[n++] = upper && !sentenceStart ? MASK_NAME : finish(h);
      sentenceStart = false;
    } else if (digit) {
      // A number, with inner separators (3.14, 2026-01-05, 10:30) as one token.
      while (i < len) {
        const d = text.charCodeAt(i);
        if (d >= 48 && d <= 57) i++;
        else if ((d === 46 || d === 44 || d === 58 || d === 47 || d === 45) && i + 1 < len && isDigit(text.charCodeAt(i + 1))) i++;
        else break;
      }
      out[n++] = MASK_NUMBER;
      sentenceStart = false;
    } else {
      i++;
      if (c === 32 || c === 9 || c === 13 || c === 10) {
        if (c === 10) sentenceStart = true;
        continue;
      }
      out[n++] = finish(Math.imul((0x811c9dc5 ^ 1) ^ c, 0x01000193));
      sentenceStart = c === 46 || c === 63 || c === 33 || c === 58;
    }
  }
  return n;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/** The bottom-k sketch (ascending, distinct, length ≤ k) of the prompt's unigram and bigram shingles. */
export function sketchPrompt(text: string): Uint32Array {
  const n = maskedTokenHashes(text, tokenScratch);
  return bottomK(tokenScratch, n, SKETCH_K);
}

/** Tokens that make a prompt's head: a wrapper template ("You are a helpful assistant… Request:") fits in it. */
export const HEAD_TOKENS = 12;
export const HEAD_K = 24;

/**
 * The whole-prompt sketch and the head sketch (all shingles of the first HEAD_TOKENS tokens) from one scan. The head
 * catches a template wrapped around long, varied content — invisible to the whole-prompt Jaccard, where the content
 * dominates — and is what a swarm's members share.
 */
export function sketchPromptParts(text: string): { whole: Uint32Array; head: Uint32Array } {
  const n = maskedTokenHashes(text, tokenScratch);
  return { whole: bottomK(tokenScratch, n, SKETCH_K), head: bottomK(tokenScratch, Math.min(n, HEAD_TOKENS), HEAD_K) };
}

/**
 * `sketchPromptParts` into reusable buffers, for the per-event path (allocating two small typed arrays per prompt
 * was ~10% of the templating detector's time). `sketch(text)` overwrites the previous prompt's sketches.
 */
export class PromptSketcher {
  readonly whole = new Uint32Array(SKETCH_K);
  wholeLength = 0;
  readonly head = new Uint32Array(HEAD_K);
  headLength = 0;

  sketch(text: string): void {
    const n = maskedTokenHashes(text, tokenScratch);
    this.wholeLength = bottomKInto(tokenScratch, n, SKETCH_K, this.whole);
    this.headLength = bottomKInto(tokenScratch, Math.min(n, HEAD_TOKENS), HEAD_K, this.head);
  }
}

function bottomK(tokens: Uint32Array, n: number, k: number): Uint32Array {
  const out = new Uint32Array(k);
  const m = bottomKInto(tokens, n, k, out);
  return m === k ? out : out.slice(0, m);
}

/** Writes the bottom-k sketch of the tokens' shingles into `out` (length ≥ k); returns its length. */
function bottomKInto(tokens: Uint32Array, n: number, k: number, out: Uint32Array): number {
  if (n === 0) return 0;
  const count = 2 * n - 1;
  const hashes = scratch;
  hashes[0] = tokens[0];
  for (let i = 1; i < n; i++) {
    hashes[2 * i - 1] = tokens[i];
    hashes[2 * i] = (Math.imul(tokens[i - 1], 31) ^ Math.imul(tokens[i], 0x9e3779b1)) >>> 0;
  }
  // The k smallest of many uniform hashes lie far below the top of the range: sort only those under a cut that
  // keeps ~4k of them in expectation, and fall back to the full sort when the cut kept too few distinct values.
  if (count > 8 * k) {
    const cut = Math.floor((4 * k * 4294967296) / count);
    let kept = 0;
    for (let i = 0; i < count; i++) if (hashes[i] < cut) candidates[kept++] = hashes[i];
    sortPrefix(candidates, kept);
    const m = distinctPrefix(candidates, kept, k, out);
    if (m === k) return m;
  }
  sortPrefix(hashes, count);
  return distinctPrefix(hashes, count, k, out);
}

const candidates = new Uint32Array(2 * MAX_TOKENS);

/**
 * Sorts a[0..n) ascending in place. Short runs (most prompts: ≤ 64 shingles) by insertion sort: the typed-array sort
 * on a subarray cost a view allocation and a runtime call. Same order either way.
 */
function sortPrefix(a: Uint32Array, n: number): void {
  if (n > 64) {
    a.subarray(0, n).sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > x) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
}

/** The first k distinct values of sorted[0..n) into `out`; returns how many. */
function distinctPrefix(sorted: Uint32Array, n: number, k: number, out: Uint32Array): number {
  let m = 0;
  for (let i = 0; i < n && m < k; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) out[m++] = sorted[i];
  return m;
}

/** Estimated Jaccard similarity of two bottom-k sketches (each sorted ascending), read at offsets into their arrays. */
export function sketchSimilarity(
  a: ArrayLike<number>,
  aOffset: number,
  aLen: number,
  b: ArrayLike<number>,
  bOffset: number,
  bLen: number,
  cap = SKETCH_K,
  atLeast = 0,
): number {
  if (aLen === 0 || bLen === 0) return 0;
  const k = Math.min(cap, Math.max(aLen, bLen));
  let i = 0;
  let j = 0;
  let taken = 0;
  let shared = 0;
  // Walk the union in ascending order; among its k smallest, count the hashes present in both sketches. With
  // `atLeast`, give up (returning 0) once even sharing every remaining hash could not reach it.
  const needed = atLeast * k;
  while (taken < k && (i < aLen || j < bLen)) {
    if (shared + (k - taken) < needed) return 0;
    const x = a[aOffset + i];
    const y = b[bOffset + j];
    if (j >= bLen || (i < aLen && x < y)) i++;
    else if (i >= aLen || y < x) j++;
    else {
      shared++;
      i++;
      j++;
    }
    taken++;
  }
  return shared / taken;
}
