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

function hashString(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/** The bottom-k sketch (ascending, length ≤ k) of the prompt's unigram and bigram shingles. */
export function sketchPrompt(text: string): Uint32Array {
  const tokens = maskedTokens(text);
  const hashes = new Set<number>();
  for (let i = 0; i < tokens.length; i++) {
    const uni = hashString(tokens[i], 1);
    hashes.add(uni);
    if (i + 1 < tokens.length) hashes.add((Math.imul(uni, 31) ^ hashString(tokens[i + 1], 2)) >>> 0);
  }
  const sorted = Uint32Array.from(hashes).sort();
  return sorted.length > SKETCH_K ? sorted.slice(0, SKETCH_K) : sorted;
}

/** Estimated Jaccard similarity of two bottom-k sketches (each sorted ascending). */
export function sketchSimilarity(a: ArrayLike<number>, aLen: number, b: ArrayLike<number>, bLen: number): number {
  if (aLen === 0 || bLen === 0) return 0;
  const k = Math.min(SKETCH_K, Math.max(aLen, bLen));
  let i = 0;
  let j = 0;
  let taken = 0;
  let shared = 0;
  // Walk the union in ascending order; among its k smallest, count the hashes present in both sketches.
  while (taken < k && (i < aLen || j < bLen)) {
    if (j >= bLen || (i < aLen && a[i] < b[j])) i++;
    else if (i >= aLen || b[j] < a[i]) j++;
    else {
      shared++;
      i++;
      j++;
    }
    taken++;
  }
  return shared / taken;
}
