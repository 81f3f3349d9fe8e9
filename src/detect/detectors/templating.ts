/**
 * Templating: does this account (or cluster) fill a few prompt skeletons over and over with different values? That
 * is how task sweeps are generated ("Translate {sentence} to {Language}", "Write a {genre} story about {topic}").
 * Each prompt's masked-shingle MinHash sketch (skeleton-sketch.ts) is matched against up to 16 skeleton
 * representatives (Jaccard ≥ 0.5 joins one; otherwise it becomes a new one, evicting the weakest). A prompt
 * counts as *templated* when it joins a skeleton without being an exact repeat of a recent prompt — so a developer
 * re-running the same test prompts is not templating, and a batch job whose prompts are mostly distinct documents
 * behind one short instruction does not share skeletons at this threshold. A single skeleton scores 0.6 at most (a
 * bulk job with short fields looks exactly like that); several skeletons reach 1. Via `merge`, skeletons seen in several
 * accounts are counted per account: a swarm sharing its templates is visible even when each member sends a few.
 *
 * State per account: 16 sketches × 32 hashes (2 KB), per-skeleton weight and account count (192 B), a 64-slot ring
 * of recent exact-prompt hashes (256 B), counters: ≤ 2.8 KB; `maxStateBytes` = 4096. Cost: observe O(tokens ≤ 256)
 * to sketch plus 16 × O(32) to match (~3 µs for a short prompt); score O(16).
 */
import type { DetectionEvent, Detector, DetectorScore } from '../types.ts';
import { checkEvent } from './event-check.ts';
import { anyOf, ramp, round, support } from './score-shape.ts';
import { SKETCH_K, sketchPrompt, sketchSimilarity } from './skeleton-sketch.ts';

const SKELETONS = 16;
const RECENT = 64;
const DECAY = 0.995;
const JOIN = 0.5;

export interface TemplatingState {
  sketches: Uint32Array;
  sketchLengths: Uint8Array;
  weights: Float64Array;
  /** How many accounts each skeleton was seen in (1 for an account's own state; summed by merge). */
  accounts: Uint16Array;
  recentExact: Uint32Array;
  recentCursor: number;
  /** Decayed totals: all prompts, templated (joined a skeleton, not a repeat), exact repeats. */
  weight: number;
  templated: number;
  repeats: number;
  total: number;
}

function exactHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0) || 1;
}

export function createTemplatingDetector(): Detector<TemplatingState> {
  const create = (): TemplatingState => ({
    sketches: new Uint32Array(SKELETONS * SKETCH_K),
    sketchLengths: new Uint8Array(SKELETONS),
    weights: new Float64Array(SKELETONS),
    accounts: new Uint16Array(SKELETONS),
    recentExact: new Uint32Array(RECENT),
    recentCursor: 0,
    weight: 0,
    templated: 0,
    repeats: 0,
    total: 0,
  });

  /** The best-matching skeleton slot for a sketch, or −1 under the join threshold. */
  const match = (s: TemplatingState, sketch: ArrayLike<number>, length: number): number => {
    let best = -1;
    let bestSim = JOIN;
    for (let k = 0; k < SKELETONS; k++) {
      if (s.sketchLengths[k] === 0) continue;
      const sim = sketchSimilarity(s.sketches, k * SKETCH_K, s.sketchLengths[k], sketch, 0, length);
      if (sim >= bestSim) {
        bestSim = sim;
        best = k;
      }
    }
    return best;
  };

  const insert = (s: TemplatingState, sketch: ArrayLike<number>, length: number, weight: number, accounts: number): void => {
    let slot = 0;
    for (let k = 1; k < SKELETONS; k++) if (s.weights[k] < s.weights[slot]) slot = k;
    if (s.sketchLengths[slot] !== 0 && s.weights[slot] > weight) return;
    for (let i = 0; i < length; i++) s.sketches[slot * SKETCH_K + i] = sketch[i];
    s.sketchLengths[slot] = length;
    s.weights[slot] = weight;
    s.accounts[slot] = accounts;
  };

  const observe = (s: TemplatingState, event: DetectionEvent): void => {
    checkEvent(event);
    const sketch = sketchPrompt(event.promptText);
    const hash = exactHash(event.promptText);
    const repeat = s.recentExact.includes(hash);
    s.recentExact[s.recentCursor] = hash;
    s.recentCursor = (s.recentCursor + 1) % RECENT;
    for (let k = 0; k < SKELETONS; k++) s.weights[k] *= DECAY;
    s.weight = s.weight * DECAY + 1;
    s.templated *= DECAY;
    s.repeats *= DECAY;
    s.total += 1;
    if (repeat) s.repeats += 1;
    if (sketch.length === 0) return;
    const slot = match(s, sketch, sketch.length);
    if (slot >= 0) {
      s.weights[slot] += 1;
      if (!repeat) s.templated += 1;
    } else {
      insert(s, sketch, sketch.length, 1, 1);
    }
  };

  const score = (s: TemplatingState, _now: number): DetectorScore => {
    if (s.total === 0) return { score: 0, reasons: [], features: {} };
    const templatedFraction = s.templated / s.weight;
    let sum = 0;
    let top = 0;
    let topAccounts = 0;
    let entropy = 0;
    for (let k = 0; k < SKELETONS; k++) sum += s.weights[k];
    for (let k = 0; k < SKELETONS; k++) {
      const w = s.weights[k];
      if (w <= 0) continue;
      entropy -= (w / sum) * Math.log(w / sum);
      if (w > top) top = w;
      if (w >= 0.05 * sum) topAccounts = Math.max(topAccounts, s.accounts[k]);
    }
    const effectiveSkeletons = Math.exp(entropy);
    // One skeleton is also the shape of a legitimate bulk job (one document type through one instruction), so it
    // reaches 0.6 at most; filling several task skeletons — sweeping task space — reaches 1.
    const own = support(s.total, 20, 80) * ramp(templatedFraction, 0.3, 0.8) * (0.6 + 0.4 * ramp(effectiveSkeletons, 2, 3));
    const shared = ramp(topAccounts, 2, 10) * ramp(templatedFraction, 0.15, 0.5);
    const reasons: string[] = [];
    if (own > 0.05) {
      const skeletons = effectiveSkeletons < 2 ? 'one skeleton' : `${round(effectiveSkeletons, 1)} skeletons`;
      reasons.push(`${Math.round(templatedFraction * 100)}% of recent prompts fill ${skeletons} with new values`);
    }
    if (shared > 0.05) reasons.push(`a prompt skeleton is shared by ${topAccounts} accounts`);
    return {
      score: anyOf(own, shared),
      reasons: shared > own ? reasons.reverse() : reasons,
      features: {
        total: s.total,
        templatedFraction: round(templatedFraction),
        repeatFraction: round(s.repeats / s.weight),
        effectiveSkeletons: round(effectiveSkeletons, 2),
        topSkeletonShare: round(sum > 0 ? top / sum : 0),
        accountsSharingSkeleton: topAccounts,
      },
    };
  };

  /** Cluster view: skeletons matched across members add their weights and account counts; counters add. */
  const merge = (states: readonly TemplatingState[]): TemplatingState => {
    const out = create();
    for (const st of states) {
      out.weight += st.weight;
      out.templated += st.templated;
      out.repeats += st.repeats;
      out.total += st.total;
      for (let k = 0; k < SKELETONS; k++) {
        const length = st.sketchLengths[k];
        if (length === 0) continue;
        const sketch = st.sketches.subarray(k * SKETCH_K, k * SKETCH_K + length);
        const slot = match(out, sketch, length);
        if (slot >= 0) {
          // The member's first prompt of this skeleton was "new" in its own state; across the cluster it is a repeat.
          out.templated += Math.min(1, st.weights[k]);
          out.weights[slot] += st.weights[k];
          out.accounts[slot] = Math.min(65535, out.accounts[slot] + st.accounts[k]);
        } else {
          insert(out, sketch, length, st.weights[k], st.accounts[k]);
        }
      }
    }
    return out;
  };

  return { name: 'templating', maxStateBytes: 4096, create, observe, score, merge };
}
