/**
 * One forward/backward pass: the loss on a batch and the gradient of every parameter, clipped by global norm.
 */
import * as tf from '@tensorflow/tfjs';
import type { Trainable } from '../engine/module.ts';
import type { Rng } from '../engine/rng.ts';

export interface StepGradients {
  loss: number;
  /** ‖g‖₂ over all parameters before clipping. */
  norm: number;
  /** Keyed by parameter name; the caller disposes them. */
  grads: Map<string, tf.Tensor>;
}

/**
 * Loss and gradients for `batch`. If the global norm ‖g‖ = √Σ‖gᵢ‖² exceeds `clipNorm`, every gradient is scaled by
 * clipNorm/‖g‖ (Pascanu et al. 2013), which keeps the direction and bounds the step after a loss spike.
 */
export function computeGradients<B>(model: Trainable<B>, batch: B, rng: Rng, clipNorm: number): StepGradients {
  const entries = model.params.entries();
  const nameOf = new Map(entries.map(([name, v]) => [v.name, name]));
  const { value, grads } = tf.variableGrads(() => model.loss(batch, rng), entries.map(([, v]) => v));
  const loss = value.dataSync()[0];
  value.dispose();
  const list = Object.entries(grads);
  const norm = tf.tidy(() => Math.sqrt(tf.addN(list.map(([, g]) => tf.sum(tf.square(g)))).dataSync()[0]));
  const scale = Number.isFinite(clipNorm) && norm > clipNorm ? clipNorm / norm : 1;
  const out = new Map<string, tf.Tensor>();
  for (const [tfName, g] of list) {
    const name = nameOf.get(tfName);
    if (name === undefined) throw new Error(`gradient for unknown variable ${tfName}`);
    if (scale === 1) {
      out.set(name, g);
    } else {
      out.set(name, tf.mul(g, scale));
      g.dispose();
    }
  }
  return { loss, norm, grads: out };
}
