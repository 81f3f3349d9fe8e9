/**
 * PRADA (Juuti et al., EuroS&P 2019) adapted to prompt embeddings: for each new prompt, its distance to the nearest
 * member of the account's growing set G; the prompt joins G when that distance exceeds the threshold T, and
 * T ← max(T, mean − std) of the distances recorded on joining. Benign prompts give roughly normal min-distances;
 * synthetic extraction (small perturbations of seed prompts plus occasional jumps) skews them. Every 10 prompts the
 * window of recent min-distances, after 3σ outlier rejection, is tested with Shapiro–Wilk (Royston, n ≤ 5,000); the
 * account is flagged when W < δ (δ = 0.9, the reference server's default; the paper tunes 0.87–0.96).
 *
 * Adaptations, each for a reason: one class (text prompts have no predicted class); G is bounded (64 members,
 * reservoir-replaced when full) and the distances are a 512-slot sliding window (memory, and Shapiro–Wilk's n
 * limit); exact repeats of any of the last 256 prompts (and distance-0 prompts) are skipped — a developer or an
 * evaluation suite re-running prompts is not probing the boundary.
 *
 * State per account at dimension d: 64·d·4 B for G (32 KB at d = 128, 64 KB at d = 256), 2 KB of distances, 1 KB
 * of recent prompt hashes, scalars; `maxStateBytes` = 64·maxDim·4 + 4.1 KB. Cost: observe 64 dot products (~8k multiply-adds at d = 128);
 * every 10th observe also runs the test (sort + O(n), n ≤ 512: ~20–40 µs, so ~3 µs amortised); score O(1).
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
  nextRandom,
  putEmbedding,
  unitDistance,
} from './embedding-set.ts';
import { checkEvent, DEFAULT_MAX_EMBEDDING_DIM } from './event-check.ts';
import { promptHash } from './prompt-hash.ts';
import { ramp, round } from './score-shape.ts';
import { shapiroWilk } from './stats/shapiro-wilk.ts';

const GROWING = 64;
const WINDOW = 512;
const TEST_EVERY = 10;
const RECENT_PROMPTS = 256;

export interface PradaOptions {
  /** Flag when W < delta (default 0.9). */
  delta?: number;
  /** Distances needed (after outlier rejection) before testing (default 100, as in PRADA). */
  minSamples?: number;
  maxEmbeddingDim?: number;
}

export interface PradaState {
  growing: EmbeddingSet;
  /** Prompts offered to G so far (for reservoir replacement once it is full). */
  joined: number;
  threshold: number;
  /** Sum and sum of squares of the distances recorded on joining G (for mean − std). */
  joinSum: number;
  joinSumSq: number;
  distances: Float32Array;
  distanceCount: number;
  sinceTest: number;
  /** The latest test: W (1 until tested), its p-value, and the sample size. */
  w: number;
  p: number;
  tested: number;
  rand: number;
  total: number;
  /** Hashes of the last 256 prompts: exact repeats are skipped (an evaluation suite re-run is not probing). */
  recentHashes: Uint32Array;
  recentCursor: number;
}

export function createPradaDetector(options: PradaOptions = {}): Detector<PradaState> {
  const delta = options.delta ?? 0.9;
  const minSamples = options.minSamples ?? 100;
  const maxDim = options.maxEmbeddingDim ?? DEFAULT_MAX_EMBEDDING_DIM;

  const create = (): PradaState => ({
    growing: createEmbeddingSet(GROWING),
    joined: 0,
    threshold: 0,
    joinSum: 0,
    joinSumSq: 0,
    distances: new Float32Array(WINDOW),
    distanceCount: 0,
    sinceTest: 0,
    w: 1,
    p: 1,
    tested: 0,
    rand: 0x2545f491,
    total: 0,
    recentHashes: new Uint32Array(RECENT_PROMPTS),
    recentCursor: 0,
  });

  const join = (s: PradaState, e: Float32Array, distance: number): void => {
    s.joined += 1;
    if (s.growing.size < GROWING) putEmbedding(s.growing, s.growing.size, e);
    else {
      const slot = Math.floor(nextRandom(s) * s.joined);
      if (slot < GROWING) putEmbedding(s.growing, slot, e);
    }
    s.joinSum += distance;
    s.joinSumSq += distance * distance;
    const mean = s.joinSum / s.joined;
    const std = Math.sqrt(Math.max(0, s.joinSumSq / s.joined - mean * mean));
    s.threshold = Math.max(s.threshold, mean - std);
  };

  const runTest = (s: PradaState): void => {
    s.sinceTest = 0;
    const n = Math.min(s.distanceCount, WINDOW);
    if (n < minSamples) return;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += s.distances[i];
    mean /= n;
    let variance = 0;
    for (let i = 0; i < n; i++) variance += (s.distances[i] - mean) ** 2;
    const std = Math.sqrt(variance / n);
    const kept: number[] = [];
    for (let i = 0; i < n; i++) if (Math.abs(s.distances[i] - mean) < 3 * std) kept.push(s.distances[i]);
    if (kept.length < minSamples) return;
    try {
      const result = shapiroWilk(kept);
      s.w = result.w;
      s.p = result.p;
      s.tested = kept.length;
    } catch {
      // A constant window has no shape to test; keep the previous verdict rather than guess.
    }
  };

  const observe = (s: PradaState, event: DetectionEvent): void => {
    checkEvent(event, maxDim);
    s.total += 1;
    const e = event.embedding;
    if (!e) return;
    assertDim(s.growing, e);
    const hash = promptHash(event.promptText);
    // An exact repeat is a re-run, and a prompt many other accounts sent verbatim is public material: neither probes.
    if (s.recentHashes.includes(hash) || isPublicPrompt(event)) return;
    s.recentHashes[s.recentCursor] = hash;
    s.recentCursor = (s.recentCursor + 1) % s.recentHashes.length;
    if (s.growing.size === 0) {
      putEmbedding(s.growing, 0, e);
      s.joined = 1;
      return;
    }
    const distance = unitDistance(maxSimilarity(s.growing, e));
    if (distance < 1e-4) return; // the same prompt up to embedding noise
    s.distances[s.distanceCount % WINDOW] = distance;
    s.distanceCount += 1;
    if (distance > s.threshold) join(s, e, distance);
    s.sinceTest += 1;
    if (s.sinceTest >= TEST_EVERY) runTest(s);
  };

  const score = (s: PradaState, _now: number): DetectorScore => {
    if (s.tested === 0) {
      return { score: 0, reasons: [], features: { distances: Math.min(s.distanceCount, WINDOW), total: s.total } };
    }
    // 0 while W ≥ δ + 0.02 (benign chat measured 0.93–0.997), 1 at δ − 0.08: a benign account near δ adds little.
    const value = 1 - ramp(s.w, delta - 0.08, delta + 0.02);
    return {
      score: value,
      reasons:
        s.w < delta
          ? [`prompt min-distances are not normal: Shapiro–Wilk W ${round(s.w, 3)} < δ ${delta} over ${s.tested} prompts (p ${s.p.toExponential(1)})`]
          : [],
      features: {
        shapiroW: round(s.w, 4),
        shapiroP: s.p,
        tested: s.tested,
        threshold: round(s.threshold, 3),
        growingSet: s.growing.size,
        total: s.total,
      },
    };
  };

  /** Cluster view: the members' recent distances pooled (newest first) and re-tested; G sampled from all members. */
  const merge = (states: readonly PradaState[]): PradaState => {
    const out = create();
    for (const st of states) {
      out.total += st.total;
      out.joinSum += st.joinSum;
      out.joinSumSq += st.joinSumSq;
      out.threshold = Math.max(out.threshold, st.threshold);
      for (let k = 0; k < st.growing.size; k++) {
        out.joined += 1;
        const slot = out.growing.size < GROWING ? out.growing.size : Math.floor(nextRandom(out) * out.joined);
        if (slot < GROWING) putEmbedding(out.growing, slot, embeddingAt(st.growing, k));
      }
    }
    for (let k = 1; out.distanceCount < WINDOW; k++) {
      let took = false;
      for (const st of states) {
        if (k > Math.min(st.distanceCount, WINDOW) || out.distanceCount >= WINDOW) continue;
        out.distances[out.distanceCount++] = st.distances[(st.distanceCount - k) % WINDOW];
        took = true;
      }
      if (!took) break;
    }
    runTest(out);
    return out;
  };

  return {
    name: 'prada',
    maxStateBytes: embeddingSetBytes(GROWING, maxDim) + WINDOW * 4 + RECENT_PROMPTS * 4 + 1024,
    create,
    observe,
    score,
    merge,
  };
}
