/**
 * Active selection: spend teacher queries where the student is least sure (ActiveThief, MARICH). Given a pool of
 * candidate inputs and an injectable scoring function — the current student's uncertainty, or its disagreement
 * with another model — the selector picks the next batch: the highest scores, plus an optional share drawn at
 * random so the student keeps seeing the whole distribution (pure uncertainty sampling clusters on one boundary).
 */
import { createRng, type Rng } from '../../ml/engine/rng.ts';
import { itemText, type PromptItem } from './types.ts';

/** Higher = more worth asking the teacher about. One finite score per input, in order. */
export type UncertaintyScorer = (inputs: readonly string[]) => readonly number[] | Promise<readonly number[]>;

export interface ActiveSelectorOptions {
  score: UncertaintyScorer;
  /** Share of each batch picked uniformly at random from the rest of the pool (0–1; default 0). */
  explore?: number;
  /** Seeds tie-breaking and exploration. */
  seed?: number;
}

export interface ActiveSelector {
  /**
   * The next `batchSize` items from `pool`, skipping items this selector already returned (so repeated rounds over
   * the same pool never pick an item twice). Fewer when the pool runs out.
   */
  selectNext(pool: readonly PromptItem[], batchSize: number): Promise<PromptItem[]>;
  /** Items returned so far. */
  readonly selected: number;
}

/** Builds a selector around a scorer (see `classifierUncertainty` to wrap a student's predict). */
export function createActiveSelector(options: ActiveSelectorOptions): ActiveSelector {
  const explore = options.explore ?? 0;
  if (!(explore >= 0 && explore <= 1)) throw new RangeError(`explore must be in [0, 1], got ${explore}`);
  const rng = createRng(options.seed ?? 1);
  const taken = new Set<string>();
  return {
    get selected() {
      return taken.size;
    },
    async selectNext(pool, batchSize) {
      const candidates = pool.filter((item) => !taken.has(keyOf(item)));
      if (candidates.length === 0 || batchSize <= 0) return [];
      const scores = await options.score(candidates.map(itemText));
      if (scores.length !== candidates.length) throw new RangeError(`the scorer returned ${scores.length} scores for ${candidates.length} inputs`);
      const bad = scores.findIndex((s) => !Number.isFinite(s));
      if (bad >= 0) throw new RangeError(`the scorer returned ${scores[bad]} for input ${bad}; scores must be finite`);
      const n = Math.min(batchSize, candidates.length);
      const randomCount = Math.round(n * explore);
      // Random tie-breaks: equal scores (e.g. an untrained student) must not always favour the start of the pool.
      const ranked = candidates.map((item, i) => ({ item, score: scores[i], tie: rng.next() })).sort((a, b) => b.score - a.score || a.tie - b.tie);
      const chosen = ranked.slice(0, n - randomCount).map((r) => r.item);
      chosen.push(...sample(ranked.slice(n - randomCount).map((r) => r.item), randomCount, rng));
      for (const item of chosen) taken.add(keyOf(item));
      return chosen;
    },
  };
}

/** Shannon entropy in nats of a probability row (0 for a one-hot row). */
export function entropy(probabilities: readonly number[]): number {
  let h = 0;
  for (const p of probabilities) if (p > 0) h -= p * Math.log(p);
  return h;
}

/** 1 − (p₁ − p₂): 1 when the two most likely classes tie, 0 when the top class is certain. */
export function marginUncertainty(probabilities: readonly number[]): number {
  let first = 0;
  let second = 0;
  for (const p of probabilities) {
    if (p > first) [first, second] = [p, first];
    else if (p > second) second = p;
  }
  return 1 - (first - second);
}

/** Total-variation distance between two models' rows: 0 when they agree exactly, 1 when disjoint. */
export function disagreement(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`rows have ${a.length} and ${b.length} classes`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i] - b[i]);
  return d / 2;
}

/** Wraps a classifier student's `predict` (rows of class probabilities) as a scorer by entropy or margin. */
export function classifierUncertainty(
  predict: (texts: readonly string[]) => readonly (readonly number[])[] | Promise<readonly (readonly number[])[]>,
  measure: 'entropy' | 'margin' = 'entropy',
): UncertaintyScorer {
  const f = measure === 'entropy' ? entropy : marginUncertainty;
  return async (inputs) => (await predict(inputs)).map(f);
}

function keyOf(item: PromptItem): string {
  return 'text' in item ? `t:${item.text}` : `m:${JSON.stringify(item.messages)}`;
}

function sample<T>(items: T[], n: number, rng: Rng): T[] {
  const copy = [...items];
  for (let i = 0; i < n && i < copy.length; i++) {
    const j = i + rng.int(copy.length - i);
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}
