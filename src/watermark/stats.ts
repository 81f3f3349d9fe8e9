/**
 * The statistics watermark tests need: exact binomial tails in log space (p-values far below 1e-16 stay
 * representable as log10 p), the normal upper tail, and a one-sample Kolmogorov–Smirnov test against U(0, 1) for
 * checking that null p-values are calibrated. Written here: a few dozen lines, no dependency covers them.
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; relative error ~1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = LANCZOS[0];
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/** ln P[X ≥ k] for X ~ Binomial(n, p), summed exactly in log space. */
export function logBinomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 0;
  if (k > n) return Number.NEGATIVE_INFINITY;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let max = Number.NEGATIVE_INFINITY;
  const terms: number[] = [];
  for (let i = k; i <= n; i++) {
    const term = logChoose(n, i) + i * lp + (n - i) * lq;
    terms.push(term);
    if (term > max) max = term;
    // Past the mode the terms shrink geometrically; stop once they no longer matter.
    if (i > n * p && term < max - 40) break;
  }
  let sum = 0;
  for (const term of terms) sum += Math.exp(term - max);
  return Math.min(0, max + Math.log(sum));
}

/** P[X ≥ k] for X ~ Binomial(n, p) (0 when it underflows; use the log form to report tiny values). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  return Math.exp(logBinomialUpperTail(k, n, p));
}

/** erfc(x): the series for small x, Lentz's continued fraction above 0.5, so the far tail keeps its relative precision. */
function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 0.5) return 1 - erf(x);
  // Lentz continued fraction: erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …))))
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 300; n++) {
    const an = n / 2;
    d = x + an * d;
    d = d === 0 ? 1e-300 : 1 / d;
    c = x + an / c;
    if (c === 0) c = 1e-300;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** erf by its Maclaurin series (used only for |x| < 0.5, where it converges in a few terms). */
function erf(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 40; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** P[Z ≥ z] for a standard normal Z. */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

export interface KsResult {
  /** Largest gap between the empirical CDF and the uniform CDF. */
  d: number;
  /** Asymptotic p-value (Stephens' small-sample correction). */
  pValue: number;
  n: number;
}

/** One-sample Kolmogorov–Smirnov test of `values` against U(0, 1). */
export function ksUniform(values: readonly number[]): KsResult {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { d: 0, pValue: 1, n };
  let d = 0;
  sorted.forEach((x, i) => {
    d = Math.max(d, (i + 1) / n - x, x - i / n);
  });
  const lambda = (Math.sqrt(n) + 0.12 + 0.11 / Math.sqrt(n)) * d;
  let p = 0;
  for (let k = 1; k <= 100; k++) p += 2 * (k % 2 === 1 ? 1 : -1) * Math.exp(-2 * k * k * lambda * lambda);
  return { d, pValue: Math.min(1, Math.max(0, lambda < 0.2 ? 1 : p)), n };
}

export interface Summary {
  n: number;
  mean: number;
  sd: number;
  min: number;
  max: number;
}

export function summarise(values: readonly number[]): Summary {
  const n = values.length;
  if (n === 0) return { n, mean: 0, sd: 0, min: 0, max: 0 };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = n > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) : 0;
  return { n, mean, sd: Math.sqrt(variance), min: Math.min(...values), max: Math.max(...values) };
}
