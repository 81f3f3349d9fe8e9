/**
 * Character-level causal transformer (GPT-style, pre-LayerNorm): token + learned position embeddings → L blocks of
 * [x + Attn(LN(x)), x + MLP(LN(x))] → final LN → linear head. Built from raw tfjs ops on a named `ParamSet`.
 */
import * as tf from '@tensorflow/tfjs';
import type { LanguageModel, ModelInfo } from '../../contracts.ts';
import { matMulFast } from '../../engine/matmul.ts';
import type { ModelSize, TrainableModel } from '../../engine/module.ts';
import { normalInit, ParamSet } from '../../engine/params.ts';
import { createRng, deriveSeed, type Rng } from '../../engine/rng.ts';
import { type LmConfig, LmConfigSchema } from './config.ts';
import { activate, causalMask, causalSelfAttention, dense, layerNorm } from './layers.ts';
import type { CharTokenizer } from './tokenizer.ts';

/** Inputs and next-token targets, both [batchSize, length] row-major. Plain data: tensors are made inside `loss`. */
export interface LmBatch {
  inputs: Int32Array;
  targets: Int32Array;
  batchSize: number;
  length: number;
}

export class CharLm implements TrainableModel<LmBatch>, LanguageModel {
  readonly family = 'lm';
  readonly params = new ParamSet();
  readonly info: ModelInfo;
  private readonly mask: tf.Tensor2D;

  /** Fresh weights from `seed`: N(0, 0.02²), residual output projections scaled by 1/√(2L) (GPT-2), LN γ=1, β=0. */
  constructor(
    readonly config: LmConfig,
    readonly tokenizer: CharTokenizer,
    readonly size: ModelSize,
    seed: number,
    name = `moat-lm-${size}`,
  ) {
    LmConfigSchema.parse(config);
    if (tokenizer.vocabSize !== config.vocabSize) {
      throw new Error(`tokenizer has ${tokenizer.vocabSize} ids, config.vocabSize is ${config.vocabSize}`);
    }
    const { vocabSize: v, contextLength: t, dModel: d, layers, mlpRatio } = config;
    const rng = createRng(deriveSeed(seed, 'lm-init'));
    const p = this.params;
    const std = 0.02;
    const residualStd = std / Math.sqrt(2 * layers);
    p.add('tok_emb', normalInit(rng, [v, d], std));
    p.add('pos_emb', normalInit(rng, [t, d], std));
    for (let i = 0; i < layers; i++) {
      const b = `blocks.${i}`;
      p.add(`${b}.ln1.g`, tf.ones([d]));
      p.add(`${b}.ln1.b`, tf.zeros([d]));
      p.add(`${b}.attn.wqkv`, normalInit(rng, [d, 3 * d], std));
      p.add(`${b}.attn.wo`, normalInit(rng, [d, d], residualStd));
      p.add(`${b}.ln2.g`, tf.ones([d]));
      p.add(`${b}.ln2.b`, tf.zeros([d]));
      p.add(`${b}.mlp.w1`, normalInit(rng, [d, mlpRatio * d], std));
      p.add(`${b}.mlp.w2`, normalInit(rng, [mlpRatio * d, d], residualStd));
    }
    p.add('ln_f.g', tf.ones([d]));
    p.add('ln_f.b', tf.zeros([d]));
    if (!config.tiedHead) p.add('head.w', normalInit(rng, [d, v], std));
    p.add('head.b', tf.zeros([v]));
    this.mask = causalMask(t);
    this.info = { name, family: 'lm', size, parameterCount: p.count() };
  }

  get contextLength(): number {
    return this.config.contextLength;
  }

  /** Final hidden states [B·T, d] (after the last LayerNorm) for token ids [B, T], T ≤ contextLength. */
  hidden(ids: tf.Tensor2D): tf.Tensor2D {
    const [batch, time] = ids.shape;
    const { dModel: d, layers, heads, activation, contextLength } = this.config;
    if (time > contextLength) throw new Error(`sequence length ${time} exceeds the context length ${contextLength}`);
    const p = (name: string): tf.Tensor => this.params.get(name);
    const tokens = tf.gather(p('tok_emb'), tf.reshape(ids, [-1]));
    const positions = tf.slice(p('pos_emb'), [0, 0], [time, d]);
    let x = tf.reshape(tf.add(tf.reshape(tokens, [batch, time, d]), positions), [batch * time, d]);
    const mask = tf.slice(this.mask, [0, 0], [time, time]);
    for (let i = 0; i < layers; i++) {
      const b = `blocks.${i}`;
      const attn = { wqkv: p(`${b}.attn.wqkv`), wo: p(`${b}.attn.wo`) };
      x = tf.add(x, causalSelfAttention(layerNorm(x, p(`${b}.ln1.g`), p(`${b}.ln1.b`)), attn, mask, { batch, time, heads }));
      const h = activate(matMulFast(layerNorm(x, p(`${b}.ln2.g`), p(`${b}.ln2.b`)), p(`${b}.mlp.w1`)), activation);
      x = tf.add(x, matMulFast(h, p(`${b}.mlp.w2`)));
    }
    return layerNorm(x, p('ln_f.g'), p('ln_f.b')) as tf.Tensor2D;
  }

  /** Logits [rows, V] for hidden states [rows, d]. */
  head(hidden: tf.Tensor2D): tf.Tensor2D {
    const w = this.config.tiedHead ? tf.transpose(this.params.get('tok_emb')) : this.params.get('head.w');
    return dense(hidden, w, this.params.get('head.b')) as tf.Tensor2D;
  }

  /** Next-token logits [B·T, V] at every position of ids [B, T]: row b·T + t predicts token t + 1. */
  forward(ids: tf.Tensor2D): tf.Tensor2D {
    return this.head(this.hidden(ids));
  }

  /** Mean cross-entropy (nats per token) of the targets under the model. */
  loss(batch: LmBatch, _rng?: Rng): tf.Scalar {
    const ids = tf.tensor2d(batch.inputs, [batch.batchSize, batch.length], 'int32');
    const labels = tf.oneHot(tf.tensor1d(batch.targets, 'int32'), this.config.vocabSize);
    return tf.losses.softmaxCrossEntropy(labels, this.forward(ids)) as tf.Scalar;
  }

  /** See LanguageModel.positionLogits: one forward pass scores every position of every row. */
  positionLogits(rows: readonly (readonly number[])[]): { logits: Float32Array; time: number } {
    const time = Math.max(1, ...rows.map((r) => r.length));
    if (time > this.config.contextLength) throw new RangeError(`row of ${time} tokens exceeds the context length ${this.config.contextLength}`);
    const ids = new Int32Array(rows.length * time);
    rows.forEach((row, b) => {
      for (let i = 0; i < row.length; i++) {
        const id = row[i] as number;
        if (!Number.isInteger(id) || id < 0 || id >= this.config.vocabSize) throw new RangeError(`token id ${id} is outside the vocabulary (0–${this.config.vocabSize - 1})`);
        ids[b * time + i] = id;
      }
    });
    const logits = tf.tidy(() => this.forward(tf.tensor2d(ids, [rows.length, time], 'int32')).dataSync() as Float32Array);
    return { logits, time };
  }

  /**
   * Next-token logits after each context. Contexts longer than T keep their last T tokens; an empty context reads
   * as a paragraph start ('\n'). Contexts are right-padded into one batch: causal attention means padding after the
   * last real token cannot change its logits.
   */
  nextLogits(contexts: readonly (readonly number[])[]): Float32Array[] {
    if (contexts.length === 0) return [];
    const t = this.config.contextLength;
    const start = this.tokenizer.encode('\n');
    const rows = contexts.map((c) => (c.length === 0 ? start : c.length > t ? c.slice(c.length - t) : c));
    const time = Math.max(...rows.map((r) => r.length));
    const ids = new Int32Array(rows.length * time);
    const lastIndex = new Int32Array(rows.length);
    rows.forEach((row, b) => {
      for (let i = 0; i < row.length; i++) {
        const id = row[i];
        if (!Number.isInteger(id) || id < 0 || id >= this.config.vocabSize) {
          throw new RangeError(`token id ${id} is outside the vocabulary (0–${this.config.vocabSize - 1})`);
        }
        ids[b * time + i] = id;
      }
      lastIndex[b] = b * time + row.length - 1;
    });
    const flat = tf.tidy(() => {
      const h = this.hidden(tf.tensor2d(ids, [rows.length, time], 'int32'));
      return this.head(tf.gather(h, tf.tensor1d(lastIndex, 'int32'))).dataSync() as Float32Array;
    });
    const v = this.config.vocabSize;
    return rows.map((_, b) => flat.slice(b * v, (b + 1) * v));
  }

  spec(): Record<string, unknown> {
    return { config: this.config, vocabulary: [...this.tokenizer.chars] };
  }

  dispose(): void {
    this.params.dispose();
    this.mask.dispose();
  }
}
