/**
 * Sizes of the classifier family. One architecture (embedding → n-gram convolution → masked mean ‖ max pooling →
 * dense → dense(2)); sizes differ in vocabulary, widths and how much of each text they read. Students stay at
 * ≤ 25% of the teacher's parameters so that distilling into them is a real compression.
 */
import { z } from 'zod';
import type { ModelSize } from '../../engine/module.ts';

export const ClassifierConfigSchema = z.object({
  /** Vocabulary size including `<pad>` and `<unk>`. */
  vocabSize: z.number().int().min(3),
  embedDim: z.number().int().positive(),
  /** Words per convolution window (1 = bag of words). */
  ngram: z.number().int().min(1).max(5),
  filters: z.number().int().positive(),
  hidden: z.number().int().positive(),
  /** Tokens read per text (subject first, then the start of the body). */
  maxTokens: z.number().int().positive(),
  /** Dropout on the pooled features during training only. */
  dropout: z.number().min(0).max(0.9),
  /** Share of input words replaced by `<unk>` during training only. */
  wordDropout: z.number().min(0).max(0.9),
  labels: z.array(z.string().min(1)).min(2),
});

export type ClassifierConfig = z.infer<typeof ClassifierConfigSchema>;

const LABELS = ['ham', 'spam'];

export const CLASSIFIER_SIZES: Readonly<Record<ModelSize, ClassifierConfig>> = {
  teacher: { vocabSize: 8000, embedDim: 48, ngram: 3, filters: 96, hidden: 64, maxTokens: 256, dropout: 0.3, wordDropout: 0.25, labels: LABELS },
  // Students are cheap models: fewer words known, narrower layers, and less of each text read.
  'student-m': { vocabSize: 3000, embedDim: 16, ngram: 2, filters: 32, hidden: 32, maxTokens: 128, dropout: 0.1, wordDropout: 0.1, labels: LABELS },
  'student-s': { vocabSize: 1000, embedDim: 8, ngram: 1, filters: 16, hidden: 16, maxTokens: 48, dropout: 0, wordDropout: 0, labels: LABELS },
  tiny: { vocabSize: 300, embedDim: 8, ngram: 2, filters: 8, hidden: 8, maxTokens: 32, dropout: 0, wordDropout: 0, labels: LABELS },
};

/** Parameters of a classifier with `config`, without building it: E + W_conv + c + W₁ + b₁ + W₂ + b₂. */
export function classifierParameterCount(config: ClassifierConfig): number {
  const { vocabSize, embedDim, ngram, filters, hidden, labels } = config;
  return vocabSize * embedDim + ngram * embedDim * filters + filters + 2 * filters * hidden + hidden + hidden * labels.length + labels.length;
}
