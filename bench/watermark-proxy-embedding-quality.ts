/**
 * What the embedding mark costs honest retrieval, measured finely enough to resolve 1%. The metric is
 * retrieval-eval's recall@k on held-out State of the Union speeches with 8 evenly spaced passages per speech (392
 * queries, so one query is 0.45% (recall@10) to 3% (recall@1) relative: too coarse). Here the same protocol is
 * repeated over `rounds` retrieval sets: round r takes, from every held-out speech (the test years of
 * splitSpeechesByYear, never seen by embedder-teacher), the 8 passages at phase (r + ½) / rounds of eight equal
 * stretches — the middle round is exactly retrieval-eval's set, the others use other passages (8 × rounds per
 * speech at most; short speeches repeat theirs). Every passage of a round queries the other passages of that
 * round, plain and marked (per account), and the paired difference is bootstrapped by speech (a speech's queries
 * move together: marking one passage changes the ranks of many queries of its speech) and by trigger key (the key
 * decides which passages are marked; from one key to the next the cost moves by ±2%, so many keys are averaged,
 * after which the speeches dominate the interval's width).
 */
import { createHash } from 'node:crypto';
import type { TextEmbedder } from '../src/ml/contracts.ts';
import { loadSotuSpeeches, splitSpeechesByYear, toPassages } from '../src/ml/data/sotu.ts';
import { recallAtK } from '../src/ml/models/embedder/retrieval-eval.ts';
import { type EmbeddingMarkParams, embeddingTriggerKey, markEmbedding, targetDirections, triggerSets, triggerWeights } from '../src/watermark/embedding/marker.ts';

const KS = [1, 5, 10] as const;
const PER_SPEECH = 8;

export interface RetrievalRounds {
  /** Distinct passages (embedded once). */
  texts: string[];
  speechOf: number[];
  /** rounds[r] = indices into `texts`, grouped by speech. */
  rounds: number[][];
  speeches: number;
}

export function retrievalRounds(rounds: number): RetrievalRounds {
  const speeches = splitSpeechesByYear(loadSotuSpeeches(), 0.2)
    .test.map((s) => toPassages(s.text, 64))
    .filter((p) => p.length >= 2);
  const texts: string[] = [];
  const speechOf: number[] = [];
  const indexOf = new Map<string, number>();
  const out: number[][] = Array.from({ length: rounds }, () => []);
  speeches.forEach((passages, s) => {
    for (let r = 0; r < rounds; r++) {
      const picks = passages.length <= PER_SPEECH ? passages.map((_, i) => i) : Array.from({ length: PER_SPEECH }, (_, i) => Math.floor(((i + (r + 0.5) / rounds) * passages.length) / PER_SPEECH));
      for (const p of picks) {
        const id = `${s}/${p}`;
        let index = indexOf.get(id);
        if (index === undefined) {
          index = texts.length;
          indexOf.set(id, index);
          texts.push(passages[p] as string);
          speechOf.push(s);
        }
        out[r]?.push(index);
      }
    }
  });
  return { texts, speechOf, rounds: out, speeches: speeches.length };
}

/** Cosine scores within every round (row-major n × n), so a marked copy only recomputes pairs it changed. */
export function roundScores(vectors: readonly Float32Array[], set: RetrievalRounds): Float64Array[] {
  return set.rounds.map((round) => {
    const n = round.length;
    const scores = new Float64Array(n * n);
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) scores[a * n + b] = scores[b * n + a] = dot(vectors[round[a] as number] as Float32Array, vectors[round[b] as number] as Float32Array);
    return scores;
  });
}

/**
 * Per query of every round, the rank of its first same-speech passage (0 = top), ties broken by position as in
 * retrieval-eval. Pairs where neither passage is `changed` are read from `plain` (roundScores of the unmarked vectors).
 */
export function firstHitRanks(vectors: readonly Float32Array[], set: RetrievalRounds, plain: readonly Float64Array[], changed: Uint8Array): Int32Array {
  const ranks = new Int32Array(set.rounds.reduce((s, r) => s + r.length, 0));
  let q = 0;
  set.rounds.forEach((round, r) => {
    const n = round.length;
    const cached = plain[r] as Float64Array;
    const scores = new Float64Array(n);
    for (let a = 0; a < n; a++) {
      const ia = round[a] as number;
      const group = set.speechOf[ia];
      let best = -Infinity;
      let bestAt = -1;
      for (let b = 0; b < n; b++) {
        if (b === a) continue;
        const ib = round[b] as number;
        const s = changed[ia] || changed[ib] ? dot(vectors[ia] as Float32Array, vectors[ib] as Float32Array) : (cached[a * n + b] as number);
        scores[b] = s;
        if (set.speechOf[ib] === group && s > best) {
          best = s;
          bestAt = b;
        }
      }
      let rank = 0;
      for (let b = 0; b < n; b++) {
        if (b === a || set.speechOf[round[b] as number] === group) continue;
        const s = scores[b] as number;
        if (s > best || (s === best && b < bestAt)) rank++;
      }
      ranks[q++] = bestAt < 0 ? -1 : rank;
    }
  });
  return ranks;
}

export interface CostEstimate {
  recallPlain: number;
  recallMarked: number;
  /** (plain − marked) / plain: positive = the mark costs recall. */
  relativeCost: number;
  /** Paired bootstrap over speeches and trigger keys, 95% percentile interval. */
  ci95: [number, number];
}

/**
 * Relative recall cost per k with its bootstrap interval. `marked[g]` holds the rank arrays of trigger key g (one per
 * account). Which passages carry triggers is fixed by the trigger key, so keys vary the cost as much as queries do:
 * each bootstrap replicate resamples both the speeches (a speech's queries together) and the trigger keys.
 */
export function costWithInterval(plain: Int32Array, marked: readonly (readonly Int32Array[])[], set: RetrievalRounds, resamples = 2000): Record<string, CostEstimate> {
  const speechOfQuery = set.rounds.flatMap((round) => round.map((i) => set.speechOf[i] as number));
  const keys = marked.length;
  const out: Record<string, CostEstimate> = {};
  for (const k of KS) {
    const plainHits = new Float64Array(set.speeches);
    // markedHits[g * speeches + s]: hits of speech s's queries under trigger key g, mean over its accounts.
    const markedHits = new Float64Array(keys * set.speeches);
    speechOfQuery.forEach((s, q) => {
      if ((plain[q] as number) < 0) return;
      plainHits[s] = (plainHits[s] as number) + ((plain[q] as number) < k ? 1 : 0);
      marked.forEach((accounts, g) => {
        markedHits[g * set.speeches + s] = (markedHits[g * set.speeches + s] as number) + accounts.reduce((sum, ranks) => sum + ((ranks[q] as number) < k ? 1 : 0), 0) / accounts.length;
      });
    });
    const cost = (speechWeights: ArrayLike<number>, keyWeights: ArrayLike<number>) => {
      let keyTotal = 0;
      for (let g = 0; g < keys; g++) keyTotal += keyWeights[g] as number;
      let p = 0;
      let m = 0;
      for (let s = 0; s < set.speeches; s++) {
        const w = speechWeights[s] as number;
        if (w === 0) continue;
        let hits = 0;
        for (let g = 0; g < keys; g++) hits += (keyWeights[g] as number) * (markedHits[g * set.speeches + s] as number);
        p += w * (plainHits[s] as number);
        m += (w * hits) / keyTotal;
      }
      return p === 0 ? 0 : (p - m) / p;
    };
    const draw = keyedUniform(`bootstrap/${k}`);
    const resample = (n: number) => {
      const weights = new Float64Array(n);
      for (let i = 0; i < n; i++) weights[Math.floor(draw() * n)] += 1;
      return weights;
    };
    const samples = Array.from({ length: resamples }, () => cost(resample(set.speeches), resample(keys))).sort((a, b) => a - b);
    const queries = speechOfQuery.filter((_, q) => (plain[q] as number) >= 0).length;
    const sum = (a: Float64Array) => a.reduce((s, x) => s + x, 0);
    out[String(k)] = {
      recallPlain: round(sum(plainHits) / queries),
      recallMarked: round(sum(markedHits) / keys / queries),
      relativeCost: round(cost(new Float64Array(set.speeches).fill(1), new Float64Array(keys).fill(1))),
      ci95: [round(samples[Math.floor(0.025 * resamples)] as number), round(samples[Math.ceil(0.975 * resamples) - 1] as number)],
    };
  }
  return out;
}

/** The plain side, checked against retrieval-eval's own recallAtK on every round (same protocol, same numbers). */
export function plainRanks(model: TextEmbedder, set: RetrievalRounds) {
  const vectors = model.embed(set.texts);
  const scores = roundScores(vectors, set);
  const ranks = firstHitRanks(vectors, set, scores, new Uint8Array(set.texts.length));
  let q = 0;
  let middleRound: Record<string, number> = {};
  set.rounds.forEach((round, r) => {
    const reference = recallAtK(
      round.map((i) => vectors[i] as Float32Array),
      round.map((i) => set.speechOf[i] as number),
      KS,
    );
    const mine = ranks.subarray(q, q + round.length);
    q += round.length;
    for (const k of KS) {
      const hits = mine.filter((x) => x >= 0 && x < k).length / mine.filter((x) => x >= 0).length;
      if (Math.abs(hits - (reference.recallAt[String(k)] ?? 0)) > 1e-12) throw new Error(`round ${r}: recall@${k} ${hits} ≠ retrieval-eval's ${reference.recallAt[String(k)]}`);
    }
    if (r === Math.floor(set.rounds.length / 2)) middleRound = reference.recallAt;
  });
  return { vectors, scores, ranks, middleRound };
}

export interface MarkCandidate {
  params: EmbeddingMarkParams;
  note?: string;
}

/**
 * Relative recall cost of each candidate mark, averaged over `masters` trigger keys × `accounts` account keys (which
 * passages hold triggers depends on the trigger key, so one key alone is a noisy draw), with bootstrap intervals.
 */
export function embeddingRetrievalCost(model: TextEmbedder, name: string, candidates: Record<string, MarkCandidate>, options: { rounds: number; masters: number; accounts: number }) {
  const set = retrievalRounds(options.rounds);
  const plain = plainRanks(model, set);
  const results: Record<string, unknown> = {};
  for (const [label, { params, note }] of Object.entries(candidates)) {
    let touched = 0;
    const marked: Int32Array[][] = [];
    for (let m = 0; m < options.masters; m++) {
      const sets = triggerSets(embeddingTriggerKey(`bench-watermark-master-${m}`, 1), params);
      const weights = set.texts.map((t) => triggerWeights(t, sets, params));
      const changed = Uint8Array.from(weights, (w) => (w.some((x) => x > 0) ? 1 : 0));
      touched += changed.reduce((s, c) => s + c, 0) / set.texts.length / options.masters;
      marked.push(
        Array.from({ length: options.accounts }, (_, a) => {
          const directions = targetDirections(createHash('sha256').update(`bench-account-${m}-${a}`).digest(), model.dimensions, params.directions);
          const vectors = plain.vectors.map((v, i) => (changed[i] ? Float32Array.from(markEmbedding(Array.from(v), weights[i] as number[], directions)) : v));
          return firstHitRanks(vectors, set, plain.scores, changed);
        }),
      );
    }
    results[label] = { params, ...(note ? { note } : {}), passagesWithTrigger: round(touched, 4), cost: costWithInterval(plain.ranks, marked, set) };
  }
  return {
    model: name,
    protocol: `retrieval-eval's protocol (8 evenly spaced passages per held-out speech, each querying the rest of its set) repeated over ${options.rounds} phase-shifted rounds; cost averaged over ${options.masters} trigger keys × ${options.accounts} accounts; 95% interval = paired bootstrap over speeches and trigger keys`,
    speeches: set.speeches,
    rounds: options.rounds,
    queries: plain.ranks.filter((r) => r >= 0).length,
    distinctPassages: set.texts.length,
    /** The middle round is retrieval-eval's own 392-query set (the number the model card reports). */
    recallPlainMiddleRound: plain.middleRound,
    ...results,
  };
}

function keyedUniform(label: string): () => number {
  let counter = 0;
  return () => createHash('sha256').update(`${label}/${counter++}`).digest().readUInt32BE(0) / 2 ** 32;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function round(x: number, digits = 5): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}
