/**
 * Positive pairs for contrastive training: each batch draws `batchSize` different sources (speeches), and two
 * different passages of each. Sources are visited in a fresh seeded order every epoch, so no source appears twice
 * in a batch (which would turn a true positive into a false negative).
 */
import { createRng, deriveSeed } from '../../engine/rng.ts';
import { padIds } from '../word-layers/token-batch.ts';
import type { PairBatch, PairBatchSource } from './network.ts';

export interface PairBatchOptions {
  batchSize: number;
  maxTokens: number;
  seed: number;
  /**
   * Share of batches drawn as a window of consecutive sources (in the given order) instead of from the epoch's
   * shuffle. With sources in year order, those batches hold speeches of neighbouring years — hard negatives that
   * share the era's vocabulary, so the model must learn more than "which century". Default 0.
   */
  localShare?: number;
}

/**
 * An endless, reproducible stream of pair batches over `sources` (each a list of encoded passages; sources with
 * fewer than two passages are skipped). Batch c depends only on (seed, c), so `seek` resumes exactly.
 *
 * @example const batches = pairBatches(speeches.map((s) => passagesOf(s)), { batchSize: 64, maxTokens: 64, seed: 1 });
 */
export function pairBatches(sources: readonly (readonly (readonly number[])[])[], options: PairBatchOptions): PairBatchSource {
  const usable = sources.filter((passages) => passages.length >= 2);
  const { maxTokens, seed } = options;
  const batchSize = Math.min(options.batchSize, usable.length);
  if (batchSize < 2) throw new RangeError(`contrastive batches need ≥ 2 sources with ≥ 2 passages, got ${usable.length}`);
  const perEpoch = Math.floor(usable.length / batchSize);
  let cursor = 0;

  return {
    itemsPerBatch: 2 * batchSize,
    next(): PairBatch {
      const epoch = Math.floor(cursor / perEpoch);
      const start = (cursor % perEpoch) * batchSize;
      const rng = createRng(deriveSeed(seed, `batch/${cursor}`));
      cursor++;
      let chosen: number[];
      if (rng.next() < (options.localShare ?? 0)) {
        const first = rng.int(usable.length - batchSize + 1);
        chosen = Array.from({ length: batchSize }, (_, i) => first + i);
      } else {
        const order = createRng(deriveSeed(seed, `epoch/${epoch}`)).shuffle(Array.from({ length: usable.length }, (_, i) => i));
        chosen = order.slice(start, start + batchSize);
      }
      const anchors: (readonly number[])[] = [];
      const positives: (readonly number[])[] = [];
      for (const s of chosen) {
        const passages = usable[s];
        const i = rng.int(passages.length);
        // A second, different passage: j uniform over the other passages.
        const j = (i + 1 + rng.int(passages.length - 1)) % passages.length;
        anchors.push(passages[i]);
        positives.push(passages[j]);
      }
      return { anchors: padIds(anchors, maxTokens), positives: padIds(positives, maxTokens) };
    },
    cursor: () => cursor,
    seek(position: number): void {
      cursor = position;
    },
  };
}
