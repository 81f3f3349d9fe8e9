/**
 * What a model family (lm, classifier, embedder) provides so that the registry, the `moat train` command and the
 * training worker can handle every family the same way. Families implement this next to their model code and are
 * listed in src/ml/registry.ts.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BuiltinModel } from './contracts.ts';
import type { BatchSource, ModelFamilyName, ModelSize, TrainableModel } from './engine/module.ts';

/** A saved model as read back from disk, before the family rebuilds it. */
export interface SavedModel {
  size: ModelSize;
  /** Served name (`moat-lm-teacher`). */
  name: string;
  /** Whatever `model.spec()` returned when it was saved; the family validates it. */
  spec: unknown;
  /** Parameters by name; the registry disposes them after `restore`. */
  tensors: ReadonlyMap<string, tf.Tensor>;
  /** The model.json path, for error messages. */
  source: string;
}

export interface TrainingDefaults {
  steps: number;
  /** Peak learning rate. */
  lr: number;
  warmup: number;
  evalEvery: number;
  /** Evaluations without improvement before early stopping. */
  patience: number;
  checkpointEvery: number;
}

/** Data and evaluation for one training run of one model. */
export interface TrainingPlan<B> {
  batches: BatchSource<B>;
  /** Held-out loss on a fixed subset: cheap enough to run every `evalEvery` steps; drives early stopping. */
  evaluate(): number;
  /** Final metrics on the whole held-out set, e.g. `{ heldOutLoss, heldOutBpc }`; written to train-log.json. */
  finalReport(): Record<string, number>;
  defaults: TrainingDefaults;
  /** Describes the data for the train log (corpus, split, sizes). */
  data: Record<string, unknown>;
}

export interface ModelFamily<M extends TrainableModel<B>, B> {
  readonly family: ModelFamilyName;
  /** A freshly initialised model; may load its corpus (e.g. to build a vocabulary). */
  create(size: ModelSize, seed: number, name: string): Promise<M>;
  /** Rebuilds a saved model; throws `ModelFileError` (naming `saved.source`) if the spec or tensors do not fit. */
  restore(saved: SavedModel): M;
  prepareTraining(model: M, seed: number): Promise<TrainingPlan<B>>;
  /** The contract the rest of Moat sees (src/ml/contracts.ts). */
  toBuiltin(model: M): BuiltinModel;
}

/** Any family, as the registry stores them. */
export type AnyModelFamily = ModelFamily<TrainableModel<unknown>, unknown>;
