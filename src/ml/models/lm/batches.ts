/**
 * Training batches for an LM: windows of length T + 1 cut from one long token stream (inputs = first T, targets = the
 * T shifted by one). Each epoch starts the window grid at a random offset in [0, T) and visits the windows in a random
 * order, so every epoch covers the corpus once without repeats and different epochs see different boundaries.
 */
import type { BatchSource } from '../../engine/module.ts';
import { createRng, deriveSeed } from '../../engine/rng.ts';
import type { LmBatch } from './model.ts';

interface Epoch {
  index: number;
  /** Start positions of this epoch's windows, shuffled. */
  starts: number[];
  batches: number;
}

/**
 * A `BatchSource` over `tokens`. The epoch layout is a pure function of (seed, epoch index), so `seek` can jump to any
 * cursor without replaying batches.
 *
 * @example
 * const batches = new WindowBatches(tokenizer.encode(text), { batchSize: 32, length: 96, seed: 1 });
 */
export class WindowBatches implements BatchSource<LmBatch> {
  readonly itemsPerBatch: number;
  private epoch: Epoch;
  private inEpoch = 0;
  private drawn = 0;

  constructor(
    private readonly tokens: Int32Array | readonly number[],
    private readonly options: { batchSize: number; length: number; seed: number },
  ) {
    const { batchSize, length } = options;
    if (tokens.length < batchSize * (length + 1) + length) {
      throw new Error(`corpus of ${tokens.length} tokens is too short for batches of ${batchSize}×${length + 1}`);
    }
    this.itemsPerBatch = batchSize * length;
    this.epoch = this.layout(0);
  }

  next(): LmBatch {
    if (this.inEpoch >= this.epoch.batches) {
      this.epoch = this.layout(this.epoch.index + 1);
      this.inEpoch = 0;
    }
    const { batchSize, length } = this.options;
    const inputs = new Int32Array(batchSize * length);
    const targets = new Int32Array(batchSize * length);
    for (let b = 0; b < batchSize; b++) {
      const start = this.epoch.starts[this.inEpoch * batchSize + b];
      for (let i = 0; i < length; i++) {
        inputs[b * length + i] = this.tokens[start + i];
        targets[b * length + i] = this.tokens[start + i + 1];
      }
    }
    this.inEpoch += 1;
    this.drawn += 1;
    return { inputs, targets, batchSize, length };
  }

  cursor(): number {
    return this.drawn;
  }

  seek(cursor: number): void {
    let epoch = this.layout(0);
    let remaining = cursor;
    while (remaining > epoch.batches) {
      remaining -= epoch.batches;
      epoch = this.layout(epoch.index + 1);
    }
    this.epoch = epoch;
    this.inEpoch = remaining;
    this.drawn = cursor;
  }

  private layout(index: number): Epoch {
    const { batchSize, length, seed } = this.options;
    const rng = createRng(deriveSeed(seed, `lm-epoch-${index}`));
    const offset = rng.int(length);
    const starts: number[] = [];
    for (let s = offset; s + length + 1 <= this.tokens.length; s += length) starts.push(s);
    rng.shuffle(starts);
    return { index, starts, batches: Math.floor(starts.length / batchSize) };
  }
}
