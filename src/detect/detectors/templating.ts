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
 * Openings (the first 12 tokens) are tracked too, only for that cluster view: a wrapper template around long,
 * varied content ("You are a helpful assistant… Request: <passage>") is invisible to the whole-prompt Jaccard but
 * shared verbatim by a swarm's members; one account's own openings never raise its score (a batch job has one).
 *
 * State per account: 16 sketches × 32 hashes (2 KB), per-skeleton weight and account count (192 B), a 64-slot ring
 * of recent exact-prompt hashes (256 B), founder hashes and flags (80 B), 4 opening sketches × 24 hashes with weights and account counts (440 B),
 * counters: ≤ 3.4 KB; `maxStateBytes` = 4096. Cost: observe O(tokens ≤ 256)
 * to sketch plus 16 × O(32) to match (~3 µs for a short prompt); score O(16).
 */
import { isPublicPrompt } from '../popularity.ts';
import type { DetectionEvent, Detector, DetectorScore } from '../types.ts';
import { checkEvent } from './event-check.ts';
import { promptHash } from './prompt-hash.ts';
import { anyOf, ramp, round, support } from './score-shape.ts';
import { HEAD_K, PromptSketcher, SKETCH_K, sketchSimilarity } from './skeleton-sketch.ts';

const SKELETONS = 16;
/** Prompt openings (first 12 tokens) tracked per account, for wrappers shared across a cluster's accounts. */
const HEADS = 4;
const HEAD_JOIN = 0.6;
const RECENT = 64;
const DECAY = 0.995;
const JOIN = 0.5;

export interface TemplatingState {
  sketches: Uint32Array;
  sketchLengths: Uint8Array;
  weights: Float64Array;
  /** How many accounts each skeleton was seen in (1 for an account's own state; summed by merge). */
  accounts: Uint16Array;
  /** Hash of the text that founded each skeleton, and whether any other text joined it (fills that vary). */
  founders: Uint32Array;
  varied: Uint8Array;
  recentExact: Uint32Array;
  recentCursor: number;
  heads: Uint32Array;
  headLengths: Uint8Array;
  headWeights: Float64Array;
  headAccounts: Uint16Array;
  /** Decayed totals: all prompts, templated (joined a skeleton, not a repeat), exact repeats. */
  weight: number;
  templated: number;
  repeats: number;
  total: number;
}


export function createTemplatingDetector(): Detector<TemplatingState> {
  const create = (): TemplatingState => ({
    sketches: new Uint32Array(SKELETONS * SKETCH_K),
    sketchLengths: new Uint8Array(SKELETONS),
    weights: new Float64Array(SKELETONS),
    accounts: new Uint16Array(SKELETONS),
    founders: new Uint32Array(SKELETONS),
    varied: new Uint8Array(SKELETONS),
    recentExact: new Uint32Array(RECENT),
    recentCursor: 0,
    heads: new Uint32Array(HEADS * HEAD_K),
    headLengths: new Uint8Array(HEADS),
    headWeights: new Float64Array(HEADS),
    headAccounts: new Uint16Array(HEADS),
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
      const sim = sketchSimilarity(s.sketches, k * SKETCH_K, s.sketchLengths[k], sketch, 0, length, SKETCH_K, bestSim);
      if (sim >= bestSim) {
        bestSim = sim;
        best = k;
      }
    }
    return best;
  };

  const insert = (
    s: TemplatingState,
    sketch: ArrayLike<number>,
    length: number,
    weight: number,
    accounts: number,
    founder: number,
    varied: number,
  ): void => {
    let slot = 0;
    for (let k = 1; k < SKELETONS; k++) if (s.weights[k] < s.weights[slot]) slot = k;
    if (s.sketchLengths[slot] !== 0 && s.weights[slot] > weight) return;
    for (let i = 0; i < length; i++) s.sketches[slot * SKETCH_K + i] = sketch[i];
    s.sketchLengths[slot] = length;
    s.weights[slot] = weight;
    s.accounts[slot] = accounts;
    s.founders[slot] = founder;
    s.varied[slot] = varied;
  };

  /**
   * Adds `weight` (and `accounts`) to the matching opening, or takes the lightest slot when this one outweighs it
   * (a new slot counts at least one account; an account's own observations pass 0 accounts).
   */
  const addHead = (s: TemplatingState, head: ArrayLike<number>, length: number, weight: number, accounts: number): boolean => {
    let best = -1;
    let bestSim = HEAD_JOIN;
    let lightest = 0;
    for (let k = 0; k < HEADS; k++) {
      if (s.headWeights[k] < s.headWeights[lightest]) lightest = k;
      if (s.headLengths[k] === 0) continue;
      const sim = sketchSimilarity(s.heads, k * HEAD_K, s.headLengths[k], head, 0, length, HEAD_K, bestSim);
      if (sim >= bestSim) {
        bestSim = sim;
        best = k;
      }
    }
    if (best >= 0) {
      s.headWeights[best] += weight;
      s.headAccounts[best] = Math.min(65535, s.headAccounts[best] + accounts);
      return true;
    }
    if (s.headLengths[lightest] !== 0 && s.headWeights[lightest] > weight) return false;
    for (let i = 0; i < length; i++) s.heads[lightest * HEAD_K + i] = head[i];
    s.headLengths[lightest] = length;
    s.headWeights[lightest] = weight;
    s.headAccounts[lightest] = Math.max(1, accounts);
    return false;
  };

  const sketcher = new PromptSketcher();
  const observe = (s: TemplatingState, event: DetectionEvent): void => {
    checkEvent(event);
    sketcher.sketch(event.promptText);
    const { whole: sketch, head } = sketcher;
    const hash = promptHash(event.promptText);
    // A public prompt (sent verbatim by many accounts) is not this account filling a template of its own.
    const repeat = s.recentExact.includes(hash) || isPublicPrompt(event);
    s.recentExact[s.recentCursor] = hash;
    s.recentCursor = (s.recentCursor + 1) % RECENT;
    for (let k = 0; k < SKELETONS; k++) s.weights[k] *= DECAY;
    for (let k = 0; k < HEADS; k++) s.headWeights[k] *= DECAY;
    s.weight = s.weight * DECAY + 1;
    s.templated *= DECAY;
    s.repeats *= DECAY;
    s.total += 1;
    if (repeat) s.repeats += 1;
    if (sketcher.wholeLength === 0) return;
    // An account's own heads always count one account: they matter only when merge adds other accounts' heads.
    addHead(s, head, sketcher.headLength, 1, 0);
    const slot = match(s, sketch, sketcher.wholeLength);
    if (slot >= 0) {
      s.weights[slot] += 1;
      if (hash !== s.founders[slot]) s.varied[slot] = 1;
      if (!repeat) s.templated += 1;
    } else {
      insert(s, sketch, sketcher.wholeLength, 1, 1, hash, 0);
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
      // Accounts sharing one literal prompt ("thanks, can you say more?") are not sharing a template.
      if (w >= 0.05 * sum && s.varied[k]) topAccounts = Math.max(topAccounts, s.accounts[k]);
    }
    const effectiveSkeletons = Math.exp(entropy);
    // One skeleton is also the shape of a legitimate bulk job (one document type through one instruction), so it
    // reaches 0.6 at most; filling several task skeletons — sweeping task space — reaches 1.
    const own = support(s.total, 20, 80) * ramp(templatedFraction, 0.3, 0.8) * (0.6 + 0.4 * ramp(effectiveSkeletons, 2, 3));
    let headShared = 0;
    let headAccounts = 0;
    let headShare = 0;
    for (let k = 0; k < HEADS; k++) {
      if (s.headLengths[k] === 0) continue;
      const share = s.headWeights[k] / s.weight;
      const value = ramp(s.headAccounts[k], 2, 10) * ramp(share, 0.3, 0.7);
      if (value > headShared || (headShared === 0 && share > headShare)) {
        headShared = value;
        headAccounts = s.headAccounts[k];
        headShare = share;
      }
    }
    const shared = Math.max(ramp(topAccounts, 2, 10) * ramp(templatedFraction, 0.15, 0.5), headShared);
    const reasons: string[] = [];
    if (own > 0.05) {
      const skeletons = effectiveSkeletons < 2 ? 'one skeleton' : `${round(effectiveSkeletons, 1)} skeletons`;
      reasons.push(`${Math.round(templatedFraction * 100)}% of recent prompts fill ${skeletons} with new values`);
    }
    if (shared > 0.05) {
      reasons.push(
        headShared >= shared
          ? `${Math.round(headShare * 100)}% of prompts open with the same wrapper, shared by ${headAccounts} accounts`
          : `a prompt skeleton is shared by ${topAccounts} accounts`,
      );
    }
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
        topOpeningShare: round(headShare),
        accountsSharingOpening: headAccounts,
      },
    };
  };

  /** Cluster view: skeletons and openings matched across members add their weights and account counts; counters add. */
  const merge = (states: readonly TemplatingState[]): TemplatingState => {
    const out = create();
    for (const st of states) {
      for (let k = 0; k < HEADS; k++) {
        const length = st.headLengths[k];
        if (length > 0) addHead(out, st.heads.subarray(k * HEAD_K, k * HEAD_K + length), length, st.headWeights[k], st.headAccounts[k]);
      }
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
          out.weights[slot] += st.weights[k];
          out.accounts[slot] = Math.min(65535, out.accounts[slot] + st.accounts[k]);
          const literal = !st.varied[k] && !out.varied[slot] && st.founders[k] === out.founders[slot];
          if (!literal) {
            // The member's first prompt of this skeleton was "new" in its own state; across the cluster it is a fill.
            out.templated += Math.min(1, st.weights[k]);
            out.varied[slot] = 1;
          }
        } else {
          insert(out, sketch, length, st.weights[k], st.accounts[k], st.founders[k], st.varied[k]);
        }
      }
    }
    return out;
  };

  return { name: 'templating', maxStateBytes: 4096, create, observe, score, merge };
}
