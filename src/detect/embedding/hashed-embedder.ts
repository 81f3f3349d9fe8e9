/**
 * The default prompt embedder: hashed character n-grams (3-, 4- and 5-grams of the lower-cased, whitespace-folded
 * text) projected to `dims` dimensions by a fixed, seeded random ±1 projection, then scaled to unit length. Texts
 * sharing wording land close together; paraphrases less so — enough for coverage, novelty, templating and window
 * tests on prompt streams, at a few microseconds per prompt and no model. Deterministic for a given seed, so the
 * same prompt always gets the same vector in every process.
 *
 * The projection is the "hashing trick" with a sparse Achlioptas-style sign matrix computed on the fly: each n-gram
 * hash picks two output coordinates and a sign for each from a seeded mixer, so nothing is stored.
 */
import type { PromptEmbedder } from './embedder.ts';

const MIN_GRAM = 3;
const MAX_GRAM = 5;
/** Longer prompts are embedded from their first characters only: the cost per event stays bounded. */
const MAX_CHARS = 4096;

export class HashedNgramEmbedder implements PromptEmbedder {
  readonly name = 'hashed-ngram';
  readonly dims: number;
  readonly #seed: number;
  #counts = new Int32Array(0);

  constructor(options: { dims?: number; seed?: number } = {}) {
    this.dims = options.dims ?? 96;
    this.#seed = (options.seed ?? 0x5eed) >>> 0;
  }

  async embed(texts: readonly string[]): Promise<(Float32Array | null)[]> {
    return texts.map((t) => this.embedOne(t));
  }

  /** Synchronous form, for callers that embed one prompt at a time. */
  embedOne(text: string): Float32Array | null {
    const normalised = text.slice(0, MAX_CHARS).toLowerCase().replace(/\s+/g, ' ').trim();
    if (normalised.length === 0) return null;
    const padded = ` ${normalised} `;
    // Counts are small integers: summed in an Int32Array (no float conversions per n-gram), then scaled into the
    // Float32Array — the same floats as summing in Float32 (every partial sum is an exact integer either way).
    if (this.#counts.length !== this.dims) this.#counts = new Int32Array(this.dims);
    const counts = this.#counts;
    counts.fill(0);
    const n = padded.length;
    const seed = this.#seed;
    const dims = this.dims;
    // One FNV-1a pass per start position yields the 3-, 4- and 5-gram hashes as its prefixes of length 3, 4 and 5.
    for (let start = 0; start + MIN_GRAM <= n; start++) {
      let h = 0x811c9dc5 ^ seed;
      const end = Math.min(n, start + MAX_GRAM);
      for (let i = start; i < end; i++) {
        h = Math.imul(h ^ padded.charCodeAt(i), 0x01000193);
        if (i - start + 1 >= MIN_GRAM) scatter(counts, dims, h ^ (i - start));
      }
    }
    let norm = 0;
    for (let i = 0; i < dims; i++) norm += counts[i] * counts[i];
    if (norm === 0) return null;
    const scale = 1 / Math.sqrt(norm);
    const out = new Float32Array(dims);
    for (let i = 0; i < dims; i++) out[i] = counts[i] * scale;
    return out;
  }

}

/** Adds ±1 at two coordinates drawn from one finalised hash (low and high halves). */
function scatter(out: Int32Array, dims: number, hash: number): void {
  let h = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h = (h ^ (h >>> 16)) >>> 0;
  out[(h & 0xffff) % dims] += (h & 0x10000) === 0 ? 1 : -1;
  out[(h >>> 17) % dims] += (h & 1) === 0 ? 1 : -1;
}

/** Cosine similarity of two unit vectors. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}
