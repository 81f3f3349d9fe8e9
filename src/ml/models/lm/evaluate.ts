/**
 * Held-out evaluation of an LM: mean cross-entropy over non-overlapping windows of held-out text, in nats per token
 * and in bits per character (bpc = nats / ln 2, one token per character).
 */
import * as tf from '@tensorflow/tfjs';
import type { CharLm } from './model.ts';

export interface HeldOutScore {
  lossNats: number;
  bitsPerChar: number;
  tokens: number;
}

/**
 * Scores `model` on `tokens`, cut into windows of the model's context length. `maxWindows` takes an evenly spaced
 * subset (for cheap periodic evaluation); the subset is fixed, so scores at different steps are comparable.
 */
export function heldOutScore(model: CharLm, tokens: Int32Array | readonly number[], options: { batchSize?: number; maxWindows?: number } = {}): HeldOutScore {
  const length = model.contextLength;
  // ~4k tokens per forward pass: big enough to amortise per-op overhead, small enough for attention's [B·H, T, T].
  const batchSize = options.batchSize ?? Math.max(1, Math.floor(4096 / length));
  const total = Math.floor((tokens.length - 1) / length);
  if (total < 1) throw new Error(`held-out text of ${tokens.length} tokens is shorter than one window of ${length + 1}`);
  const count = Math.min(total, options.maxWindows ?? total);
  const starts = Array.from({ length: count }, (_, i) => Math.floor((i * total) / count) * length);
  let sumNats = 0;
  for (let from = 0; from < starts.length; from += batchSize) {
    const chunk = starts.slice(from, from + batchSize);
    const inputs = new Int32Array(chunk.length * length);
    const targets = new Int32Array(chunk.length * length);
    chunk.forEach((s, b) => {
      for (let i = 0; i < length; i++) {
        inputs[b * length + i] = tokens[s + i];
        targets[b * length + i] = tokens[s + i + 1];
      }
    });
    const mean = tf.tidy(() => model.loss({ inputs, targets, batchSize: chunk.length, length }).dataSync()[0]);
    sumNats += mean * chunk.length * length;
  }
  const n = starts.length * length;
  return { lossNats: sumNats / n, bitsPerChar: sumNats / n / Math.LN2, tokens: n };
}
