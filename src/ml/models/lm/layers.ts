/**
 * Transformer building blocks as pure functions of tensors and parameters. Activations are kept as [N, d] matrices
 * (N = batch·time) so every projection is one rank-2 `matMulFast`; only attention reshapes to per-head batches.
 */
import * as tf from '@tensorflow/tfjs';
import { matMulFast, swapLastTwo } from '../../engine/matmul.ts';

/** y = (x − μ)/√(σ² + ε)·γ + β, with μ and σ² taken over the last axis (Ba et al. 2016). */
export function layerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor, epsilon = 1e-5): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon))), gain), bias);
}

/** y = x·W + b. */
export function dense(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.add(matMulFast(x, w), b);
}

/** ReLU, or GELU approximated by x·σ(1.702x) (Hendrycks & Gimpel 2016, §2), which is cheap on wasm. */
export function activate(x: tf.Tensor, kind: 'relu' | 'gelu'): tf.Tensor {
  return kind === 'relu' ? tf.relu(x) : tf.mul(x, tf.sigmoid(tf.mul(x, 1.702)));
}

/** Additive causal mask [T, T]: 0 where key ≤ query, −1e9 above the diagonal, so softmax gives future keys weight 0. */
export function causalMask(length: number): tf.Tensor2D {
  return tf.tidy(() => {
    const lower = tf.linalg.bandPart(tf.ones([length, length]), -1, 0);
    return tf.mul(tf.sub(1, lower), -1e9) as tf.Tensor2D;
  });
}

export interface AttentionShape {
  batch: number;
  time: number;
  heads: number;
}

/**
 * Multi-head causal self-attention on x [N = B·T, d]: per head, softmax(Q·Kᵀ/√d_h + mask)·V, heads concatenated and
 * projected by W_o. Q, K, V come from one fused [d, 3d] projection. Projections inside blocks have no biases (as in
 * PaLM / LLaMA): the LayerNorm bias already offsets their inputs, and each bias gradient is a slow column sum on wasm. The 1/√d_h scale is applied to Q ([BH, T, d_h])
 * rather than to the scores ([BH, T, T]), which is the smaller tensor for T > d_h.
 */
export function causalSelfAttention(
  x: tf.Tensor,
  p: { wqkv: tf.Tensor; wo: tf.Tensor },
  mask: tf.Tensor,
  { batch, time, heads }: AttentionShape,
): tf.Tensor {
  const d = x.shape[1] as number;
  const dh = d / heads;
  // [B, T, 3H, d_h] → [B, 3H, T, d_h] → three [B·H, T, d_h]. A rank-4 transpose and a split: the equivalent rank-5
  // transpose is ~8× slower on wasm.
  const qkv = tf.transpose(tf.reshape(matMulFast(x, p.wqkv), [batch, time, 3 * heads, dh]), [0, 2, 1, 3]);
  const [q, k, v] = tf.split(qkv, 3, 1).map((t) => tf.reshape(t, [batch * heads, time, dh]));
  const scores = tf.add(matMulFast(tf.mul(q, 1 / Math.sqrt(dh)), swapLastTwo(k)), mask);
  const mixed = matMulFast(tf.softmax(scores), v);
  const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [batch, heads, time, dh]), [0, 2, 1, 3]), [batch * time, d]);
  return matMulFast(merged, p.wo);
}
