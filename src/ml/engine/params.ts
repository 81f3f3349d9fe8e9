/**
 * Named parameter collections. Models own a `ParamSet`; the training loop, optimiser, checkpoints and save/load all
 * see parameters only through it, by their stable names (`blocks.0.attn.wqkv`).
 */
import * as tf from '@tensorflow/tfjs';
import { ModelFileError } from './io.ts';
import type { Rng } from './rng.ts';

export class ParamSet {
  private readonly vars = new Map<string, tf.Variable>();

  /**
   * Adds a trainable parameter, taking ownership of `initial`. tfjs variable names are process-global, so the
   * variable gets an automatic tfjs name and `name` only lives here (two models may both have `head.w`).
   */
  add(name: string, initial: tf.Tensor): tf.Variable {
    if (this.vars.has(name)) throw new Error(`parameter '${name}' defined twice`);
    const v = tf.variable(initial, true);
    initial.dispose();
    this.vars.set(name, v);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (v === undefined) throw new Error(`no parameter named '${name}'`);
    return v;
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  variables(): tf.Variable[] {
    return [...this.vars.values()];
  }

  entries(): [string, tf.Variable][] {
    return [...this.vars.entries()];
  }

  /** Number of scalar parameters. */
  count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  /**
   * Copies values in by name. Every parameter must be present with the same shape; `source` (a file name) is named
   * in the error so a bad file is easy to find. Extra tensors in `values` are ignored.
   */
  assign(values: ReadonlyMap<string, tf.Tensor>, source: string): void {
    for (const [name, v] of this.vars) {
      const t = values.get(name);
      if (t === undefined) throw new ModelFileError(source, `missing tensor '${name}'`);
      if (!tf.util.arraysEqual(t.shape, v.shape)) {
        throw new ModelFileError(source, `tensor '${name}' has shape [${t.shape}], the model expects [${v.shape}]`);
      }
    }
    for (const [name, v] of this.vars) v.assign(values.get(name) as tf.Tensor);
  }

  /** Fresh copies of every value, e.g. to keep the best weights seen during training. */
  snapshot(): Map<string, tf.Tensor> {
    return new Map(this.entries().map(([name, v]) => [name, tf.clone(v)]));
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/** A float32 tensor with entries drawn i.i.d. from N(0, std²) by `rng` (so init is reproducible from a seed). */
export function normalInit(rng: Rng, shape: number[], std: number): tf.Tensor {
  const values = new Float32Array(tf.util.sizeFromShape(shape));
  for (let i = 0; i < values.length; i++) values[i] = rng.normal() * std;
  return tf.tensor(values, shape, 'float32');
}
