/**
 * A deterministic stand-in embedder for detector tests: hashed word unigrams and character trigrams into a fixed
 * number of buckets with ±1 signs, normalised to unit length. Texts sharing words land close together, unrelated
 * texts nearly orthogonal, which is all the embedding detectors assume. Not for production (the detection core
 * embeds with the configured model).
 */
export const TEST_EMBEDDING_DIM = 128;

function hash(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function embedText(text: string, dim = TEST_EMBEDDING_DIM): Float32Array | null {
  const v = new Float32Array(dim);
  const words = text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  for (const w of words) {
    const h = hash(w, 1);
    v[h % dim] += h & 0x80000000 ? 1 : -1;
    const padded = ` ${w} `;
    for (let i = 0; i + 3 <= padded.length; i++) {
      const g = hash(padded.slice(i, i + 3), 2);
      v[g % dim] += g & 0x80000000 ? 0.5 : -0.5;
    }
  }
  let norm = 0;
  for (let i = 0; i < dim; i++) norm += v[i] * v[i];
  if (norm === 0) return null;
  const inv = 1 / Math.sqrt(norm);
  for (let i = 0; i < dim; i++) v[i] *= inv;
  return v;
}
