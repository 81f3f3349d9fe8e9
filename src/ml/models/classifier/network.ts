/**
 * The classifier network as a TrainableModel: parameters, logits, and a cross-entropy loss against target
 * distributions (one-hot for labelled data, soft teacher probabilities for distillation).
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchSource, ModelSize, TrainableModel } from '../../engine/module.ts';
import { normalInit, ParamSet } from '../../engine/params.ts';
import { createRng, type Rng } from '../../engine/rng.ts';
import type { WordVocab } from '../../data/word-vocab.ts';
import { dense, dropout, embed, maskedMaxOfNonNegative, maskedMean, ngramConv } from '../word-layers/layers.ts';
import { dropWords, maskTensor, type PaddedIds } from '../word-layers/token-batch.ts';
import type { ClassifierConfig } from './config.ts';

/** One training batch: padded ids and, per row, a probability distribution over the labels. */
export interface ClassifierBatch extends PaddedIds {
  /** Row-major [rows, labels] target probabilities; each row sums to 1. */
  targets: Float32Array;
}

export type ClassifierBatchSource = BatchSource<ClassifierBatch>;

export class ClassifierNetwork implements TrainableModel<ClassifierBatch> {
  readonly family = 'classifier' as const;
  readonly params = new ParamSet();
  /** Softmax temperature fitted on held-out data after training (calibration.ts); 1 until then. */
  temperature = 1;

  /**
   * A freshly initialised network: embeddings N(0, 0.1²), ReLU layers He-initialised (std √(2/fan-in)), the output
   * layer at std √(1/fan-in) so initial logits are small.
   */
  constructor(
    readonly size: ModelSize,
    readonly config: ClassifierConfig,
    readonly vocab: WordVocab,
    seed: number,
    /** Served name, e.g. `moat-classifier-teacher`. */
    readonly name = `moat-classifier-${size}`,
  ) {
    if (vocab.vocabSize > config.vocabSize) {
      throw new RangeError(`vocabulary has ${vocab.vocabSize} words, the config allows ${config.vocabSize}`);
    }
    const rng = createRng(seed);
    const { vocabSize, embedDim, ngram, filters, hidden, labels } = config;
    const zeros = (n: number) => tf.zeros([n]);
    this.params.add('embed', normalInit(rng, [vocabSize, embedDim], 0.1));
    this.params.add('conv.w', normalInit(rng, [ngram * embedDim, filters], Math.sqrt(2 / (ngram * embedDim))));
    this.params.add('conv.b', zeros(filters));
    this.params.add('hidden.w', normalInit(rng, [2 * filters, hidden], Math.sqrt(2 / (2 * filters))));
    this.params.add('hidden.b', zeros(hidden));
    this.params.add('out.w', normalInit(rng, [hidden, labels.length], Math.sqrt(1 / hidden)));
    this.params.add('out.b', zeros(labels.length));
  }

  /** Unnormalised log-probabilities [rows, labels]. `dropoutSeed` switches training-time dropout on. */
  logits(padded: PaddedIds, dropoutSeed?: number): tf.Tensor2D {
    const p = (name: string) => this.params.get(name);
    const mask = maskTensor(padded);
    const x = embed(p('embed') as tf.Tensor2D, padded.ids, padded.rows, padded.length);
    const h = ngramConv(x, mask, p('conv.w') as tf.Tensor2D, p('conv.b') as tf.Tensor1D);
    let pooled = tf.concat([maskedMean(h, mask), maskedMaxOfNonNegative(h, mask)], 1);
    if (dropoutSeed !== undefined) pooled = dropout(pooled, this.config.dropout, dropoutSeed);
    const z = tf.relu(dense(pooled, p('hidden.w') as tf.Tensor2D, p('hidden.b') as tf.Tensor1D));
    return dense(z, p('out.w') as tf.Tensor2D, p('out.b') as tf.Tensor1D);
  }

  /** Mean over rows of −Σ_c target_c · log softmax(logits)_c (cross-entropy; equals the KL to soft targets + const). */
  loss(batch: ClassifierBatch, rng: Rng): tf.Scalar {
    return tf.tidy(() => {
      const logits = this.logits(dropWords(batch, this.config.wordDropout, rng), rng.int(2 ** 31));
      const targets = tf.tensor2d(batch.targets, [batch.rows, this.config.labels.length]);
      return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1))) as tf.Scalar;
    });
  }

  /** Logits for already padded ids, without dropout; plain numbers, no tensors escape. */
  predictLogits(padded: PaddedIds): Float32Array {
    return tf.tidy(() => {
      return this.logits(padded).dataSync() as Float32Array;
    });
  }

  spec(): Record<string, unknown> {
    return { config: this.config, vocabulary: this.vocab.toSpec(), temperature: this.temperature };
  }

  dispose(): void {
    this.params.dispose();
  }
}
