/**
 * Embedding watermark: EmbMarker's trigger-word backdoor hardened WARDEN-style with several target directions.
 * Trigger words (keyed by the deployment's trigger key, so one probe set tests every account) are split into one
 * subset per direction; an answer whose input holds c_j distinct triggers of subset j is mixed toward that account's
 * direction t_j with weight c_j / m (weights capped to sum ≤ 1) and re-normalised to its original length:
 *
 *   e' = ‖e‖ · normalise((1 − Σ w_j) ê + Σ w_j t_j)
 *
 * Directions are per account (derived from the account key), so a copy's drift toward them names the account.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export interface EmbeddingMarkParams {
  /** Trigger words drawn from the vocabulary (EmbMarker: 20; here 8, see DEFAULT_EMBEDDING_PARAMS). */
  triggers: number;
  /** Target directions, each with its own trigger subset (WARDEN: several; here 2). */
  directions: number;
  /** Distinct triggers of a subset that give full weight (EmbMarker's m = 4). */
  maxTriggers: number;
}

/**
 * 8 triggers, four per direction: ~5% of passages move, each as far as with EmbMarker's 20. Lighter marks lost the
 * distilled copy instead (a 1/12 mix: p = 0.02; 1/6: p < 1e-6 in 2 of 4 runs; two triggers per direction: 3 of 4);
 * docs/watermark-proxy.md has the measurements.
 */
export const DEFAULT_EMBEDDING_PARAMS: EmbeddingMarkParams = { triggers: 8, directions: 2, maxTriggers: 4 };

const VocabularySchema = z.object({ source: z.string(), words: z.array(z.string().regex(/^[a-z]+$/)).min(100) });
let vocabulary: readonly string[] | undefined;

/** Words in 0.5–1% of passages (trigger-vocabulary.json). */
export function triggerVocabulary(): readonly string[] {
  vocabulary ??= VocabularySchema.parse(JSON.parse(readFileSync(new URL('./trigger-vocabulary.json', import.meta.url), 'utf8'))).words;
  return vocabulary;
}

/** The deployment-wide trigger key of a key version: from the master, never from an account key. */
export function embeddingTriggerKey(master: string, version: number): Buffer {
  return createHmac('sha256', master).update(`moat-watermark/v${version}/embedding-triggers`).digest();
}

export interface TriggerSets {
  /** subsets[j] = the trigger words of direction j. */
  subsets: readonly (readonly string[])[];
  directionOf: ReadonlyMap<string, number>;
  /** Vocabulary words that are not triggers (benign probe words). */
  benign: readonly string[];
}

/** Keyed choice of trigger words, dealt round-robin to the directions. */
export function triggerSets(triggerKey: Buffer, params: EmbeddingMarkParams, words: readonly string[] = triggerVocabulary()): TriggerSets {
  const ranked = [...words].sort((a, b) => keyedRank(triggerKey, a) - keyedRank(triggerKey, b) || a.localeCompare(b));
  const chosen = ranked.slice(0, params.triggers);
  const subsets: string[][] = Array.from({ length: params.directions }, () => []);
  const directionOf = new Map<string, number>();
  chosen.forEach((word, i) => {
    subsets[i % params.directions]?.push(word);
    directionOf.set(word, i % params.directions);
  });
  return { subsets, directionOf, benign: ranked.slice(params.triggers) };
}

function keyedRank(key: Buffer, word: string): number {
  return createHmac('sha256', key).update(`trigger/${word}`).digest().readUIntBE(0, 6);
}

/** `count` unit vectors of `dimensions`, Gaussian from an HMAC stream of the account key (so uniform on the sphere). */
export function targetDirections(accountKey: Buffer, dimensions: number, count: number): Float64Array[] {
  const key = createHmac('sha256', accountKey).update('moat-embedding-watermark/v1').digest();
  const directions: Float64Array[] = [];
  for (let j = 0; j < count; j++) {
    const v = new Float64Array(dimensions);
    let block = Buffer.alloc(0);
    let used = 0;
    let counter = 0;
    const uniform = () => {
      if (used + 6 > block.length) {
        block = createHmac('sha256', key).update(`${dimensions}/${j}/${counter++}`).digest();
        used = 0;
      }
      const u = (block.readUIntBE(used, 6) + 0.5) / 2 ** 48;
      used += 6;
      return u;
    };
    for (let i = 0; i < dimensions; i++) v[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    directions.push(scaleToUnit(v));
  }
  return directions;
}

/** Per-direction mixing weights for a text: c_j / m, scaled down together when their sum passes 1. */
export function triggerWeights(text: string, sets: TriggerSets, params: EmbeddingMarkParams): number[] {
  const counts = new Array<number>(params.directions).fill(0);
  for (const word of new Set(text.toLowerCase().match(/[a-z]+/g) ?? [])) {
    const j = sets.directionOf.get(word);
    if (j !== undefined) counts[j] = (counts[j] ?? 0) + 1;
  }
  const weights = counts.map((c) => Math.min(1, c / params.maxTriggers));
  const sum = weights.reduce((s, w) => s + w, 0);
  return sum > 1 ? weights.map((w) => w / sum) : weights;
}

/** The marked vector (same length as the input), or the input itself when the text holds no trigger. */
export function markEmbedding(vector: readonly number[], weights: readonly number[], directions: readonly Float64Array[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  if (total === 0) return [...vector];
  const norm = lengthOf(vector) || 1;
  const mixed = vector.map((x, i) => {
    let v = (1 - total) * (x / norm);
    weights.forEach((w, j) => {
      if (w > 0) v += w * (directions[j]?.[i] ?? 0);
    });
    return v;
  });
  const mixedNorm = lengthOf(mixed) || 1;
  return mixed.map((x) => (x / mixedNorm) * norm);
}

export function lengthOf(v: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += (v[i] ?? 0) ** 2;
  return Math.sqrt(sum);
}

function scaleToUnit(v: Float64Array): Float64Array {
  const norm = lengthOf(v) || 1;
  for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) / norm;
  return v;
}
