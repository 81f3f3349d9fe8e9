/**
 * The built-in detectors as the engine runs them: `createDetectors` with the MMD detector's fixed benign reference
 * embedded by the same embedder the engine uses for live prompts (the reference and the traffic must live in one
 * vector space), and coverage with the distance ranges calibrated for that embedder. Without an embedder the MMD detector falls back to its population reservoir and sees no embeddings
 * anyway.
 */
import { HASHED_NGRAM_COVERAGE } from './detectors/coverage.ts';
import { benignReferencePrompts, createDetectors } from './detectors/index.ts';
import type { PromptEmbedder } from './embedding/embedder.ts';
import type { Detector } from './types.ts';

export async function createBuiltinDetectors(embedder: PromptEmbedder | null): Promise<Detector<unknown>[]> {
  if (!embedder) return createDetectors();
  const vectors = await embedder.embed(benignReferencePrompts());
  const reference = vectors.filter((v): v is Float32Array => v !== null);
  // Coverage's distance ranges are the embedder's own: calibrated for the hashed n-gram embedder, generic otherwise.
  const coverage = embedder.name === 'hashed-ngram' ? HASHED_NGRAM_COVERAGE : undefined;
  return createDetectors({ mmd: { reference }, coverage });
}
