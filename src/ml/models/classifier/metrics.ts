/**
 * Held-out quality of a binary classifier: accuracy, and precision / recall / F1 of the positive class
 * (label 1, `spam`), which is the minority class and the one whose errors matter.
 */

export interface BinaryMetrics {
  examples: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** Counts by (truth, prediction): true/false positives and negatives. */
  confusion: { tp: number; fp: number; tn: number; fn: number };
}

/** Metrics of predicted labels against true labels (both 0/1). Undefined ratios (0/0) are reported as 0. */
export function binaryMetrics(predicted: readonly number[], truth: readonly number[]): BinaryMetrics {
  if (predicted.length !== truth.length) throw new RangeError(`${predicted.length} predictions for ${truth.length} labels`);
  const confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  predicted.forEach((p, i) => {
    if (p === 1 && truth[i] === 1) confusion.tp++;
    else if (p === 1) confusion.fp++;
    else if (truth[i] === 1) confusion.fn++;
    else confusion.tn++;
  });
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const precision = ratio(confusion.tp, confusion.tp + confusion.fp);
  const recall = ratio(confusion.tp, confusion.tp + confusion.fn);
  return {
    examples: truth.length,
    accuracy: ratio(confusion.tp + confusion.tn, truth.length),
    precision,
    recall,
    f1: ratio(2 * precision * recall, precision + recall),
    confusion,
  };
}

/** Index of the largest value in each row. */
export function argmaxRows(rows: readonly (readonly number[])[]): number[] {
  return rows.map((row) => row.reduce((best, v, i) => (v > row[best] ? i : best), 0));
}
