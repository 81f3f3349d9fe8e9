/**
 * Adam (Kingma & Ba 2015) with optional decoupled weight decay (AdamW, Loshchilov & Hutter 2019), written in raw tfjs
 * ops so its whole state (step count and both moment estimates per parameter) is named, checkpointable and restorable.
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamSet } from '../engine/params.ts';

export interface AdamOptions {
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.99: character LMs with small batches train more stably than with 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  epsilon?: number;
  /** Decoupled weight decay λ (p ← p − lr·λ·p), applied to matrices only, not to gains, biases or vectors. Default 0. */
  weightDecay?: number;
}

export class Adam {
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly weightDecay: number;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  /** Updates applied so far (t in the bias corrections). */
  step = 0;

  constructor(
    private readonly params: ParamSet,
    options: AdamOptions = {},
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.99;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    for (const [name, p] of params.entries()) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  /**
   * One update with gradients keyed by parameter name:
   * m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  p ← p − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε) − lr·λ·p.
   */
  apply(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    this.step += 1;
    const c1 = 1 - this.beta1 ** this.step;
    const c2 = 1 - this.beta2 ** this.step;
    tf.tidy(() => {
      for (const [name, p] of this.params.entries()) {
        const g = grads.get(name);
        if (g === undefined) continue;
        const m = this.m.get(name) as tf.Variable;
        const v = this.v.get(name) as tf.Variable;
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), this.epsilon));
        let next = tf.sub(p, tf.mul(update, lr));
        if (this.weightDecay > 0 && p.rank >= 2) next = tf.sub(next, tf.mul(p, lr * this.weightDecay));
        p.assign(next);
      }
    });
  }

  /** The moment estimates as named tensors (`m/<param>`, `v/<param>`), for checkpoints. */
  stateTensors(): [string, tf.Tensor][] {
    return [
      ...[...this.m].map(([name, t]): [string, tf.Tensor] => [`m/${name}`, t]),
      ...[...this.v].map(([name, t]): [string, tf.Tensor] => [`v/${name}`, t]),
    ];
  }

  /** Restores what `stateTensors` and `step` captured; `source` names the file in errors. */
  loadState(step: number, tensors: ReadonlyMap<string, tf.Tensor>, source: string): void {
    for (const [prefix, moments] of [['m', this.m], ['v', this.v]] as const) {
      for (const [name, target] of moments) {
        const t = tensors.get(`${prefix}/${name}`);
        if (t === undefined) throw new Error(`${source}: missing optimiser tensor '${prefix}/${name}'`);
        target.assign(t);
      }
    }
    this.step = step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
