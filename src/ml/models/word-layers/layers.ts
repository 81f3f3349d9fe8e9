/**
 * The layers the word-level model families (classifier, embedder) are built from, as plain functions of tensors.
 * Shapes: B = batch, T = tokens, d = embedding width, f = features. `mask` is 1 for a real token and 0 for padding.
 * Every matrix product goes through matMulFast (engine-notes §4).
 */
import * as tf from '@tensorflow/tfjs';
import { matMulFast } from '../../engine/matmul.ts';

/**
 * out[r, t, :] = table[ids[r·length + t], :], with a hand-written backward pass dTable[v] = Σ_{i: ids[i] = v} dOut[i].
 * Both directions are plain JS loops over typed arrays: on tfjs-backend-wasm 4.22 `gather` costs ~60 ms and its
 * gradient ~80 ms for a 64×400-token batch, the loops a few ms. `ids` are plain numbers, so only `table` gets a gradient.
 */
export function embed(table: tf.Tensor2D, ids: Int32Array, rows: number, length: number): tf.Tensor3D {
  const [vocab, width] = table.shape;
  if (ids.length !== rows * length) throw new RangeError(`embed: ${ids.length} ids for a ${rows}×${length} batch`);
  for (const id of ids) if (id < 0 || id >= vocab) throw new RangeError(`embed: token id ${id} outside [0, ${vocab})`);
  const lookup = tf.customGrad((...args) => {
    const t = args[0] as tf.Tensor;
    const src = t.dataSync() as Float32Array;
    const out = new Float32Array(ids.length * width);
    for (let i = 0; i < ids.length; i++) out.set(src.subarray(ids[i] * width, (ids[i] + 1) * width), i * width);
    return {
      value: tf.tensor3d(out, [rows, length, width]),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const g = (dy as tf.Tensor).dataSync() as Float32Array;
        const acc = new Float32Array(vocab * width);
        for (let i = 0; i < ids.length; i++) {
          const to = ids[i] * width;
          const from = i * width;
          for (let j = 0; j < width; j++) acc[to + j] += g[from + j];
        }
        return [tf.tensor2d(acc, [vocab, width])];
      },
    };
  }) as (t: tf.Tensor) => tf.Tensor;
  return lookup(table) as tf.Tensor3D;
}

/** y = x·W + b on the last axis of a rank-2 input. */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return tf.add(matMulFast(x, w), b) as tf.Tensor2D;
}

/**
 * A width-k convolution over token positions, h[b, t] = ReLU(Σ_{s<k} (mask·x)[b, t+s]·W_s + c), with zero vectors
 * past the end; each output feature is an n-gram detector of up to k words. `w` is [k·d, f], W_s its s-th block of d
 * rows. Padding positions are zeroed first, so a text's features do not depend on how long the other texts in its
 * batch are (without it, the last real tokens would see `<pad>` embeddings in a batch and zeros alone).
 * Computed as k products of the unshifted input whose outputs are shifted, which avoids concatenating shifted inputs
 * (concat's gradient, a SplitV, is slow on wasm).
 */
export function ngramConv(input: tf.Tensor3D, mask: tf.Tensor2D, w: tf.Tensor2D, c: tf.Tensor1D): tf.Tensor3D {
  const x = tf.mul(input, mask.expandDims(2)) as tf.Tensor3D;
  const [batch, tokens, width] = x.shape;
  const features = w.shape[1];
  const k = w.shape[0] / width;
  if (!Number.isInteger(k) || k < 1) throw new Error(`ngramConv: weight rows ${w.shape[0]} are not a multiple of ${width}`);
  const flat = x.reshape([batch * tokens, width]) as tf.Tensor2D;
  let sum = matMulFast(flat, k === 1 ? w : w.slice([0, 0], [width, features])).reshape([batch, tokens, features]);
  for (let s = 1; s < k && s < tokens; s++) {
    const y = matMulFast(flat, w.slice([s * width, 0], [width, features])).reshape([batch, tokens, features]);
    const shifted = tf.pad(y.slice([0, s, 0], [batch, tokens - s, features]), [[0, 0], [0, s], [0, 0]]);
    sum = tf.add(sum, shifted);
  }
  return tf.relu(tf.add(sum, c)) as tf.Tensor3D;
}

/** Σ_t mask·h / max(Σ_t mask, 1): the mean over real tokens (0 for an empty text, never NaN). */
export function maskedMean(h: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
  const summed = tf.sum(tf.mul(h, mask.expandDims(2)), 1);
  return tf.div(summed, tf.maximum(tf.sum(mask, 1, true), 1)) as tf.Tensor2D;
}

/**
 * max_t mask·h. Correct as a masked max only because h ≥ 0 (a ReLU output): padding contributes 0 ≤ any real value.
 * The backward pass routes dy to the positions equal to the max via 1 − step(max − x); tfjs's own max gradient
 * uses a broadcasting `equal`, which is ~20× slower on wasm.
 */
export function maskedMaxOfNonNegative(h: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
  const maxOverTokens = tf.customGrad((...args) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const m = tf.max(x, 1, true);
    save([x, m]);
    return {
      value: tf.squeeze(m, [1]),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sm] = saved;
        const atMax = tf.sub(1, tf.step(tf.sub(sm, sx)));
        return [tf.mul(tf.expandDims(dy as tf.Tensor, 1), atMax)];
      },
    };
  }) as (x: tf.Tensor) => tf.Tensor;
  return maxOverTokens(tf.mul(h, mask.expandDims(2))) as tf.Tensor2D;
}

/**
 * Attention pooling with one learned query: α = softmax_t(h[b,t]·q + (mask − 1)·10⁹), out[b] = Σ_t α_t h[b,t].
 * The −10⁹ term gives padding zero weight; an all-padding row degrades to a plain mean over its (zero) padding.
 */
export function attentionPool(h: tf.Tensor3D, mask: tf.Tensor2D, query: tf.Tensor2D): tf.Tensor2D {
  const [batch, tokens, features] = h.shape;
  const scores = matMulFast(h.reshape([batch * tokens, features]), query).reshape([batch, tokens]);
  const weights = tf.softmax(tf.add(scores, tf.mul(tf.sub(mask, 1), 1e9)));
  return tf.sum(tf.mul(h, weights.expandDims(2)), 1) as tf.Tensor2D;
}

/** Rows scaled to unit L2 norm (rows of zeros stay zero): x / max(‖x‖, 10⁻¹²). */
export function l2Normalise(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D;
}

/** Inverted dropout at `rate` with a seed from the caller's rng, so training stays reproducible. */
export function dropout<T extends tf.Tensor>(x: T, rate: number, seed: number): T {
  return rate > 0 ? (tf.dropout(x, rate, undefined, seed) as T) : x;
}
