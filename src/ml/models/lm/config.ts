/**
 * Sizes of the character-level transformer LM. The vocabulary size comes from the tokenizer; everything else is fixed
 * per size so a teacher and its students see the same context length.
 */
import { z } from 'zod';
import type { ModelSize } from '../../engine/module.ts';

export const LmConfigSchema = z.object({
  vocabSize: z.number().int().min(2),
  /** T: longest context; also the number of learned position embeddings. */
  contextLength: z.number().int().min(1),
  /** d: width of the residual stream. */
  dModel: z.number().int().min(1),
  layers: z.number().int().min(1),
  heads: z.number().int().min(1),
  /** MLP hidden width = mlpRatio·d. */
  mlpRatio: z.number().int().min(1),
  /** `gelu` is the sigmoid approximation x·σ(1.702x): tanh-GELU costs ~5× more on wasm. */
  activation: z.enum(['relu', 'gelu']),
  /** Reuse the token embedding as the output projection (logits = h·Eᵀ). */
  tiedHead: z.boolean(),
}).refine((c) => c.dModel % c.heads === 0, { message: 'dModel must be divisible by heads' });

export type LmConfig = z.infer<typeof LmConfigSchema>;
export type LmShape = Omit<LmConfig, 'vocabSize'>;

/**
 * teacher ≈ 530k parameters, student-m ≈ 117k, student-s ≈ 51k (with the ~80-character Moby-Dick vocabulary);
 * `tiny` is for tests.
 */
export const LM_SIZES: Record<ModelSize, LmShape> = {
  teacher: { contextLength: 96, dModel: 128, layers: 3, heads: 4, mlpRatio: 3, activation: 'gelu', tiedHead: false },
  'student-m': { contextLength: 96, dModel: 64, layers: 2, heads: 4, mlpRatio: 4, activation: 'gelu', tiedHead: false },
  'student-s': { contextLength: 96, dModel: 48, layers: 2, heads: 4, mlpRatio: 2, activation: 'gelu', tiedHead: false },
  tiny: { contextLength: 16, dModel: 16, layers: 1, heads: 2, mlpRatio: 2, activation: 'relu', tiedHead: true },
};

/** Training hyper-parameters per size: tokens per step = batchSize·contextLength. */
export const LM_TRAINING: Record<ModelSize, { batchSize: number; steps: number; lr: number }> = {
  teacher: { batchSize: 32, steps: 1000, lr: 3e-3 },
  'student-m': { batchSize: 32, steps: 1000, lr: 3e-3 },
  'student-s': { batchSize: 32, steps: 1000, lr: 3e-3 },
  tiny: { batchSize: 4, steps: 20, lr: 1e-2 },
};
