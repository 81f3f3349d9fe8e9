/**
 * Probability calibration by temperature scaling (Guo et al., "On Calibration of Modern Neural Networks", 2017):
 * p = softmax(z / T) with one scalar T > 0 chosen to minimise the negative log-likelihood on a held-out split.
 * T does not change the arg-max, so accuracy is untouched; only confidence moves.
 */

/** softmax(z / T) of one row of logits, computed with the max subtracted for stability. */
export function softmaxWithTemperature(logits: ArrayLike<number>, temperature: number): number[] {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] / temperature);
  const exps = Array.from(logits, (z) => Math.exp(z / temperature - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

/** Rows of a row-major [rows, classes] logit matrix. */
export function logitRows(logits: Float32Array, classes: number): Float32Array[] {
  const rows: Float32Array[] = [];
  for (let r = 0; r * classes < logits.length; r++) rows.push(logits.subarray(r * classes, (r + 1) * classes));
  return rows;
}

/** Mean −log p(label) at temperature T; probabilities are floored at 10⁻¹² so a confident error stays finite. */
export function meanNll(rows: readonly Float32Array[], labels: readonly number[], temperature: number): number {
  let total = 0;
  rows.forEach((row, i) => {
    total -= Math.log(Math.max(softmaxWithTemperature(row, temperature)[labels[i]], 1e-12));
  });
  return total / Math.max(rows.length, 1);
}

/**
 * The T minimising meanNll, by golden-section search on log T over [1/20, 20]. NLL is unimodal in log T for
 * logits of a fixed model (the optimum is unique unless all examples are correct and separable, where larger T
 * only loses), so the bracket shrinks to the optimum.
 *
 * @example const t = fitTemperature(calibrationLogits, calibrationLabels); // e.g. 1.7 for an overconfident model
 */
export function fitTemperature(rows: readonly Float32Array[], labels: readonly number[]): number {
  if (rows.length === 0) return 1;
  const f = (logT: number) => meanNll(rows, labels, Math.exp(logT));
  const ratio = (Math.sqrt(5) - 1) / 2;
  let lo = Math.log(1 / 20);
  let hi = Math.log(20);
  let a = hi - ratio * (hi - lo);
  let b = lo + ratio * (hi - lo);
  let fa = f(a);
  let fb = f(b);
  for (let step = 0; step < 60; step++) {
    if (fa <= fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - ratio * (hi - lo);
      fa = f(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + ratio * (hi - lo);
      fb = f(b);
    }
  }
  return Math.exp((lo + hi) / 2);
}

/**
 * Expected calibration error with `bins` equal-width confidence bins: Σ_bins (n_bin / n) · |accuracy_bin −
 * mean confidence_bin|, where confidence is the top probability and accuracy whether the top class is the label.
 */
export function expectedCalibrationError(probabilities: readonly (readonly number[])[], labels: readonly number[], bins = 15): number {
  const count = new Array<number>(bins).fill(0);
  const correct = new Array<number>(bins).fill(0);
  const confidence = new Array<number>(bins).fill(0);
  probabilities.forEach((p, i) => {
    let top = 0;
    for (let c = 1; c < p.length; c++) if (p[c] > p[top]) top = c;
    const bin = Math.min(bins - 1, Math.floor(p[top] * bins));
    count[bin]++;
    confidence[bin] += p[top];
    if (top === labels[i]) correct[bin]++;
  });
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b] > 0) ece += (count[b] / probabilities.length) * Math.abs(correct[b] / count[b] - confidence[b] / count[b]);
  }
  return ece;
}
