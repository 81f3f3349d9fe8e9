/**
 * The built-in detectors as the engine runs them: `createDetectors` with the MMD detector's fixed benign reference
 * embedded by the same embedder the engine uses for live prompts (the reference and the traffic must live in one
 * vector space), and coverage with the distance ranges calibrated for that embedder. Without an embedder the MMD detector falls back to its population reservoir and sees no embeddings
 * anyway. `assembleDetectionEngine` puts them together with the embedder and the linker, once for every caller.
 */
import type { DetectionConfig } from '../config/detection-schema.ts';
import { HASHED_NGRAM_COVERAGE } from './detectors/coverage.ts';
import { benignReferencePrompts, createDetectors } from './detectors/index.ts';
import { createEmbedder, type PromptEmbedder } from './embedding/embedder.ts';
import { DetectionEngine, type DetectionEngineDeps } from './engine.ts';
import { linkerOptions } from './linking/config.ts';
import { ActorLinker } from './linking/linker.ts';
import type { Detector } from './types.ts';

export async function createBuiltinDetectors(embedder: PromptEmbedder | null): Promise<Detector<unknown>[]> {
  if (!embedder) return createDetectors();
  const vectors = await embedder.embed(benignReferencePrompts());
  const reference = vectors.filter((v): v is Float32Array => v !== null);
  // Coverage's distance ranges are the embedder's own: calibrated for the hashed n-gram embedder, generic otherwise.
  const coverage = embedder.name === 'hashed-ngram' ? HASHED_NGRAM_COVERAGE : undefined;
  return createDetectors({ mmd: { reference }, coverage });
}

/**
 * The engine as configured: the configured embedder, the built-in detectors on it (or `detectors`, for tests and
 * custom detectors) and the linker. The gateway thread, the worker and the replay bench build it here, so they
 * cannot drift apart; `rest` is where each keeps its own store, sink, metrics and logger.
 */
export async function assembleDetectionEngine(
  config: DetectionConfig,
  rest: Omit<DetectionEngineDeps, 'config' | 'detectors' | 'embedder' | 'linker'>,
  detectors?: readonly Detector<unknown>[],
): Promise<DetectionEngine> {
  const embedder = await createEmbedder(config.embedder);
  return new DetectionEngine({
    ...rest,
    config,
    detectors: detectors ?? (await createBuiltinDetectors(embedder)),
    embedder,
    linker: new ActorLinker(linkerOptions(config.linking, config.maxAccounts)),
  });
}
