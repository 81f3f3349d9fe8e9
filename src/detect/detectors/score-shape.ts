/**
 * Small monotone maps from evidence to a score in [0, 1], shared so every detector saturates the same way.
 */

/** 0 at or below `low`, 1 at or above `high`, linear between (monotone increasing). */
export function ramp(value: number, low: number, high: number): number {
  if (!(value > low)) return 0;
  if (value >= high) return 1;
  return (value - low) / (high - low);
}

/** Confidence from a sample size: 0 below `min`, approaching 1 as n grows to `full`. */
export function support(n: number, min: number, full: number): number {
  return ramp(n, min, full);
}

/** Noisy-OR of independent pieces of evidence, each in [0, 1]: monotone in every argument. */
export function anyOf(...parts: number[]): number {
  let miss = 1;
  for (const p of parts) miss *= 1 - Math.max(0, Math.min(1, p));
  return 1 - miss;
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
