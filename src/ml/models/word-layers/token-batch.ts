/**
 * Token-id matrices for the word-level families: texts already encoded to ids, padded with `<pad>` (id 0) on the
 * right to the longest text in the batch (capped at the model's maximum), plus the matching 0/1 mask.
 */
import * as tf from '@tensorflow/tfjs';
import { PAD_ID, UNK_ID } from '../../data/word-vocab.ts';
import type { Rng } from '../../engine/rng.ts';

export interface PaddedIds {
  /** Row-major [rows, length] ids. */
  ids: Int32Array;
  rows: number;
  /** Tokens per row, ≥ 1 so that even a batch of empty texts has a valid shape. */
  length: number;
}

/** Pads or cuts (keeping the start) each sequence to the batch's longest, at most `maxTokens`. */
export function padIds(sequences: readonly (readonly number[])[], maxTokens: number): PaddedIds {
  const length = Math.max(1, Math.min(maxTokens, Math.max(0, ...sequences.map((s) => s.length))));
  const ids = new Int32Array(sequences.length * length).fill(PAD_ID);
  sequences.forEach((seq, row) => {
    const n = Math.min(seq.length, length);
    for (let t = 0; t < n; t++) ids[row * length + t] = seq[t];
  });
  return { ids, rows: sequences.length, length };
}

/** The [rows, length] float mask, 1 where the id is not `<pad>`. Caller disposes (or tidies). */
export function maskTensor(padded: PaddedIds): tf.Tensor2D {
  return tf.tensor2d(
    padded.ids.map((id) => (id === PAD_ID ? 0 : 1)),
    [padded.rows, padded.length],
    'float32',
  );
}

/**
 * Word dropout for training: each real token becomes `<unk>` with probability `rate` (padding is left alone), so
 * the model cannot lean on a few memorised words. Returns `padded` itself when `rate` is 0.
 */
export function dropWords(padded: PaddedIds, rate: number, rng: Rng): PaddedIds {
  if (rate <= 0) return padded;
  const ids = padded.ids.map((id) => (id !== PAD_ID && rng.next() < rate ? UNK_ID : id));
  return { ...padded, ids };
}
