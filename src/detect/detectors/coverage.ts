/**
 * Coverage and diversity: distillers sweep task space — every prompt lands somewhere new, nobody follows up on an
 * answer, and nothing is asked twice (repeats waste budget). People circle a few interests, continue conversations,
 * and re-run what they care about. Three decayed measures (half-life ≈ 140 prompts):
 *   - novelty: the distance from a prompt to its nearest neighbour among the last 32 prompts and the 48 leaders;
 *   - coverage rate: the fraction of prompts that open a new region (farther than `radius` from every leader — a
 *     leader/cover-tree style ε-net, FIFO-bounded at 48 leaders);
 *   - shallowness: the fraction of prompts that are not follow-ups.
 * Exact repeats of any of the last 256 prompts are counter-evidence (a developer or an evaluation suite re-running)
 * and do not count as novel. Score = support(n) × breadth × shallowness factor × (1 − repeat discount).
 *
 * State per account at dimension d ≤ 256: (32 + 48) × d × 4 B of embeddings (≤ 80 KB at d = 256, 40 KB at
 * d = 128), 256 prompt hashes (1 KB), counters; `maxStateBytes` = 80·maxDim·4 + 3.2 KB. Cost: observe 80 dot products
 * (~10k multiply-adds at d = 128) plus a hash of the prompt; score O(1).
 */

import { isPublicPrompt } from '../popularity.ts';
import type { DetectionEvent, Detector, DetectorScore } from '../types.ts';
import {
  assertDim,
  createEmbeddingSet,
  type EmbeddingSet,
  embeddingAt,
  embeddingSetBytes,
  maxSimilarity,
  putEmbedding,
  unitDistance,
} from './embedding-set.ts';
import { checkEvent, DEFAULT_MAX_EMBEDDING_DIM } from './event-check.ts';
import { promptHash } from './prompt-hash.ts';
import { ramp, round, support } from './score-shape.ts';

const RECENT = 32;
const LEADERS = 48;
const HASHES = 256;
const DECAY = 0.995;
/** Pooled prompts a cluster's novelty is re-measured on (merge cost O(POOL² · d), ~2 ms at d = 128). */
const POOL = 128;

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

export interface CoverageOptions {
  /** Distance beyond which a prompt opens a new region (unit vectors: 0 identical … √2 orthogonal). Default 1.1. */
  radius?: number;
  /**
   * Where breadth starts and saturates, per measure: mean nearest-prompt distance (default [0.88, 1.02]) and the
   * share of prompts opening a new region (default [0.04, 0.2]). Distances depend on the embedder, so each embedder
   * has its own calibration (the engine's hashed n-gram one: HASHED_NGRAM_COVERAGE).
   */
  noveltyRange?: readonly [number, number];
  rateRange?: readonly [number, number];
  maxEmbeddingDim?: number;
}

export interface CoverageState {
  recent: EmbeddingSet;
  recentCursor: number;
  leaders: EmbeddingSet;
  leaderCursor: number;
  hashes: Uint32Array;
  hashCursor: number;
  /** Decayed sums: weight of embedded non-repeat prompts, their novelty, new leaders; all prompts, follow-ups, repeats. */
  novelWeight: number;
  novelty: number;
  newLeaders: number;
  weight: number;
  followUps: number;
  repeats: number;
  total: number;
}

/**
 * The calibration for the engine's hashed n-gram embedder, from the simulator's target run (bench detect-replay):
 * legitimate bulk jobs — one instruction over a slice of one corpus of long, distinct documents — measure mean
 * nearest-prompt distance 0.91–1.00 and open a new region with 7–31% of prompts (10th–90th percentile); broad
 * harvests of every corpus 1.06–1.16 and 58–91%; chat 0.77–0.85. With the generic ranges a bulk job scored 0.7–0.9,
 * like a harvest; with these it scores ≤ 0.5 while harvests still reach 1.
 */
export const HASHED_NGRAM_COVERAGE: Pick<CoverageOptions, 'noveltyRange' | 'rateRange'> = { noveltyRange: [0.95, 1.06], rateRange: [0.15, 0.45] };

export function createCoverageDetector(options: CoverageOptions = {}): Detector<CoverageState> {
  const radius = options.radius ?? 1.1;
  const [noveltyFrom, noveltyTo] = options.noveltyRange ?? [0.88, 1.02];
  const [rateFrom, rateTo] = options.rateRange ?? [0.04, 0.2];
  const maxDim = options.maxEmbeddingDim ?? DEFAULT_MAX_EMBEDDING_DIM;

  const create = (): CoverageState => ({
    recent: createEmbeddingSet(RECENT),
    recentCursor: 0,
    leaders: createEmbeddingSet(LEADERS),
    leaderCursor: 0,
    hashes: new Uint32Array(HASHES),
    hashCursor: 0,
    novelWeight: 0,
    novelty: 0,
    newLeaders: 0,
    weight: 0,
    followUps: 0,
    repeats: 0,
    total: 0,
  });

  const addLeader = (s: CoverageState, e: Float32Array): void => {
    putEmbedding(s.leaders, s.leaderCursor, e);
    s.leaderCursor = (s.leaderCursor + 1) % LEADERS;
  };

  const observe = (s: CoverageState, event: DetectionEvent): void => {
    checkEvent(event, maxDim);
    const e = event.embedding;
    if (e) {
      assertDim(s.recent, e);
      assertDim(s.leaders, e);
    }
    const hash = promptHash(event.promptText);
    // A prompt many other accounts sent verbatim (a public benchmark item) adds no coverage, like a repeat.
    const repeat = s.hashes.includes(hash) || isPublicPrompt(event);
    s.hashes[s.hashCursor] = hash;
    s.hashCursor = (s.hashCursor + 1) % HASHES;
    s.weight = s.weight * DECAY + 1;
    s.followUps = s.followUps * DECAY + (event.followUp ? 1 : 0);
    s.repeats = s.repeats * DECAY + (repeat ? 1 : 0);
    s.total += 1;
    if (!e || repeat) return;
    const leaderSimilarity = maxSimilarity(s.leaders, e);
    const nearest = unitDistance(Math.max(maxSimilarity(s.recent, e), leaderSimilarity));
    const first = s.recent.size === 0;
    const leaderDistance = unitDistance(leaderSimilarity);
    const opensRegion = first || leaderDistance > radius;
    if (opensRegion) addLeader(s, e);
    putEmbedding(s.recent, s.recentCursor, e);
    s.recentCursor = (s.recentCursor + 1) % RECENT;
    if (first) return; // the first prompt has nothing to be novel against
    s.novelWeight = s.novelWeight * DECAY + 1;
    s.novelty = s.novelty * DECAY + nearest;
    s.newLeaders = s.newLeaders * DECAY + (opensRegion ? 1 : 0);
  };

  const score = (s: CoverageState, _now: number): DetectorScore => {
    if (s.total === 0) return { score: 0, reasons: [], features: {} };
    const novelty = s.novelWeight > 0 ? s.novelty / s.novelWeight : 0;
    const coverageRate = s.novelWeight > 0 ? s.newLeaders / s.novelWeight : 0;
    const shallow = 1 - s.followUps / s.weight;
    const repeatFraction = s.repeats / s.weight;
    // Generic ranges from the test embedder (benign chat novelty 0.77–0.85, sweeps ≥ 1); embedders bring their own.
    const breadth = 0.5 * ramp(novelty, noveltyFrom, noveltyTo) + 0.5 * ramp(coverageRate, rateFrom, rateTo);
    const value =
      support(s.total, 30, 150) * breadth * (0.3 + 0.7 * ramp(shallow, 0.6, 0.95)) * (1 - ramp(repeatFraction, 0.15, 0.5));
    const reasons: string[] = [];
    if (value > 0.05) {
      reasons.push(
        `${Math.round(coverageRate * 100)}% of prompts open a new region of the embedding space (mean nearest-prompt distance ${round(novelty, 2)})`,
      );
      reasons.push(`${Math.round(shallow * 100)}% of ${s.total} requests are single-shot (no follow-up)`);
    }
    return {
      score: value,
      reasons,
      features: {
        total: s.total,
        novelty: round(novelty),
        coverageRate: round(coverageRate),
        shallowFraction: round(shallow),
        repeatFraction: round(repeatFraction),
        leaders: s.leaders.size,
      },
    };
  };

  /**
   * Cluster view: decayed sums add; the leaders of all members are re-clustered, and the coverage rate is scaled by
   * the share of member leaders that stay distinct — a swarm splitting a sweep keeps it, look-alike users lose it.
   */
  const merge = (states: readonly CoverageState[]): CoverageState => {
    const out = create();
    let memberLeaders = 0;
    let distinct = 0;
    for (const st of states) {
      out.novelWeight += st.novelWeight;
      out.novelty += st.novelty;
      out.newLeaders += st.newLeaders;
      out.weight += st.weight;
      out.followUps += st.followUps;
      out.repeats += st.repeats;
      out.total += st.total;
      for (let k = 0; k < st.leaders.size; k++) {
        const e = embeddingAt(st.leaders, k);
        memberLeaders += 1;
        if (out.leaders.size === 0 || unitDistance(maxSimilarity(out.leaders, e)) > radius) {
          distinct += 1;
          addLeader(out, e);
        }
      }
      for (let k = 0; k < st.recent.size && out.recent.size < RECENT; k++) putEmbedding(out.recent, out.recent.size, embeddingAt(st.recent, k));
    }
    if (memberLeaders > 0) out.newLeaders *= distinct / memberLeaders;
    // Members' own novelty is inflated by their short histories; re-measure it on the pooled recent prompts.
    const pool: Float32Array[] = [];
    for (let k = 0; pool.length < POOL; k++) {
      const before = pool.length;
      for (const st of states) if (k < st.recent.size && pool.length < POOL) pool.push(embeddingAt(st.recent, k));
      if (pool.length === before) break;
    }
    if (pool.length >= 2 && states.length > 1) {
      let sum = 0;
      for (let i = 0; i < pool.length; i++) {
        let best = -1;
        for (let j = 0; j < pool.length; j++) if (j !== i) best = Math.max(best, dot(pool[i], pool[j]));
        sum += unitDistance(best);
      }
      out.novelty = (sum / pool.length) * out.novelWeight;
    }
    return out;
  };

  return {
    name: 'coverage',
    maxStateBytes: embeddingSetBytes(RECENT, maxDim) + embeddingSetBytes(LEADERS, maxDim) + HASHES * 4 + 2048,
    create,
    observe,
    score,
    merge,
  };
}
