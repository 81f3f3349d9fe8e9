/**
 * Held-out retrieval evaluation for sentence embeddings. A set holds passages labelled by their source (speech);
 * every passage is a query, every other passage of the set a candidate, and a query is a hit at k when one of its
 * k nearest candidates (by cosine similarity) comes from the same source.
 */

export interface RetrievalScores {
  queries: number;
  /** Share of queries with a same-source passage among the k nearest, for each k asked. */
  recallAt: Record<string, number>;
  /** Mean over queries of 1 / rank of the first same-source passage. */
  mrr: number;
}

/**
 * recall@k and MRR of `embeddings` (unit-norm, so the dot product is the cosine) with source labels `groups`.
 * Ties are broken by candidate index, so results are deterministic. Queries whose source has no other passage are
 * skipped.
 *
 * @example recallAtK(vectors, speechIndexOfEach, [1, 5, 10]).recallAt['5']
 */
export function recallAtK(embeddings: readonly Float32Array[], groups: readonly number[], ks: readonly number[] = [1, 5, 10]): RetrievalScores {
  if (embeddings.length !== groups.length) throw new RangeError(`${embeddings.length} embeddings for ${groups.length} labels`);
  const hits = new Map<number, number>(ks.map((k) => [k, 0]));
  let reciprocalRanks = 0;
  let queries = 0;
  for (let q = 0; q < embeddings.length; q++) {
    const candidates: { index: number; score: number }[] = [];
    let hasPositive = false;
    for (let c = 0; c < embeddings.length; c++) {
      if (c === q) continue;
      candidates.push({ index: c, score: dot(embeddings[q], embeddings[c]) });
      if (groups[c] === groups[q]) hasPositive = true;
    }
    if (!hasPositive) continue;
    queries++;
    candidates.sort((a, b) => b.score - a.score || a.index - b.index);
    const firstHit = candidates.findIndex((c) => groups[c.index] === groups[q]);
    reciprocalRanks += 1 / (firstHit + 1);
    for (const k of ks) if (firstHit < k) hits.set(k, (hits.get(k) ?? 0) + 1);
  }
  const recallAt: Record<string, number> = {};
  for (const k of ks) recallAt[String(k)] = queries === 0 ? 0 : (hits.get(k) ?? 0) / queries;
  return { queries, recallAt, mrr: queries === 0 ? 0 : reciprocalRanks / queries };
}

/**
 * recall@k of a random ranking, averaged over queries: a query with m other same-source passages among n
 * candidates misses all of them in its top k with probability C(n − m, k) / C(n, k).
 */
export function chanceRecallAtK(groups: readonly number[], k: number): number {
  const sizes = new Map<number, number>();
  for (const g of groups) sizes.set(g, (sizes.get(g) ?? 0) + 1);
  const n = groups.length - 1;
  let total = 0;
  let queries = 0;
  for (const g of groups) {
    const m = (sizes.get(g) ?? 1) - 1;
    if (m === 0) continue;
    queries++;
    let miss = 1;
    for (let i = 0; i < k; i++) miss *= Math.max(0, n - m - i) / (n - i);
    total += 1 - miss;
  }
  return queries === 0 ? 0 : total / queries;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
