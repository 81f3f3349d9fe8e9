/**
 * Sizes of the embedder family: embedding → n-gram convolution → (attention pool ‖ mean pool) → linear projection →
 * L2 normalisation. Every size except `tiny` projects to the same 128 dimensions, so a student can be distilled by
 * regressing the teacher's vectors directly; students stay at ≤ 25% of the teacher's parameters.
 */
import { z } from 'zod';
import type { ModelSize } from '../../engine/module.ts';

export const EmbedderConfigSchema = z.object({
  /** Vocabulary size including `<pad>` and `<unk>`. */
  vocabSize: z.number().int().min(3),
  embedDim: z.number().int().positive(),
  /** Words per convolution window (1 = bag of words). */
  ngram: z.number().int().min(1).max(5),
  filters: z.number().int().positive(),
  /** Output dimensions. */
  dimensions: z.number().int().positive(),
  /** Tokens read per text; longer texts are cut (their start is kept). */
  maxTokens: z.number().int().positive(),
  /** Share of input words replaced by `<unk>` during training only (each view independently). */
  wordDropout: z.number().min(0).max(0.9),
});

export type EmbedderConfig = z.infer<typeof EmbedderConfigSchema>;

export const EMBEDDER_SIZES: Readonly<Record<ModelSize, EmbedderConfig>> = {
  teacher: { vocabSize: 8000, embedDim: 48, ngram: 3, filters: 128, dimensions: 128, maxTokens: 256, wordDropout: 0.1 },
  'student-m': { vocabSize: 4000, embedDim: 20, ngram: 2, filters: 48, dimensions: 128, maxTokens: 256, wordDropout: 0.1 },
  'student-s': { vocabSize: 2000, embedDim: 16, ngram: 1, filters: 32, dimensions: 128, maxTokens: 256, wordDropout: 0.1 },
  tiny: { vocabSize: 300, embedDim: 8, ngram: 2, filters: 8, dimensions: 16, maxTokens: 64, wordDropout: 0 },
};

/** Parameters of an embedder with `config`: E + W_conv + c + q + W_proj + b_proj. */
export function embedderParameterCount(config: EmbedderConfig): number {
  const { vocabSize, embedDim, ngram, filters, dimensions } = config;
  return vocabSize * embedDim + ngram * embedDim * filters + 2 * filters + 2 * filters * dimensions + dimensions;
}
