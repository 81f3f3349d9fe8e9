/**
 * The shape every trainable built-in model family shares (lm, classifier, embedder), so one training loop, one
 * checkpoint format and one registry serve them all.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ModelInfo } from '../contracts.ts';
import type { ParamSet } from './params.ts';
import type { Rng } from './rng.ts';

export type ModelFamilyName = ModelInfo['family'];
export type ModelSize = ModelInfo['size'];
export const MODEL_SIZES = ['teacher', 'student-m', 'student-s', 'tiny'] as const satisfies readonly ModelSize[];

/** A model the training loop can optimise: parameters plus a scalar loss on one batch. */
export interface Trainable<B> {
  readonly params: ParamSet;
  /** Mean loss over `batch`, built from tfjs ops on `params` so it can be differentiated. `rng` is for dropout etc. */
  loss(batch: B, rng: Rng): tf.Scalar;
}

/** A built-in model: trainable, and savable as `{family, size, spec}` + its parameters (see src/ml/registry.ts). */
export interface TrainableModel<B = unknown> extends Trainable<B> {
  readonly family: ModelFamilyName;
  readonly size: ModelSize;
  /**
   * Everything besides the parameters needed to rebuild this model (config, vocabulary, labels), JSON-serialisable.
   * The family's `restore(spec, …)` must accept exactly this value back.
   */
  spec(): Record<string, unknown>;
  dispose(): void;
}

/**
 * Where batches come from. Deterministic given its seed; `cursor`/`seek` let a checkpoint resume mid-epoch. Batches
 * should be plain data (typed arrays): the model makes tensors inside `loss`, where the training loop's tidy frees them.
 */
export interface BatchSource<B> {
  /** Items per batch that throughput is measured in (tokens for an LM, documents for a classifier). */
  readonly itemsPerBatch: number;
  next(): B;
  /** How many batches have been drawn since the start (a data position a checkpoint can store). */
  cursor(): number;
  /** Continues as if `cursor` batches had been drawn. */
  seek(cursor: number): void;
}
