/**
 * The Shapiro–Wilk normality test with Royston's (1992) approximations for the coefficients and the p-value (the
 * method of algorithm AS R94), valid for 3 ≤ n ≤ 5000. PRADA flags an account when W over its prompt min-distances
 * falls below δ. Cost: one sort plus O(n) (the coefficients are cached per n, since PRADA tests windows of few sizes).
 */
import { normalCdf, normalQuantile } from './normal.ts';

export interface ShapiroWilkResult {
  w: number;
  /** Upper-tail p-value of the normalised log(1 − W); small means "not normal". */
  p: number;
  n: number;
}

const coefficientCache = new Map<number, Float64Array>();
const MAX_CACHED_SIZES = 64;

/** The weights a_1..a_n (antisymmetric: a_i = −a_{n+1−i}) for a sample of size n. */
function coefficients(n: number): Float64Array {
  const cached = coefficientCache.get(n);
  if (cached) return cached;
  const a = new Float64Array(n);
  if (n === 3) {
    a[0] = -Math.SQRT1_2;
    a[2] = Math.SQRT1_2;
  } else {
    const m = new Float64Array(n);
    let mm = 0;
    for (let i = 0; i < n; i++) {
      m[i] = normalQuantile((i + 1 - 0.375) / (n + 0.25));
      mm += m[i] * m[i];
    }
    const u = 1 / Math.sqrt(n);
    const last = m[n - 1] / Math.sqrt(mm) + poly(u, [0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056]);
    let phi: number;
    if (n > 5) {
      const second = m[n - 2] / Math.sqrt(mm) + poly(u, [0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633]);
      phi = (mm - 2 * m[n - 1] ** 2 - 2 * m[n - 2] ** 2) / (1 - 2 * last ** 2 - 2 * second ** 2);
      for (let i = 2; i < n - 2; i++) a[i] = m[i] / Math.sqrt(phi);
      a[n - 2] = second;
      a[1] = -second;
    } else {
      phi = (mm - 2 * m[n - 1] ** 2) / (1 - 2 * last ** 2);
      for (let i = 1; i < n - 1; i++) a[i] = m[i] / Math.sqrt(phi);
    }
    a[n - 1] = last;
    a[0] = -last;
  }
  if (coefficientCache.size >= MAX_CACHED_SIZES) coefficientCache.clear();
  coefficientCache.set(n, a);
  return a;
}

function poly(x: number, c: readonly number[]): number {
  let r = 0;
  for (let i = c.length - 1; i >= 0; i--) r = r * x + c[i];
  return r;
}

/** W and its p-value for `values` (not modified). Throws RangeError outside 3 ≤ n ≤ 5000 or for a constant sample. */
export function shapiroWilk(values: ArrayLike<number>): ShapiroWilkResult {
  const n = values.length;
  if (n < 3 || n > 5000) throw new RangeError(`Shapiro–Wilk needs 3 ≤ n ≤ 5000, got ${n}`);
  const x = Float64Array.from(values).sort();
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (x[i] - mean) ** 2;
  if (!(ss > 1e-300 * n) || x[n - 1] - x[0] < 1e-12 * Math.max(1, Math.abs(mean))) {
    throw new RangeError('Shapiro–Wilk is undefined for a constant sample');
  }
  const a = coefficients(n);
  let num = 0;
  for (let i = 0; i < n; i++) num += a[i] * x[i];
  const w = Math.min(1, (num * num) / ss);
  return { w, p: pValue(w, n), n };
}

function pValue(w: number, n: number): number {
  if (n === 3) return Math.max(0, Math.min(1, (6 / Math.PI) * (Math.asin(Math.sqrt(w)) - Math.asin(Math.sqrt(0.75)))));
  const y = Math.log(1 - w);
  let z: number;
  if (n <= 11) {
    const gamma = -2.273 + 0.459 * n;
    if (y >= gamma) return 0; // W so small that Royston's transform is undefined: far from normal
    const mu = 0.544 - 0.39978 * n + 0.025054 * n ** 2 - 0.0006714 * n ** 3;
    const sigma = Math.exp(1.3822 - 0.77857 * n + 0.062767 * n ** 2 - 0.0020322 * n ** 3);
    z = (-Math.log(gamma - y) - mu) / sigma;
  } else {
    const ln = Math.log(n);
    const mu = -1.5861 - 0.31082 * ln - 0.083751 * ln ** 2 + 0.0038915 * ln ** 3;
    const sigma = Math.exp(-0.4803 - 0.082676 * ln + 0.0030302 * ln ** 2);
    z = (y - mu) / sigma;
  }
  return normalCdf(-z); // the upper tail without cancellation, so tiny p-values keep their digits
}
