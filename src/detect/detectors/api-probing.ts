/**
 * API-feature probing: the request parameters of logit extraction (Carlini et al. 2024: logprobs with logit_bias,
 * many 1-token completions), bulk sampling (high `n`), temperature sweeps (the same prompt at many temperatures)
 * and chain-of-thought elicitation at scale. Legitimate use of each feature exists — evaluation suites score answers
 * with logprobs and 1-token completions, developers try a prompt at two or three temperatures — so each trait alone
 * is capped low; logprobs *with* logit_bias is the one signature that reaches 1 by itself.
 *
 * State per account: nine exponentially decayed counters (half-life ≈ 69 events, so old behaviour fades), and a
 * 32-prompt table of distinct temperatures (up to 8 each): ≤ 1.6 KB; `maxStateBytes` = 2048. Cost: observe is
 * O(prompt length ≤ 2,000 chars) for the phrase scan and hash plus O(32) for the table; score O(32).
 */
import type { DetectionEvent, Detector, DetectorScore } from '../types.ts';
import { checkEvent } from './event-check.ts';
import { promptHash } from './prompt-hash.ts';
import { anyOf, ramp, round, support } from './score-shape.ts';

const DECAY = 0.99;
const PROMPTS = 32;
const TEMPS = 8;
const SCAN_CHARS = 2000;

/** Phrases that ask the model to show its reasoning (the traces distillers harvest). */
const COT_PATTERN =
  /step[- ]by[- ]step|explain your reasoning|show your (?:work|reasoning|thinking)|think (?:carefully|through|aloud)|chain[- ]of[- ]thought|reasoning process|let'?s think|walk me through your (?:reasoning|thought)/i;

const FEATURES = ['weight', 'logprobs', 'topLogprobsHigh', 'biasWithLogprobs', 'shortLogprobs', 'highN', 'cot'] as const;
type Feature = (typeof FEATURES)[number];

export interface ApiProbingState {
  /** Decayed counts, indexed as FEATURES. */
  decayed: Float64Array;
  total: number;
  cotTotal: number;
  promptHashes: Uint32Array;
  temps: Float32Array;
  tempCounts: Uint8Array;
  nextSlot: number;
}

/** Each feature's slot in `decayed` (a lookup table: score runs for every scored account). */
const FEATURE_INDEX = Object.fromEntries(FEATURES.map((f, i) => [f, i])) as Record<Feature, number>;
const WEIGHT = FEATURE_INDEX.weight;

export function createApiProbingDetector(): Detector<ApiProbingState> {
  const create = (): ApiProbingState => ({
    decayed: new Float64Array(FEATURES.length),
    total: 0,
    cotTotal: 0,
    promptHashes: new Uint32Array(PROMPTS),
    temps: new Float32Array(PROMPTS * TEMPS),
    tempCounts: new Uint8Array(PROMPTS),
    nextSlot: 0,
  });

  const recordTemperature = (s: ApiProbingState, hash: number, temperature: number): void => {
    let slot = s.promptHashes.indexOf(hash);
    if (slot < 0) {
      slot = s.nextSlot;
      s.nextSlot = (s.nextSlot + 1) % PROMPTS;
      s.promptHashes[slot] = hash;
      s.tempCounts[slot] = 0;
    }
    const base = slot * TEMPS;
    for (let i = 0; i < s.tempCounts[slot]; i++) if (Math.abs(s.temps[base + i] - temperature) < 1e-3) return;
    if (s.tempCounts[slot] < TEMPS) s.temps[base + s.tempCounts[slot]++] = temperature;
  };

  const observe = (s: ApiProbingState, event: DetectionEvent): void => {
    checkEvent(event);
    const p = event.params;
    const logprobs = p.logprobs === true || (typeof p.logprobs === 'number' && p.logprobs > 0) || (p.topLogprobs ?? 0) > 0;
    const prompt = event.promptText.length > SCAN_CHARS ? event.promptText.slice(0, SCAN_CHARS) : event.promptText;
    const cot = COT_PATTERN.test(prompt);
    const hits: Record<Feature, boolean> = {
      weight: true,
      logprobs,
      topLogprobsHigh: (p.topLogprobs ?? 0) >= 5 || (typeof p.logprobs === 'number' && p.logprobs >= 5),
      biasWithLogprobs: logprobs && p.logitBias,
      shortLogprobs: logprobs && p.maxTokens !== null && p.maxTokens <= 2,
      highN: (p.n ?? 1) >= 8,
      cot,
    };
    for (let i = 0; i < FEATURES.length; i++) s.decayed[i] = s.decayed[i] * DECAY + (hits[FEATURES[i]] ? 1 : 0);
    s.total += 1;
    if (cot) s.cotTotal += 1;
    if (p.temperature !== null) recordTemperature(s, promptHash(event.promptText, SCAN_CHARS), p.temperature);
  };

  const score = (s: ApiProbingState, _now: number): DetectorScore => {
    if (s.total === 0) return { score: 0, reasons: [], features: {} };
    const w = s.decayed[WEIGHT];
    const frac = (f: Feature): number => s.decayed[FEATURE_INDEX[f]] / w;
    let prompts = 0;
    let swept = 0;
    let maxTemps = 0;
    for (let slot = 0; slot < PROMPTS; slot++) {
      if (s.promptHashes[slot] === 0) continue;
      prompts += 1;
      if (s.tempCounts[slot] >= 4) swept += 1;
      maxTemps = Math.max(maxTemps, s.tempCounts[slot]);
    }
    const sweepFrac = prompts > 0 ? swept / prompts : 0;
    const enough = support(s.total, 5, 30);
    // Reasons are worded only for the parts that are reported (this runs for every scored account).
    const parts: [number, () => string][] = [
      [enough * ramp(frac('biasWithLogprobs'), 0.02, 0.25), () => `logit_bias with logprobs on ${pct(frac('biasWithLogprobs'))} of requests (logit extraction)`],
      [0.25 * enough * ramp(frac('shortLogprobs'), 0.2, 0.7), () => `${pct(frac('shortLogprobs'))} of requests are ≤2-token completions with logprobs`],
      [0.2 * enough * ramp(frac('topLogprobsHigh'), 0.2, 0.8), () => `top_logprobs ≥ 5 on ${pct(frac('topLogprobsHigh'))} of requests`],
      [0.5 * enough * ramp(frac('highN'), 0.2, 0.8), () => `n ≥ 8 on ${pct(frac('highN'))} of requests`],
      [0.7 * support(prompts, 3, 10) * ramp(sweepFrac, 0.2, 0.6), () => `${swept}/${prompts} recent prompts sent at ≥ 4 temperatures (up to ${maxTemps})`],
      [
        (0.7 * support(s.cotTotal, 50, 300) + 0.15 * support(s.cotTotal, 300, 1000)) * ramp(frac('cot'), 0.3, 0.8),
        () => `chain-of-thought elicitation in ${pct(frac('cot'))} of requests (${s.cotTotal} in all)`,
      ],
    ];
    const value = anyOf(parts[0][0], parts[1][0], parts[2][0], parts[3][0], parts[4][0], parts[5][0]);
    return {
      score: value,
      reasons: parts
        .filter((x) => x[0] > 0.05)
        .sort((a, b) => b[0] - a[0])
        .map((x) => x[1]()),
      features: {
        total: s.total,
        logprobsFraction: round(frac('logprobs')),
        highTopLogprobsFraction: round(frac('topLogprobsHigh')),
        logitBiasWithLogprobsFraction: round(frac('biasWithLogprobs')),
        shortLogprobsFraction: round(frac('shortLogprobs')),
        highNFraction: round(frac('highN')),
        cotFraction: round(frac('cot')),
        cotTotal: s.cotTotal,
        temperatureSweptPrompts: swept,
        maxTemperaturesPerPrompt: maxTemps,
      },
    };
  };

  /** Cluster view: decayed counters add (a swarm splitting a probe across accounts sums back up); tables interleave. */
  const merge = (states: readonly ApiProbingState[]): ApiProbingState => {
    const out = create();
    for (const st of states) {
      for (let i = 0; i < FEATURES.length; i++) out.decayed[i] += st.decayed[i];
      out.total += st.total;
      out.cotTotal += st.cotTotal;
      for (let slot = 0; slot < PROMPTS; slot++) {
        if (st.promptHashes[slot] === 0) continue;
        for (let i = 0; i < st.tempCounts[slot]; i++) recordTemperature(out, st.promptHashes[slot], st.temps[slot * TEMPS + i]);
      }
    }
    return out;
  };

  return { name: 'api-probing', maxStateBytes: 2048, create, observe, score, merge };
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}
