/** ROC curve and its area for a score that should rank attackers' accounts above benign ones. */

export interface RocPoint {
  threshold: number;
  fpr: number;
  tpr: number;
}

/** AUC = P(score of a random positive > score of a random negative), ties counted half (Mann–Whitney). */
export function rocAuc(positives: readonly number[], negatives: readonly number[]): number | null {
  if (positives.length === 0 || negatives.length === 0) return null;
  const all = [...positives.map((s) => ({ s, p: 1 })), ...negatives.map((s) => ({ s, p: 0 }))].sort((a, b) => a.s - b.s);
  // Average ranks over ties, then the rank-sum statistic.
  let rankSumPositives = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]!.s === all[i]!.s) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k]!.p === 1) rankSumPositives += averageRank;
    i = j;
  }
  const np = positives.length;
  const nn = negatives.length;
  return (rankSumPositives - (np * (np + 1)) / 2) / (np * nn);
}

/** The curve at every distinct score, from (0,0) to (1,1). */
export function rocCurve(positives: readonly number[], negatives: readonly number[]): RocPoint[] {
  const thresholds = [...new Set([...positives, ...negatives])].sort((a, b) => b - a);
  const points: RocPoint[] = [{ threshold: Number.POSITIVE_INFINITY, fpr: 0, tpr: 0 }];
  for (const threshold of thresholds) {
    const tp = positives.filter((s) => s >= threshold).length;
    const fp = negatives.filter((s) => s >= threshold).length;
    points.push({ threshold, fpr: negatives.length ? fp / negatives.length : 0, tpr: positives.length ? tp / positives.length : 0 });
  }
  return points;
}
