/**
 * KGW provenance test corrected by a reference model: "observed green tokens minus the green tokens the unmarked
 * model would have produced in the same places".
 *
 * The deduplicated test (detect.ts) is exact but throws away most of the evidence: 1,000 probes of 100 characters
 * hold ~100,000 tokens but only a few hundred distinct (context, character) pairs, and it can only ask whether a
 * pair occurs at all. Here every position counts. For each distinct pair i (context, token) of the suspect's text,
 *   c_i = how often the suspect wrote the token after the context,
 *   e_i = how often the reference (the provider's own *unmarked* model, run over the same texts at the probe
 *         temperature) expected it there: the sum of its probabilities for the token at those positions,
 * and, with X_i = 1 when the pair is green under the key and w_i = (c_i − e_i)/√(e_i + 1) (pearsonResidual),
 *   S = Σ_i w_i (X_i − γ)      (green pairs written more often than the reference expects push S up).
 * Under the null (a suspect whose text does not depend on the key) the weights do not depend on the key either, and
 * the X_i of distinct pairs are independent Bernoulli(γ) draws of the keyed hash, so S has mean 0 and variance
 * γ(1 − γ)Σw_i² *exactly*, whatever the suspect's or the reference's quirks: a poor reference costs power, never
 * validity. The p-value is given two ways: the normal tail of z = S/√Var, and Bernstein's inequality, a bound that
 * holds at any sample size.
 */
import { normalUpperTail } from '../stats.ts';
import { contextSeed, greenThreshold, isGreen, tokenHash } from './green-list.ts';

interface PairResidual {
  observed: number;
  expected: number;
}

/** Observed and reference-expected counts per distinct (context, token) pair. */
export class ResidualTable {
  readonly #contexts = new Map<string, { context: string[]; tokens: Map<string, PairResidual> }>();
  #positions = 0;

  constructor(readonly width: number) {
    if (!Number.isInteger(width) || width < 1) throw new RangeError(`context width must be a positive integer, got ${width}`);
  }

  get positions(): number {
    return this.#positions;
  }

  get contexts(): number {
    return this.#contexts.size;
  }

  /**
   * One scored position: `context` (the `width` previous tokens), the token the suspect wrote, and the reference's
   * next-token distribution there (`probabilities[v]` for the token whose text is `vocabulary[v]`).
   */
  add(context: readonly string[], token: string, probabilities: ArrayLike<number>, vocabulary: readonly string[]): void {
    if (context.length !== this.width) throw new RangeError(`context of ${context.length} tokens, expected ${this.width}`);
    if (probabilities.length !== vocabulary.length) throw new RangeError('probabilities and vocabulary differ in length');
    const key = context.join('\u0000');
    let entry = this.#contexts.get(key);
    if (!entry) {
      entry = { context: [...context], tokens: new Map() };
      this.#contexts.set(key, entry);
    }
    this.#pair(entry.tokens, token).observed += 1;
    for (let v = 0; v < vocabulary.length; v++) {
      const p = probabilities[v] as number;
      if (p > 0) this.#pair(entry.tokens, vocabulary[v] as string).expected += p;
    }
    this.#positions++;
  }

  #pair(tokens: Map<string, PairResidual>, token: string): PairResidual {
    let pair = tokens.get(token);
    if (!pair) {
      pair = { observed: 0, expected: 0 };
      tokens.set(token, pair);
    }
    return pair;
  }

  /** Distinct pairs with their weights, grouped by context, token hashes precomputed (scored once per key). */
  weights(): { context: string[]; tokenHashes: number[]; observed: number[]; expected: number[] }[] {
    return [...this.#contexts.values()].map(({ context, tokens }) => {
      const tokenHashes: number[] = [];
      const observed: number[] = [];
      const expected: number[] = [];
      for (const [token, pair] of tokens) {
        tokenHashes.push(tokenHash(token));
        observed.push(pair.observed);
        expected.push(pair.expected);
      }
      return { context, tokenHashes, observed, expected };
    });
  }
}

export interface ResidualScore {
  /** Positions scored. */
  positions: number;
  /** Distinct (context, token) pairs carrying a weight. */
  pairs: number;
  /** Green tokens the suspect wrote, and the number the reference expected in the same places. */
  observedGreen: number;
  expectedGreen: number;
  gamma: number;
  /** S / √(γ(1 − γ)Σw²). */
  z: number;
  /** Normal tail of z. */
  pValue: number;
  log10PValue: number;
  /** Bernstein's bound on P[S ≥ s]: valid at any sample size, conservative. */
  boundPValue: number;
  log10BoundPValue: number;
  /** (Σ|w|)² / Σw²: how many equally weighted pairs the evidence is worth. */
  effectivePairs: number;
}

export type ResidualWeights = ReturnType<ResidualTable['weights']>;

export function scoreResiduals(weights: ResidualWeights, positions: number, key: Buffer, gamma: number): ResidualScore {
  const threshold = greenThreshold(gamma);
  let s = 0;
  let sumSq = 0;
  let sumAbs = 0;
  let maxAbs = 0;
  let pairs = 0;
  let observedGreen = 0;
  let expectedGreen = 0;
  for (const { context, tokenHashes, observed, expected } of weights) {
    const seed = contextSeed(key, context);
    for (let j = 0; j < tokenHashes.length; j++) {
      const weight = pearsonResidual(observed[j] as number, expected[j] as number);
      const green = isGreen(seed, tokenHashes[j] as number, threshold);
      s += weight * ((green ? 1 : 0) - gamma);
      if (green) {
        observedGreen += observed[j] as number;
        expectedGreen += expected[j] as number;
      }
      sumSq += weight * weight;
      sumAbs += Math.abs(weight);
      maxAbs = Math.max(maxAbs, Math.abs(weight));
      pairs++;
    }
  }
  const variance = gamma * (1 - gamma) * sumSq;
  const z = variance > 0 ? s / Math.sqrt(variance) : 0;
  const log10P = log10NormalUpperTail(z);
  // Bernstein: each term w(X − γ) has mean 0 and |w(X − γ)| ≤ |w|·max(γ, 1 − γ).
  const bound = maxAbs * Math.max(gamma, 1 - gamma);
  const log10Bound = s <= 0 || variance === 0 ? 0 : Math.min(0, -(s * s) / (2 * (variance + (bound * s) / 3)) / Math.LN10);
  return {
    positions,
    pairs,
    observedGreen,
    expectedGreen,
    gamma,
    z,
    pValue: 10 ** log10P,
    log10PValue: log10P,
    boundPValue: 10 ** log10Bound,
    log10BoundPValue: log10Bound,
    effectivePairs: sumSq > 0 ? (sumAbs * sumAbs) / sumSq : 0,
  };
}

/**
 * The pair's weight: (c − e)/√(e + 1), the Pearson residual of its count. The plain difference c − e is the score
 * statistic of an ideal copy, but a real copy differs from the reference on the heaviest pairs (a space after "e",
 * written thousands of times) by far more than the mark moves them, and those few pairs then own the variance: on the
 * bench's student the plain weights gave z = 3.6 with an effective 31 pairs, Pearson residuals z = 6.6. The +1 keeps
 * pairs the reference all but rules out from dominating in turn. Any weight that does not depend on the key keeps
 * the null exact.
 */
export function pearsonResidual(observed: number, expected: number): number {
  return (observed - expected) / Math.sqrt(expected + 1);
}

/** log10 P[Z ≥ z], finite far into the tail (Mills-ratio expansion beyond z = 8). */
export function log10NormalUpperTail(z: number): number {
  if (z < 8) return Math.log10(normalUpperTail(z));
  const series = 1 - 1 / z ** 2 + 3 / z ** 4 - 15 / z ** 6;
  return (-(z * z) / 2 - Math.log(z) - 0.5 * Math.log(2 * Math.PI) + Math.log(series)) / Math.LN10;
}
