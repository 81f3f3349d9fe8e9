/**
 * Small stand-ins for embedding models in tests: a hashed bag-of-words "service" with a shared offset (real embedders
 * are anisotropic, which is what breaks naive tests), and a copy fitted by ridge regression on harvested answers —
 * a linear student that can learn a trigger mark only if the mark is in the answers.
 */
import { createHash } from 'node:crypto';

export const FEATURES = 1024;

export function features(text: string): Float64Array {
  const f = new Float64Array(FEATURES);
  for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) f[createHash('md5').update(word).digest().readUInt16BE(0) % FEATURES] += 1;
  return f;
}

/** A deterministic embedding "model": tanh(W·features + offset), unit length. */
export function toyEmbedder(seed: string, dimensions: number): (text: string) => number[] {
  const weights = Array.from({ length: dimensions }, (_, i) => Array.from({ length: FEATURES }, (_, j) => gaussian(`${seed}/${i}/${j}`)));
  const offset = Array.from({ length: dimensions }, (_, i) => 1.5 * gaussian(`${seed}/offset/${i}`));
  return (text) => {
    const f = features(text);
    const v = weights.map((row, i) => Math.tanh(row.reduce((s, w, j) => s + w * (f[j] ?? 0), 0) * 0.3 + (offset[i] ?? 0)));
    const n = Math.hypot(...v) || 1;
    return v.map((x) => x / n);
  };
}

/** Ridge regression from features to the harvested vectors: the student's embedding function. */
export function fitLinearStudent(texts: readonly string[], vectors: readonly (readonly number[])[], lambda = 1): (text: string) => number[] {
  const d = FEATURES + 1;
  const out = vectors[0]?.length ?? 0;
  const gram = Array.from({ length: d }, () => new Float64Array(d));
  const cross = Array.from({ length: d }, () => new Float64Array(out));
  texts.forEach((text, n) => {
    const x = [...features(text), 1];
    const y = vectors[n] ?? [];
    for (let i = 0; i < d; i++) {
      const xi = x[i] ?? 0;
      if (xi === 0) continue;
      for (let j = 0; j < d; j++) (gram[i] as Float64Array)[j] += xi * (x[j] ?? 0);
      for (let k = 0; k < out; k++) (cross[i] as Float64Array)[k] += xi * (y[k] ?? 0);
    }
  });
  for (let i = 0; i < d; i++) (gram[i] as Float64Array)[i] += lambda;
  const coef = solve(gram, cross);
  return (text) => {
    const x = [...features(text), 1];
    const v = Array.from({ length: out }, (_, k) => x.reduce((s, xi, i) => s + xi * ((coef[i] as Float64Array)[k] ?? 0), 0));
    const n = Math.hypot(...v) || 1;
    return v.map((c) => c / n);
  };
}

/** Gauss–Jordan solve of A·X = B (A symmetric positive definite here). */
function solve(a: Float64Array[], b: Float64Array[]): Float64Array[] {
  const n = a.length;
  for (let col = 0; col < n; col++) {
    const pivot = (a[col] as Float64Array)[col] as number;
    for (let row = 0; row < n; row++) {
      if (row === col) continue;
      const factor = ((a[row] as Float64Array)[col] as number) / pivot;
      if (factor === 0) continue;
      const ar = a[row] as Float64Array;
      const ac = a[col] as Float64Array;
      for (let k = col; k < n; k++) ar[k] -= factor * (ac[k] as number);
      const br = b[row] as Float64Array;
      const bc = b[col] as Float64Array;
      for (let k = 0; k < br.length; k++) br[k] -= factor * (bc[k] as number);
    }
  }
  return b.map((row, i) => row.map((x) => x / ((a[i] as Float64Array)[i] as number)));
}

function gaussian(label: string): number {
  const h = createHash('sha256').update(label).digest();
  const u1 = (h.readUInt32BE(0) + 0.5) / 2 ** 32;
  const u2 = (h.readUInt32BE(4) + 0.5) / 2 ** 32;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
