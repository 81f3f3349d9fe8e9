/** Test fixture: a hashed bag-of-words sentence embedder (signed feature hashing, L2-normalised). */
import { createHash } from 'node:crypto';
import type { TextEmbedder } from '../../ml/contracts.ts';
import { words } from './keyword-classifier.ts';

/** Texts sharing words get a positive cosine; the empty text embeds to the zero vector. */
export function createHashedEmbedder(name = 'test-embed', dimensions = 32): TextEmbedder {
  return {
    info: { name, family: 'embedder', size: 'tiny', parameterCount: 0 },
    dimensions,
    embed(texts) {
      return texts.map((text) => {
        const v = new Float32Array(dimensions);
        for (const w of words(text)) {
          const h = createHash('sha256').update(w).digest();
          v[h.readUInt32LE(0) % dimensions] += h[4] & 1 ? 1 : -1;
        }
        let norm = 0;
        for (const x of v) norm += x * x;
        norm = Math.sqrt(norm);
        if (norm > 0) for (let i = 0; i < dimensions; i++) v[i] /= norm;
        return v;
      });
    },
    countTokens: (text) => words(text).length,
  };
}
