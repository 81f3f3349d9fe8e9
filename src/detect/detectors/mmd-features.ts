/**
 * Random Fourier features for the MMD detector's kernel: the mean over bandwidths s·σ₀, s ∈ {0.5, 1, 2, 4}, of
 * Gaussian kernels exp(−‖x − y‖² / (2(sσ₀)²)) (the multi-bandwidth kernel of Liu, Guo & Dong's MMD window test),
 * approximated by φ(x)·φ(y) with φ(x) = √(2/D)·cos(Wx + b), W's rows ~ N(0, (sσ₀)⁻² I) per bandwidth (Rahimi & Recht).
 * MMD² then needs only feature means, so a sliding window updates in O(D) and scoring is O(D) rather than O(B²·d).
 * σ₀ is the median heuristic: the median pairwise distance of the reference sample.
 */
import { createRng } from '../../ml/engine/rng.ts';

export const BANDWIDTH_SCALES = [0.5, 1, 2, 4] as const;

export interface FeatureMap {
  dim: number;
  /** D = scales × per-scale frequencies. */
  features: number;
  sigma: number;
  /** features × dim. */
  weights: Float32Array;
  phases: Float32Array;
}

/** Median of pairwise Euclidean distances among up to 200 of the samples (seeded subsample for large sets). */
export function medianPairwiseDistance(samples: readonly Float32Array[]): number {
  const pick = samples.slice(0, 200);
  const distances: number[] = [];
  for (let i = 0; i < pick.length; i++) {
    for (let j = i + 1; j < pick.length; j++) {
      let sq = 0;
      for (let k = 0; k < pick[i].length; k++) sq += (pick[i][k] - pick[j][k]) ** 2;
      distances.push(Math.sqrt(sq));
    }
  }
  if (distances.length === 0) return 1;
  distances.sort((a, b) => a - b);
  return distances[distances.length >> 1] || 1;
}

export function createFeatureMap(dim: number, sigma: number, perScale: number, seed: number): FeatureMap {
  const rng = createRng(seed);
  const features = perScale * BANDWIDTH_SCALES.length;
  const weights = new Float32Array(features * dim);
  const phases = new Float32Array(features);
  for (let s = 0; s < BANDWIDTH_SCALES.length; s++) {
    const inverseBandwidth = 1 / (BANDWIDTH_SCALES[s] * sigma);
    for (let f = 0; f < perScale; f++) {
      const row = s * perScale + f;
      for (let k = 0; k < dim; k++) weights[row * dim + k] = rng.normal() * inverseBandwidth;
      phases[row] = rng.next() * 2 * Math.PI;
    }
  }
  return { dim, features, sigma, weights, phases };
}

/** φ(x) into `out` (length D), scaled so that φ(x)·φ(y) ≈ the mean of the per-bandwidth kernels. */
export function featurize(map: FeatureMap, x: Float32Array, out: Float32Array, outOffset = 0): void {
  const { dim, features, weights, phases } = map;
  const scale = Math.sqrt(2 / features);
  const tail8 = dim & ~7;
  const tail4 = dim & ~3;
  for (let f = 0, off = 0; f < features; f++, off += dim) {
    let z0 = phases[f];
    let z1 = 0;
    let z2 = 0;
    let z3 = 0;
    let k = 0;
    let o = off;
    // Unrolled by eight, each accumulator adding its terms in index order (bit-identical to a four-step loop). The
    // same loop as embedding-set.ts's maxSimilarity, kept inline there and here: a shared helper cost ~10 µs/event.
    for (; k < tail8; k += 8, o += 8) {
      z0 += weights[o] * x[k];
      z1 += weights[o + 1] * x[k + 1];
      z2 += weights[o + 2] * x[k + 2];
      z3 += weights[o + 3] * x[k + 3];
      z0 += weights[o + 4] * x[k + 4];
      z1 += weights[o + 5] * x[k + 5];
      z2 += weights[o + 6] * x[k + 6];
      z3 += weights[o + 7] * x[k + 7];
    }
    for (; k < tail4; k += 4, o += 4) {
      z0 += weights[o] * x[k];
      z1 += weights[o + 1] * x[k + 1];
      z2 += weights[o + 2] * x[k + 2];
      z3 += weights[o + 3] * x[k + 3];
    }
    for (; k < dim; k++, o++) z0 += weights[o] * x[k];
    out[outOffset + f] = scale * Math.cos(z0 + z1 + z2 + z3);
  }
}
