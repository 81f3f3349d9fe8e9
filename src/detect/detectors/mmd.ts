/**
 * MMD window test (after Liu, Guo & Dong 2026): is the distribution of an account's (or a merged cluster's) last B
 * prompt embeddings different from benign reference traffic? Statistic: unbiased MMD² with the multi-bandwidth
 * Gaussian kernel (scales 0.5/1/2/4 × the median-heuristic σ₀), computed through random Fourier features
 * (mmd-features.ts) so a sliding window costs O(D) per event. The p-value is empirical: MMD² of 200 seeded
 * benign-vs-reference windows (the null), p = (#null ≥ stat + 1)/(N + 1), as in the paper's permutation-style null.
 *
 * The reference is either fixed — `reference` embeddings the core computes from `benignReferencePrompts()` (the
 * default the core uses; reproducible and not poisonable) or a tenant's own benign sample — or, when none is given,
 * a population reservoir of 512 embeddings from all accounts' traffic, frozen into a feature map once 256 have
 * arrived and refreshed every 4,096 events (adapts to the deployment; an attacker who dominates traffic pollutes
 * it, so prefer a fixed reference). Half the reference is the reference mean, the other half feeds the null.
 *
 * State per account: the window's features (B × D floats: 64 × 48 × 4 = 12 KB by default), their running sum
 * (D doubles) and squared norms: ≤ 13 KB; `maxStateBytes` = B·D·4 + 8·B + 8·D + 1 KB. Detector-level: the reference
 * model (D × d weights, ~24 KB at d = 128) and, in population mode, the reservoir (512·d·4 B).
 * A window much less diverse than the reference (one template, one document type: the test's known false positive
 * for domain-specific tenants) counts half: score = ramp(excess, 2, 5) × (0.5 + 0.5·ramp(diversity ratio, 0.6, 0.9)).
 *
 * Cost: observe = one feature map (D·d ≈ 6k multiply-adds at d = 128, plus 48 cosines) and an O(D) window update;
 * score O(D + log N).
 */
import { MoatError } from '../../http/errors.ts';
import { createRng } from '../../ml/engine/rng.ts';
import { isPublicPrompt } from '../popularity.ts';
import type { DetectionEvent, Detector, DetectorScore } from '../types.ts';
import { checkEvent, DEFAULT_MAX_EMBEDDING_DIM } from './event-check.ts';
import { createFeatureMap, type FeatureMap, featurize, medianPairwiseDistance } from './mmd-features.ts';
import { ramp, round } from './score-shape.ts';

export interface MmdOptions {
  /** Benign reference embeddings (unit length, ≥ 2 × windowSize). Omitted: population reservoir mode. */
  reference?: readonly Float32Array[];
  /** Prompts per window B (default 64). */
  windowSize?: number;
  /**
   * Random features per bandwidth (default 12, so D = 48: 0 of 200 benign test windows fired, the weakest sweep
   * window still 10× the null's p99 excess; 16 was 25% slower for no measured gain).
   */
  featuresPerScale?: number;
  nullWindows?: number;
  seed?: number;
  maxEmbeddingDim?: number;
}

interface ReferenceModel {
  map: FeatureMap;
  mean: Float64Array;
  /** Unbiased within-reference kernel mean. */
  within: number;
  /** Sorted null statistics. */
  nullStats: Float64Array;
  version: number;
}

export interface MmdState {
  window: Float32Array | null;
  norms: Float64Array | null;
  sum: Float64Array | null;
  cursor: number;
  count: number;
  /** Reference version the window's features were computed under (a new feature map restarts the window). */
  version: number;
  total: number;
}

const RESERVOIR = 512;
const RESERVOIR_READY = 256;
const REFRESH_EVERY = 4096;

export function createMmdDetector(options: MmdOptions = {}): Detector<MmdState> {
  const windowSize = options.windowSize ?? 64;
  const perScale = options.featuresPerScale ?? 12;
  const features = perScale * 4;
  const nullWindows = options.nullWindows ?? 200;
  const seed = options.seed ?? 1;
  const maxDim = options.maxEmbeddingDim ?? DEFAULT_MAX_EMBEDDING_DIM;
  let model: ReferenceModel | null = null;
  let version = 0;

  const build = (samples: readonly Float32Array[], keepMap: FeatureMap | null): ReferenceModel => {
    const map = keepMap ?? createFeatureMap(samples[0].length, medianPairwiseDistance(samples), perScale, seed);
    const phi = samples.map((x) => {
      const out = new Float32Array(features);
      featurize(map, x, out);
      return out;
    });
    const ref = phi.filter((_, i) => i % 2 === 0);
    const held = phi.filter((_, i) => i % 2 === 1);
    const mean = new Float64Array(features);
    let sq = 0;
    for (const f of ref) for (let k = 0; k < features; k++) mean[k] += f[k];
    for (const f of ref) for (let k = 0; k < features; k++) sq += f[k] * f[k];
    let meanSq = 0;
    for (let k = 0; k < features; k++) meanSq += mean[k] * mean[k];
    const within = (meanSq - sq) / (ref.length * (ref.length - 1));
    for (let k = 0; k < features; k++) mean[k] /= ref.length;
    const rng = createRng(seed + 7);
    const nullStats = new Float64Array(nullWindows);
    const indices = held.map((_, i) => i);
    const sum = new Float64Array(features);
    for (let t = 0; t < nullWindows; t++) {
      sum.fill(0);
      let norms = 0;
      // Partial Fisher–Yates: a window of distinct held-out prompts (no duplicate inflating the self-similarity).
      for (let i = 0; i < windowSize; i++) {
        const j = i + rng.int(indices.length - i);
        [indices[i], indices[j]] = [indices[j], indices[i]];
        const f = held[indices[i]];
        for (let k = 0; k < features; k++) sum[k] += f[k];
        for (let k = 0; k < features; k++) norms += f[k] * f[k];
      }
      nullStats[t] = statistic(sum, norms, windowSize, mean, within);
    }
    nullStats.sort();
    version += 1;
    return { map, mean, within, nullStats, version };
  };

  const statistic = (sum: Float64Array, norms: number, m: number, mean: Float64Array, within: number): number => {
    let sumSq = 0;
    let cross = 0;
    for (let k = 0; k < features; k++) {
      sumSq += sum[k] * sum[k];
      cross += sum[k] * mean[k];
    }
    return (sumSq - norms) / (m * (m - 1)) + within - (2 * cross) / m;
  };

  if (options.reference) {
    const ref = options.reference;
    if (ref.length < 2 * windowSize) {
      throw new MoatError('invalid_request', `mmd reference needs ≥ ${2 * windowSize} embeddings, got ${ref.length}`, { param: 'reference' });
    }
    if (ref.some((e) => !(e instanceof Float32Array) || e.length !== ref[0].length || e.length > maxDim)) {
      throw new MoatError('invalid_request', 'mmd reference embeddings must be Float32Arrays of one dimension', { param: 'reference' });
    }
    model = build(ref, null);
  }

  // Population reservoir mode (no fixed reference): Algorithm R over every account's embeddings.
  const reservoir: Float32Array[] = [];
  let seen = 0;
  const sampler = createRng(seed + 13);
  const feedPopulation = (e: Float32Array): void => {
    seen += 1;
    if (reservoir.length < RESERVOIR) reservoir.push(Float32Array.from(e));
    else {
      const j = sampler.int(seen);
      if (j < RESERVOIR) reservoir[j] = Float32Array.from(e);
    }
    if (model === null && reservoir.length >= RESERVOIR_READY) model = build(reservoir, null);
    else if (model !== null && seen % REFRESH_EVERY === 0) model = { ...build(reservoir, model.map), version: model.version };
  };

  const create = (): MmdState => ({ window: null, norms: null, sum: null, cursor: 0, count: 0, version: 0, total: 0 });

  const push = (s: MmdState, phi: Float32Array, norm: number): void => {
    if (s.window === null || s.norms === null || s.sum === null) {
      s.window = new Float32Array(windowSize * features);
      s.norms = new Float64Array(windowSize);
      s.sum = new Float64Array(features);
    }
    const off = s.cursor * features;
    if (s.count >= windowSize) for (let k = 0; k < features; k++) s.sum[k] -= s.window[off + k];
    for (let k = 0; k < features; k++) {
      s.window[off + k] = phi[k];
      s.sum[k] += phi[k];
    }
    s.norms[s.cursor] = norm;
    s.cursor = (s.cursor + 1) % windowSize;
    s.count = Math.min(windowSize, s.count + 1);
  };

  const scratch = new Float32Array(features);
  const observe = (s: MmdState, event: DetectionEvent): void => {
    checkEvent(event, maxDim);
    s.total += 1;
    const e = event.embedding;
    if (!e) return;
    if (!options.reference) feedPopulation(e);
    // Public material (a benchmark many accounts send verbatim) is not the account's own query distribution.
    if (isPublicPrompt(event)) return;
    const m = model;
    if (m === null) return;
    if (e.length !== m.map.dim) {
      throw new MoatError('invalid_request', `detection event rejected: embedding has ${e.length} dimensions, the reference ${m.map.dim}`, {
        param: 'embedding',
      });
    }
    if (s.version !== m.version) {
      s.count = 0;
      s.cursor = 0;
      s.sum?.fill(0);
      s.version = m.version;
    }
    featurize(m.map, e, scratch);
    let norm = 0;
    for (let k = 0; k < features; k++) norm += scratch[k] * scratch[k];
    push(s, scratch, norm);
  };

  const score = (s: MmdState, _now: number): DetectorScore => {
    const m = model;
    if (m === null || s.count < windowSize || s.sum === null || s.norms === null || s.version !== m.version) {
      return { score: 0, reasons: [], features: { windowFill: s.count, windowSize, referenceReady: m ? 1 : 0 } };
    }
    let norms = 0;
    for (let i = 0; i < windowSize; i++) norms += s.norms[i];
    const stat = statistic(s.sum, norms, windowSize, m.mean, m.within);
    const n = m.nullStats.length;
    let above = 0;
    for (let i = n - 1; i >= 0 && m.nullStats[i] >= stat; i--) above++;
    const p = (above + 1) / (n + 1);
    const median = m.nullStats[n >> 1];
    const p99 = m.nullStats[Math.min(n - 1, Math.floor(0.99 * n))];
    const excess = (stat - median) / Math.max(1e-12, p99 - median);
    // Diversity = 1 − mean kernel between distinct prompts, for the window and for the reference. Distillation needs
    // diverse prompts; a window far less diverse than benign traffic is a narrow job (one template, one document
    // type) — the MMD test's known false positive for domain-specific tenants — so it counts half.
    let sumSq = 0;
    for (let k = 0; k < features; k++) sumSq += s.sum[k] * s.sum[k];
    const windowDiversity = 1 - (sumSq - norms) / (windowSize * (windowSize - 1));
    const diversityRatio = windowDiversity / Math.max(1e-9, 1 - m.within);
    const breadth = 0.5 + 0.5 * ramp(diversityRatio, 0.6, 0.9);
    // 0 up to twice the null's 99th-percentile excess, 1 at five times: 64-prompt windows are noisy (the paper used 1,500).
    const value = ramp(excess, 2, 5) * breadth;
    const reasons: string[] = [];
    if (value > 0) {
      reasons.push(
        `last ${windowSize} prompts differ from benign traffic: MMD² ${stat.toExponential(2)}, ${round(excess, 1)}× the null's 99th-percentile excess (p ${round(p, 4)})`,
      );
      if (breadth < 1) reasons.push(`counted ${Math.round(breadth * 100)}%: the window is narrow (diversity ${round(diversityRatio, 2)}× benign)`);
    }
    return {
      score: value,
      reasons,
      features: { mmd2: stat, pValue: round(p, 4), nullExcess: round(excess, 3), diversityRatio: round(diversityRatio, 3), windowSize, referenceReady: 1 },
    };
  };

  /** Cluster view: a window of the members' newest prompts, interleaved (round-robin, newest first). */
  const merge = (states: readonly MmdState[]): MmdState => {
    const out = create();
    const m = model;
    if (m === null) return out;
    out.version = m.version;
    const live = states.filter((st) => st.window !== null && st.version === m.version && st.count > 0);
    const phi = new Float32Array(features);
    for (let k = 1; out.count < windowSize; k++) {
      let took = false;
      for (const st of live) {
        if (k > st.count || out.count >= windowSize || st.window === null || st.norms === null) continue;
        const slot = (st.cursor - k + windowSize) % windowSize;
        phi.set(st.window.subarray(slot * features, (slot + 1) * features));
        push(out, phi, st.norms[slot]);
        took = true;
      }
      if (!took) break;
    }
    for (const st of states) out.total += st.total;
    return out;
  };

  return { name: 'mmd', maxStateBytes: windowSize * features * 4 + windowSize * 8 + features * 8 + 1024, create, observe, score, merge };
}
