/**
 * Where detection places prompts in a vector space. Embedding never runs on the request path: the detection worker
 * calls `embed` on a batch of prompts it has already dequeued. The default is the hashed n-gram embedder
 * (hashed-embedder.ts), a few microseconds per prompt in pure JS; `model` uses a built-in embedder model
 * (model-embedder.ts), batched, on the detection worker.
 */
import type { DetectionConfig } from '../../config/detection-schema.ts';
import { HashedNgramEmbedder } from './hashed-embedder.ts';
import { ModelPromptEmbedder } from './model-embedder.ts';

export interface PromptEmbedder {
  readonly name: string;
  readonly dims: number;
  /** One unit-length vector per text, in order; null for an empty text. */
  embed(texts: readonly string[]): Promise<(Float32Array | null)[]>;
}

/** The embedder `detection.embedder` names, or null for `none`; `model` loads the built-in embedder from `modelDir`. */
export async function createEmbedder(config: DetectionConfig['embedder']): Promise<PromptEmbedder | null> {
  if (config.kind === 'none') return null;
  if (config.kind === 'model') return ModelPromptEmbedder.load(config.modelDir);
  return new HashedNgramEmbedder({ dims: config.dims, seed: config.seed });
}
