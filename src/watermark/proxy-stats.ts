/**
 * Tests the proxy watermarks need beyond ../stats.ts: the Poisson-binomial upper tail (lexical hits, each slot with its
 * own null probability), Student's t tail (the embedding direction test), the hypergeometric tail (Fisher's exact test
 * for DAWN), Fisher's method to combine independent p-values, and the two-sample Kolmogorov–Smirnov test (EmbMarker's
 * reported statistic). All return natural-log p-values where they can underflow.
 */
import { logGamma, normalUpperTail } from './stats.ts';

const EXACT_POISSON_BINOMIAL_LIMIT = 6000; // O(n²) work: 36 M steps at the limit

/** ln P[Σ Bernoulli(pᵢ) ≥ k]: exact by dynamic programming up to 6,000 trials, else normal with continuity correction. */
export function logPoissonBinomialUpperTail(k: number, probabilities: readonly number[]): number {
  return poissonBinomialTails(k, probabilities).logAtLeast;
}

/**
 * The mid-p value ln(P[S > k] + ½·P[S = k]): for a discrete statistic with few trials the exact tail piles null
 * p-values up near 1 (conservative, and a KS check of calibration then fails); the mid-p is close to uniform.
 */
export function logPoissonBinomialMidP(k: number, probabilities: readonly number[]): number {
  const { logAtLeast, logAbove } = poissonBinomialTails(k, probabilities);
  const atLeast = Math.exp(logAtLeast);
  const above = Math.exp(logAbove);
  const mid = above + 0.5 * (atLeast - above);
  return mid > 1e-290 ? Math.log(mid) : logAtLeast;
}

function poissonBinomialTails(k: number, probabilities: readonly number[]): { logAtLeast: number; logAbove: number } {
  const n = probabilities.length;
  if (k > n) return { logAtLeast: Number.NEGATIVE_INFINITY, logAbove: Number.NEGATIVE_INFINITY };
  if (n > EXACT_POISSON_BINOMIAL_LIMIT) {
    const mean = probabilities.reduce((s, p) => s + p, 0);
    const sd = Math.sqrt(probabilities.reduce((s, p) => s + p * (1 - p), 0));
    const logTail = (x: number) => {
      const tail = normalUpperTail((x - mean) / sd);
      return tail > 1e-290 ? Math.log(tail) : chernoffLogBound(Math.ceil(x), probabilities);
    };
    return { logAtLeast: k <= 0 ? 0 : logTail(k - 0.5), logAbove: logTail(k + 0.5) };
  }
  const dist = new Float64Array(n + 1);
  dist[0] = 1;
  for (let i = 0; i < n; i++) {
    const p = probabilities[i] ?? 0;
    for (let j = i + 1; j >= 1; j--) dist[j] = (dist[j] ?? 0) * (1 - p) + (dist[j - 1] ?? 0) * p;
    dist[0] = (dist[0] ?? 0) * (1 - p);
  }
  let above = 0;
  for (let j = Math.max(0, k + 1); j <= n; j++) above += dist[j] ?? 0;
  const atLeast = k <= 0 ? 1 : above + (dist[k] ?? 0);
  // Below ~1e-290 the sums underflow: the Chernoff bound is then a (conservative) stand-in.
  const log = (tail: number, from: number) => (tail > 1e-290 ? Math.min(0, Math.log(tail)) : chernoffLogBound(from, probabilities));
  return { logAtLeast: log(atLeast, k), logAbove: k + 1 > n ? Number.NEGATIVE_INFINITY : log(above, k + 1) };
}

/** min over t ≥ 0 of −tk + Σ ln(1 − p + p·eᵗ): an upper bound on ln P[S ≥ k], found by ternary search (convex in t). */
function chernoffLogBound(k: number, probabilities: readonly number[]): number {
  const at = (t: number) => -t * k + probabilities.reduce((s, p) => s + Math.log1p(p * Math.expm1(t)), 0);
  let lo = 0;
  let hi = 60;
  for (let i = 0; i < 100; i++) {
    const a = lo + (hi - lo) / 3;
    const b = hi - (hi - lo) / 3;
    if (at(a) < at(b)) hi = b;
    else lo = a;
  }
  return Math.min(0, at((lo + hi) / 2));
}

/** Regularised incomplete beta I_x(a, b) (continued fraction, modified Lentz). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x > (a + 1) / (a + b + 2)) return 1 - Math.exp(logFront) * betaFraction(1 - x, b, a) / b;
  return (Math.exp(logFront) * betaFraction(x, a, b)) / a;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let f = d;
  for (let m = 1; m <= 500; m++) {
    const m2 = 2 * m;
    for (const coefficient of [(m * (b - m) * x) / ((a + m2 - 1) * (a + m2)), (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1))]) {
      d = 1 + coefficient * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + coefficient / c;
      if (Math.abs(c) < tiny) c = tiny;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-15) break;
  }
  return f;
}

/** P[T ≥ t] for Student's t with `df` degrees of freedom. */
export function studentTUpperTail(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? tail : 1 - tail;
}

/** ln P[X ≥ k] for X hypergeometric: `draws` taken from a population of `total` holding `successes`. */
export function logHypergeometricUpperTail(k: number, total: number, successes: number, draws: number): number {
  const top = Math.min(successes, draws);
  if (k <= Math.max(0, draws - (total - successes))) return 0;
  if (k > top) return Number.NEGATIVE_INFINITY;
  const logChoose = (n: number, r: number) => logGamma(n + 1) - logGamma(r + 1) - logGamma(n - r + 1);
  const terms: number[] = [];
  for (let i = k; i <= top; i++) terms.push(logChoose(successes, i) + logChoose(total - successes, draws - i) - logChoose(total, draws));
  const max = Math.max(...terms);
  return Math.min(0, max + Math.log(terms.reduce((s, t) => s + Math.exp(t - max), 0)));
}

/** Fisher's method: ln p of −2 Σ ln pᵢ under χ² with 2m degrees of freedom (closed form for even df). */
export function logFisherCombined(logPValues: readonly number[]): number {
  const m = logPValues.length;
  if (m === 0) return 0;
  const half = -logPValues.reduce((s, lp) => s + lp, 0); // χ²/2
  // P[χ²₂ₘ ≥ 2h] = e^{−h} Σ_{k<m} h^k / k!
  let term = 0; // ln(h^k / k!)
  const terms = [0];
  for (let k = 1; k < m; k++) {
    term += Math.log(half) - Math.log(k);
    terms.push(term);
  }
  const max = Math.max(...terms);
  return Math.min(0, -half + max + Math.log(terms.reduce((s, t) => s + Math.exp(t - max), 0)));
}

/** Two-sample Kolmogorov–Smirnov test (two-sided, asymptotic p with the effective-size correction). */
export function ksTwoSample(a: readonly number[], b: readonly number[]): { d: number; pValue: number } {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  if (x.length === 0 || y.length === 0) return { d: 0, pValue: 1 };
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i] ?? 0, y[j] ?? 0);
    while (i < x.length && (x[i] ?? 0) <= v) i++;
    while (j < y.length && (y[j] ?? 0) <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const n = (x.length * y.length) / (x.length + y.length);
  const lambda = (Math.sqrt(n) + 0.12 + 0.11 / Math.sqrt(n)) * d;
  if (lambda < 0.2) return { d, pValue: 1 };
  let p = 0;
  for (let k = 1; k <= 100; k++) p += 2 * (k % 2 === 1 ? 1 : -1) * Math.exp(-2 * k * k * lambda * lambda);
  return { d, pValue: Math.min(1, Math.max(0, p)) };
}
