/**
 * Mini-batches of labelled texts for the classifier: a fresh seeded permutation every epoch, and a cursor that
 * identifies the position exactly so a checkpoint can resume mid-epoch.
 */
import { createRng, deriveSeed } from '../../engine/rng.ts';
import { padIds } from '../word-layers/token-batch.ts';
import type { ClassifierBatch, ClassifierBatchSource } from './network.ts';

export interface LabelledSequences {
  /** Token ids per example (already encoded; cut to the model's maxTokens when batched). */
  sequences: readonly (readonly number[])[];
  /** Per example, a probability distribution over the labels (one-hot for hard labels). */
  targets: readonly (readonly number[])[];
}

/** One-hot rows for hard labels. */
export function oneHotTargets(labels: readonly number[], classes: number): number[][] {
  return labels.map((label) => Array.from({ length: classes }, (_, c) => (c === label ? 1 : 0)));
}

/**
 * An endless, reproducible stream of batches: epoch e visits every example once in the order of a shuffle seeded by
 * (seed, e); the last batch of an epoch may be smaller.
 *
 * @example const batches = classifierBatches(data, { batchSize: 64, maxTokens: 400, seed: 1 });
 */
export function classifierBatches(
  data: LabelledSequences,
  options: { batchSize: number; maxTokens: number; seed: number },
): ClassifierBatchSource {
  const n = data.sequences.length;
  if (n === 0) throw new RangeError('cannot batch an empty training set');
  if (data.targets.length !== n) throw new RangeError(`${n} sequences but ${data.targets.length} targets`);
  const { batchSize, maxTokens, seed } = options;
  const perEpoch = Math.ceil(n / batchSize);
  const classes = data.targets[0].length;
  let cursor = 0;
  let cachedEpoch = -1;
  let order: number[] = [];

  const orderOf = (epoch: number): number[] => {
    if (epoch !== cachedEpoch) {
      order = createRng(deriveSeed(seed, `epoch/${epoch}`)).shuffle(Array.from({ length: n }, (_, i) => i));
      cachedEpoch = epoch;
    }
    return order;
  };

  return {
    itemsPerBatch: batchSize,
    next(): ClassifierBatch {
      const epoch = Math.floor(cursor / perEpoch);
      const start = (cursor % perEpoch) * batchSize;
      const rows = orderOf(epoch).slice(start, start + batchSize);
      cursor++;
      const padded = padIds(
        rows.map((i) => data.sequences[i]),
        maxTokens,
      );
      const targets = new Float32Array(rows.length * classes);
      rows.forEach((i, r) => {
        targets.set(data.targets[i], r * classes);
      });
      return { ...padded, targets };
    },
    cursor: () => cursor,
    seek(position: number): void {
      cursor = position;
    },
  };
}
