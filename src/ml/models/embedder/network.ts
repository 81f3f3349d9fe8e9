/**
 * The embedder network as a TrainableModel, trained with a symmetric in-batch InfoNCE loss (van den Oord et al.
 * 2018; the CLIP form): row i of `anchors` and row i of `positives` are two passages of the same source, every
 * other row of the batch is a negative.
 */
import * as tf from '@tensorflow/tfjs';
import type { WordVocab } from '../../data/word-vocab.ts';
import { matMulFast, swapLastTwo } from '../../engine/matmul.ts';
import type { BatchSource, ModelSize, TrainableModel } from '../../engine/module.ts';
import { normalInit, ParamSet } from '../../engine/params.ts';
import { createRng, type Rng } from '../../engine/rng.ts';
import { attentionPool, dense, embed, l2Normalise, maskedMean, ngramConv } from '../word-layers/layers.ts';
import { dropWords, maskTensor, type PaddedIds } from '../word-layers/token-batch.ts';
import type { EmbedderConfig } from './config.ts';

/** Two aligned views: `anchors.rows === positives.rows`, and row i of each comes from the same source. */
export interface PairBatch {
  anchors: PaddedIds;
  positives: PaddedIds;
}

export type PairBatchSource = BatchSource<PairBatch>;

/** InfoNCE temperature τ: similarities are cosines in [−1, 1], and 1/τ = 20 lets the softmax become sharp. */
export const DEFAULT_INFONCE_TEMPERATURE = 0.05;

export class EmbedderNetwork implements TrainableModel<PairBatch> {
  readonly family = 'embedder' as const;
  readonly params = new ParamSet();

  /** Embeddings N(0, 0.1²); the ReLU convolution He-initialised; query and projection at std √(1/fan-in). */
  constructor(
    readonly size: ModelSize,
    readonly config: EmbedderConfig,
    readonly vocab: WordVocab,
    seed: number,
    /** Served name, e.g. `moat-embedder-teacher`. */
    readonly name = `moat-embedder-${size}`,
    readonly infoNceTemperature = DEFAULT_INFONCE_TEMPERATURE,
  ) {
    if (vocab.vocabSize > config.vocabSize) {
      throw new RangeError(`vocabulary has ${vocab.vocabSize} words, the config allows ${config.vocabSize}`);
    }
    const rng = createRng(seed);
    const { vocabSize, embedDim, ngram, filters, dimensions } = config;
    this.params.add('embed', normalInit(rng, [vocabSize, embedDim], 0.1));
    this.params.add('conv.w', normalInit(rng, [ngram * embedDim, filters], Math.sqrt(2 / (ngram * embedDim))));
    this.params.add('conv.b', tf.zeros([filters]));
    this.params.add('pool.query', normalInit(rng, [filters, 1], Math.sqrt(1 / filters)));
    this.params.add('proj.w', normalInit(rng, [2 * filters, dimensions], Math.sqrt(1 / (2 * filters))));
    this.params.add('proj.b', tf.zeros([dimensions]));
  }

  /** Unit-norm embeddings [rows, dimensions]. */
  encode(padded: PaddedIds): tf.Tensor2D {
    const p = (name: string) => this.params.get(name);
    const mask = maskTensor(padded);
    const x = embed(p('embed') as tf.Tensor2D, padded.ids, padded.rows, padded.length);
    const h = ngramConv(x, mask, p('conv.w') as tf.Tensor2D, p('conv.b') as tf.Tensor1D);
    const pooled = tf.concat([attentionPool(h, mask, p('pool.query') as tf.Tensor2D), maskedMean(h, mask)], 1) as tf.Tensor2D;
    return l2Normalise(dense(pooled, p('proj.w') as tf.Tensor2D, p('proj.b') as tf.Tensor1D));
  }

  /**
   * S = A·Bᵀ / τ, loss = ½ (CE(S, diag) + CE(Sᵀ, diag)): each anchor must pick its own positive among the batch's
   * positives, and each positive its own anchor.
   */
  loss(batch: PairBatch, rng: Rng): tf.Scalar {
    return tf.tidy(() => {
      const a = this.encode(dropWords(batch.anchors, this.config.wordDropout, rng));
      const b = this.encode(dropWords(batch.positives, this.config.wordDropout, rng));
      const scores = tf.div(matMulFast(a, swapLastTwo(b)), this.infoNceTemperature) as tf.Tensor2D;
      const identity = tf.eye(batch.anchors.rows);
      const rowLoss = tf.losses.softmaxCrossEntropy(identity, scores);
      const colLoss = tf.losses.softmaxCrossEntropy(identity, tf.transpose(scores));
      return tf.div(tf.add(rowLoss, colLoss), 2) as tf.Scalar;
    });
  }

  /** Embeddings for already padded ids as plain rows; no tensors escape. */
  embedRows(padded: PaddedIds): Float32Array[] {
    const flat = tf.tidy(() => this.encode(padded).dataSync() as Float32Array);
    const d = this.config.dimensions;
    return Array.from({ length: padded.rows }, (_, r) => flat.slice(r * d, (r + 1) * d));
  }

  spec(): Record<string, unknown> {
    return { config: this.config, vocabulary: this.vocab.toSpec(), infoNceTemperature: this.infoNceTemperature };
  }

  dispose(): void {
    this.params.dispose();
  }
}
