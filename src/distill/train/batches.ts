/**
 * A reproducible stream of mini-batches over any list of distillation examples: each epoch visits every example once
 * in a shuffle seeded by (seed, epoch), and the cursor identifies the position exactly so a checkpoint can resume.
 */
import type { BatchSource } from '../../ml/engine/module.ts';
import { createRng, deriveSeed } from '../../ml/engine/rng.ts';

/**
 * Batches of `batchSize` examples (the last of an epoch may be smaller), each turned into a batch by `build`.
 *
 * @example const batches = shuffledBatches(examples, 32, 1, (rows) => toBatch(rows));
 */
export function shuffledBatches<E, B>(examples: readonly E[], batchSize: number, seed: number, build: (rows: readonly E[]) => B): BatchSource<B> {
  const n = examples.length;
  if (n === 0) throw new RangeError('no training examples: the harvest has no usable records in its training part');
  const size = Math.max(1, Math.min(batchSize, n));
  const perEpoch = Math.ceil(n / size);
  let cursor = 0;
  let cachedEpoch = -1;
  let order: number[] = [];
  return {
    itemsPerBatch: size,
    next(): B {
      const epoch = Math.floor(cursor / perEpoch);
      if (epoch !== cachedEpoch) {
        order = createRng(deriveSeed(seed, `distill-epoch/${epoch}`)).shuffle(Array.from({ length: n }, (_, i) => i));
        cachedEpoch = epoch;
      }
      const start = (cursor % perEpoch) * size;
      cursor++;
      return build(order.slice(start, start + size).map((i) => examples[i]));
    },
    cursor: () => cursor,
    seek(position: number): void {
      cursor = position;
    },
  };
}
