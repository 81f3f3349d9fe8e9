/**
 * A built-in embedder model (models/embedder-*, `moat train embedder`) as a detection prompt embedder: sentence
 * embeddings that place paraphrases close, unlike hashed n-grams, at the cost of a model forward pass per batch
 * (run on the detection worker, never on the request path). Loaded once at start-up.
 */

import type { TextEmbedder } from '../../ml/contracts.ts';
import { loadModel } from '../../ml/registry.ts';
import type { PromptEmbedder } from './embedder.ts';

/** Prompts are cut to this many characters before embedding (the model reads at most `maxTokens` tokens anyway). */
const MAX_CHARS = 4096;

export class ModelPromptEmbedder implements PromptEmbedder {
  readonly name: string;
  readonly dims: number;

  constructor(private readonly model: TextEmbedder) {
    this.name = model.info.name;
    this.dims = model.dimensions;
  }

  static async load(dir: string): Promise<ModelPromptEmbedder> {
    const loaded = await loadModel(dir);
    if (loaded.family !== 'embedder') throw new Error(`${dir} holds a ${loaded.family} model, not an embedder`);
    return new ModelPromptEmbedder(loaded.model);
  }

  async embed(texts: readonly string[]): Promise<(Float32Array | null)[]> {
    const nonEmpty: string[] = [];
    const positions: number[] = [];
    texts.forEach((text, i) => {
      const trimmed = text.trim();
      if (trimmed.length === 0) return;
      nonEmpty.push(trimmed.slice(0, MAX_CHARS));
      positions.push(i);
    });
    const out: (Float32Array | null)[] = texts.map(() => null);
    if (nonEmpty.length === 0) return out;
    const vectors = this.model.embed(nonEmpty);
    positions.forEach((position, k) => {
      out[position] = unit(vectors[k]);
    });
    return out;
  }
}

/** The model already normalises; this guards the detectors' unit-length check against float drift and zero vectors. */
function unit(v: Float32Array): Float32Array | null {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i] * v[i];
  if (!(norm > 0) || !Number.isFinite(norm)) return null;
  const scale = 1 / Math.sqrt(norm);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] * scale;
  return out;
}
