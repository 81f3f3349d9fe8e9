/**
 * KGW detection for provenance (Sander et al.'s radioactivity test, closed-model setting). Each (previous-tokens,
 * token) pair is scored once across *all* texts: repeated pairs are what make raw counts miscalibrated on a small
 * vocabulary (a handful of frequent character pairs dominates, so the raw z of an unmarked text swings to ±20 with
 * the key). After deduplication every distinct pair is, under the null (text independent of the key), green with
 * probability γ independently, so the green count is Binomial(N, γ): z and the exact binomial tail are both valid.
 *
 * Tokens are Unicode code points (the built-in LMs are character models). Only pairs whose context lies inside the
 * completion are scored, so a chat template's hidden prefix never matters.
 */
import { logBinomialUpperTail } from '../stats.ts';
import { contextSeed, greenThreshold, isGreen, type TextMarkParams, tokenHash } from './green-list.ts';

/** Distinct pairs grouped by context: one HMAC per context and key. */
export interface PairSet {
  width: number;
  contexts: { context: string[]; tokenHashes: number[] }[];
  /** Number of distinct pairs. */
  size: number;
  /** Tokens seen before deduplication. */
  rawTokens: number;
}

export function distinctPairs(completions: readonly string[], width: number): PairSet {
  const byContext = new Map<string, { context: string[]; tokens: Set<string> }>();
  let rawTokens = 0;
  for (const text of completions) {
    const chars = Array.from(text);
    for (let i = width; i < chars.length; i++) {
      rawTokens++;
      const context = chars.slice(i - width, i);
      const key = context.join('\u0000');
      let entry = byContext.get(key);
      if (!entry) {
        entry = { context, tokens: new Set() };
        byContext.set(key, entry);
      }
      entry.tokens.add(chars[i]);
    }
  }
  let size = 0;
  const contexts = [...byContext.values()].map(({ context, tokens }) => {
    size += tokens.size;
    return { context, tokenHashes: [...tokens].map(tokenHash) };
  });
  return { width, contexts, size, rawTokens };
}

export interface TextScore {
  /** Distinct pairs scored. */
  scored: number;
  green: number;
  greenFraction: number;
  gamma: number;
  /** (g − γN) / √(Nγ(1 − γ)). */
  z: number;
  /** Exact one-sided binomial tail P[Bin(N, γ) ≥ g]. */
  pValue: number;
  /** log10 of the same tail (stays finite when pValue underflows to 0). */
  log10PValue: number;
}

export function scorePairs(pairs: PairSet, key: Buffer, gamma: number): TextScore {
  const threshold = greenThreshold(gamma);
  let green = 0;
  for (const { context, tokenHashes } of pairs.contexts) {
    const seed = contextSeed(key, context);
    for (const hash of tokenHashes) if (isGreen(seed, hash, threshold)) green++;
  }
  return scoreCounts(green, pairs.size, gamma);
}

export function scoreCounts(green: number, scored: number, gamma: number): TextScore {
  const z = scored === 0 ? 0 : (green - gamma * scored) / Math.sqrt(scored * gamma * (1 - gamma));
  const logTail = scored === 0 ? 0 : logBinomialUpperTail(green, scored, gamma);
  return { scored, green, greenFraction: scored === 0 ? 0 : green / scored, gamma, z, pValue: Math.exp(logTail), log10PValue: logTail / Math.LN10 };
}

/** Raw (not deduplicated) green count, kept only to show in reports why deduplication is needed. */
export function rawScore(completions: readonly string[], key: Buffer, params: TextMarkParams): TextScore {
  const threshold = greenThreshold(params.gamma);
  let green = 0;
  let scored = 0;
  for (const text of completions) {
    const chars = Array.from(text);
    for (let i = params.contextWidth; i < chars.length; i++) {
      scored++;
      if (isGreen(contextSeed(key, chars.slice(i - params.contextWidth, i)), tokenHash(chars[i]), threshold)) green++;
    }
  }
  return scoreCounts(green, scored, params.gamma);
}

/** Scores texts under a key: deduplicate, then count. */
export function detectText(completions: readonly string[], key: Buffer, params: TextMarkParams): TextScore {
  return scorePairs(distinctPairs(completions, params.contextWidth), key, params.gamma);
}
