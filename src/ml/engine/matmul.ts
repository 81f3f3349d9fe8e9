/**
 * Matrix products for model code. Every matMul in Moat's models goes through `matMulFast`: tfjs's own matMul gradient
 * calls matMul with transposeA/transposeB, which hits a 5–10× slower path on tfjs-backend-wasm 4.22; materialising the
 * transposes makes a transformer training step ~4× faster (engine-notes §4).
 */
import * as tf from '@tensorflow/tfjs';

/** Swaps the last two axes (a matrix transpose, batched over any leading axes). */
export function swapLastTwo<T extends tf.Tensor>(x: T): T {
  if (x.rank < 2) throw new Error(`swapLastTwo needs rank ≥ 2, got shape [${x.shape.join(', ')}]`);
  if (x.rank === 2) return tf.transpose(x);
  const perm = [...Array(x.rank - 2).keys(), x.rank - 1, x.rank - 2];
  return tf.transpose(x, perm);
}

const matMulExplicitTransposes = tf.customGrad((...args) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const g = dy as tf.Tensor;
      const [sa, sb] = saved;
      return [tf.matMul(g, swapLastTwo(sb)), tf.matMul(swapLastTwo(sa), g)];
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

let builtinGradient = false;

/**
 * Benchmarks only: make `matMulFast` a plain `tf.matMul` with tfjs's own gradient, to measure what the explicit
 * transposes buy in the same run (bench/ml-engine.ts). Process-wide; switch it back off afterwards.
 */
export function useBuiltinMatMulGradient(on: boolean): void {
  builtinGradient = on;
}

/**
 * Y = A·B (rank 2, or batched rank ≥ 3 with equal leading axes) whose backward pass is
 * dA = dY·Bᵀ and dB = Aᵀ·dY with the transposes materialised. For A·Bᵀ pass `swapLastTwo(b)`.
 */
export function matMulFast(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return builtinGradient ? tf.matMul(a, b) : matMulExplicitTransposes(a, b);
}
