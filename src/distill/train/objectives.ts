/**
 * A student plus a distillation loss, as the shared training loop sees it (`Trainable`): the student's parameters,
 * and a loss on a batch of harvested examples built from src/distill/train/losses.ts. `evalLoss` is the same loss
 * without dropout, for held-out evaluation and early stopping.
 */
import * as tf from '@tensorflow/tfjs';
import type { Trainable } from '../../ml/engine/module.ts';
import type { Rng } from '../../ml/engine/rng.ts';
import type { ClassifierNetwork } from '../../ml/models/classifier/network.ts';
import type { EmbedderNetwork } from '../../ml/models/embedder/network.ts';
import type { CharLm } from '../../ml/models/lm/model.ts';
import { dropWords, type PaddedIds, padIds } from '../../ml/models/word-layers/token-batch.ts';
import type { ClassifierExample, EmbeddingExample, LmExample } from './examples.ts';
import { embeddingCosineLoss, embeddingMseLoss, hintonKdLoss, sequenceKdLoss, topKForwardKlLoss } from './losses.ts';

export const LOSSES = ['hinton', 'seq-kd', 'topk-kl', 'mse', 'cosine'] as const;
export type DistillLoss = (typeof LOSSES)[number];

export interface LossSettings {
  loss: DistillLoss;
  /** Weight of the soft (teacher distribution) term; 1 − alpha goes to the hard / sequence term. */
  alpha: number;
  temperature: number;
}

export interface DistillObjective<E, B> extends Trainable<B> {
  build(rows: readonly E[]): B;
  evalLoss(batch: B): number;
}

/** Which losses each student family accepts, and its default. */
export const FAMILY_LOSSES = {
  classifier: { allowed: ['hinton', 'seq-kd'], default: 'hinton' },
  lm: { allowed: ['topk-kl', 'seq-kd'], default: 'topk-kl' },
  embedder: { allowed: ['cosine', 'mse'], default: 'cosine' },
} as const satisfies Record<string, { allowed: readonly DistillLoss[]; default: DistillLoss }>;

interface ClassifierDistillBatch extends PaddedIds {
  teacherLogProbs: Float32Array;
  teacherLabels: Int32Array;
}

/** Hinton KD (or plain CE on the teacher's label for `seq-kd`) for a classifier student. */
export function classifierObjective(student: ClassifierNetwork, s: LossSettings): DistillObjective<ClassifierExample, ClassifierDistillBatch> {
  const classes = student.config.labels.length;
  const lossOf = (batch: ClassifierDistillBatch, rng?: Rng): tf.Scalar =>
    tf.tidy(() => {
      const input = rng === undefined ? batch : dropWords(batch, student.config.wordDropout, rng);
      const logits = student.logits(input, rng === undefined ? undefined : rng.int(2 ** 31));
      const labels = tf.tensor1d(batch.teacherLabels, 'int32');
      if (s.loss === 'seq-kd') return sequenceKdLoss(logits, labels);
      const teacher = tf.tensor2d(batch.teacherLogProbs, [batch.rows, classes]);
      return hintonKdLoss(logits, teacher, { temperature: s.temperature, alpha: s.alpha, hardLabels: labels });
    });
  return {
    params: student.params,
    build(rows) {
      return {
        ...padIds(
          rows.map((r) => r.ids),
          student.config.maxTokens,
        ),
        teacherLogProbs: Float32Array.from(rows.flatMap((r) => r.teacherLogProbs)),
        teacherLabels: Int32Array.from(rows.map((r) => r.teacherLabel)),
      };
    },
    loss: (batch, rng) => lossOf(batch, rng),
    evalLoss: (batch) => tf.tidy(() => lossOf(batch).dataSync()[0]),
  };
}

interface LmDistillBatch {
  inputs: Int32Array;
  targets: Int32Array;
  /** 1 where the target is a teacher-generated token. */
  seqWeights: Float32Array;
  topIds: Float32Array;
  topLogprobs: Float32Array;
  /** 1 where the teacher's top-k is known for the target. */
  klWeights: Float32Array;
  rows: number;
  length: number;
  k: number;
}

/** Sequence-level KD on the teacher's text, mixed (by alpha) with forward KL on its top-k for `topk-kl`. */
export function lmObjective(student: CharLm, s: LossSettings): DistillObjective<LmExample, LmDistillBatch> {
  const lossOf = (b: LmDistillBatch): tf.Scalar =>
    tf.tidy(() => {
      const logits = student.forward(tf.tensor2d(b.inputs, [b.rows, b.length], 'int32'));
      const seq = sequenceKdLoss(logits, tf.tensor1d(b.targets, 'int32'), tf.tensor1d(b.seqWeights));
      if (s.loss === 'seq-kd' || b.k === 0) return seq;
      const ids = tf.tensor2d(b.topIds, [b.rows * b.length, b.k]);
      const kl = topKForwardKlLoss(logits, ids, tf.tensor2d(b.topLogprobs, [b.rows * b.length, b.k]), tf.tensor1d(b.klWeights));
      return tf.add(tf.mul(kl, s.alpha), tf.mul(seq, 1 - s.alpha)) as tf.Scalar;
    });
  return {
    params: student.params,
    build(rows) {
      const length = Math.max(1, ...rows.map((r) => r.tokens.length - 1));
      const k = Math.max(0, ...rows.flatMap((r) => [...r.topK.values()].map((t) => t.ids.length)));
      const n = rows.length * length;
      const batch: LmDistillBatch = {
        inputs: new Int32Array(n),
        targets: new Int32Array(n),
        seqWeights: new Float32Array(n),
        topIds: new Float32Array(n * k).fill(-1),
        topLogprobs: new Float32Array(n * k),
        klWeights: new Float32Array(n),
        rows: rows.length,
        length,
        k,
      };
      rows.forEach((r, b) => {
        for (let i = 0; i + 1 < r.tokens.length; i++) {
          const at = b * length + i;
          batch.inputs[at] = r.tokens[i];
          batch.targets[at] = r.tokens[i + 1];
          if (i + 1 >= r.completionStart) batch.seqWeights[at] = 1;
          const top = r.topK.get(i + 1);
          if (top !== undefined) {
            batch.klWeights[at] = 1;
            top.ids.forEach((id, j) => {
              batch.topIds[at * k + j] = id;
              batch.topLogprobs[at * k + j] = top.logprobs[j];
            });
          }
        }
      });
      return batch;
    },
    loss: (batch) => lossOf(batch),
    evalLoss: (batch) => tf.tidy(() => lossOf(batch).dataSync()[0]),
  };
}

interface EmbeddingDistillBatch extends PaddedIds {
  teacher: Float32Array;
}

/** Cosine or MSE between the student's unit-norm embeddings and the teacher's vectors. */
export function embedderObjective(student: EmbedderNetwork, s: LossSettings): DistillObjective<EmbeddingExample, EmbeddingDistillBatch> {
  const d = student.config.dimensions;
  const lossOf = (batch: EmbeddingDistillBatch, rng?: Rng): tf.Scalar =>
    tf.tidy(() => {
      const input = rng === undefined ? batch : dropWords(batch, student.config.wordDropout, rng);
      const emb = student.encode(input);
      const teacher = tf.tensor2d(batch.teacher, [batch.rows, d]);
      return s.loss === 'mse' ? embeddingMseLoss(emb, teacher) : embeddingCosineLoss(emb, teacher);
    });
  return {
    params: student.params,
    build(rows) {
      return {
        ...padIds(
          rows.map((r) => r.ids),
          student.config.maxTokens,
        ),
        teacher: Float32Array.from(rows.flatMap((r) => r.teacher)),
      };
    },
    loss: (batch, rng) => lossOf(batch, rng),
    evalLoss: (batch) => tf.tidy(() => lossOf(batch).dataSync()[0]),
  };
}
