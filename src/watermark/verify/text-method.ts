/**
 * `--modality text`: the KGW radioactivity test. Probes are completions prompted with short passages of the
 * held-out Moby-Dick chapters, picked by the secret probe seed (a suspect cannot know them in advance). Two tests:
 *   - with a reference model (the provider's own unmarked LM, `--reference-model`): every position of every answer
 *     counts, green tokens written vs green tokens the reference expected in the same places, exact null
 *     (../text/residual-test.ts) — the default when the built-in teacher is at hand, far more powerful;
 *   - without: the distinct (context, character) pairs across all answers, green count against Binomial(N, γ)
 *     (../text/detect.ts), which needs nothing but the key.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Config } from '../../config/schema.ts';
import type { LanguageModel } from '../../ml/contracts.ts';
import { loadMobyDick } from '../../ml/data/moby-dick.ts';
import { distinctPairs, type PairSet, scorePairs } from '../text/detect.ts';
import { referenceResiduals } from '../text/reference-residuals.ts';
import { type ResidualWeights, scoreResiduals } from '../text/residual-test.ts';
import { GarbageAnswer, type Probe, type ProbeSelection, type VerifyMethod } from './method.ts';

/** Prompt length in characters (the prompts are natural prose from held-out chapters). */
const PROMPT_CHARS = 40;
/**
 * Default completion length in tokens (characters for the built-in LMs). Short on purpose: a student learns the mark
 * where it learnt to imitate, right after a natural prompt; further on it writes from its own drifting text and the
 * evidence per token falls. On three distilled students, scoring the first 50 characters of each answer gave z 6.1,
 * 7.2 and 6.8 where all 100 gave 3.9, 6.4 and 5.4 (and 200 gave 2.4): `npm run bench -- watermark-probe-length`.
 */
export const DEFAULT_PROBE_TOKENS = 50;
/**
 * Probes sample below temperature 1: a student's learned green bias sits in the order of its most likely
 * continuations, which low-temperature samples concentrate on (measured on the tiny end-to-end student: green share
 * 0.26–0.29 at T = 1, 0.42 at T = 0.5). The null is unaffected: deduplicated scoring is exact for any text that does
 * not depend on the key, however it was sampled.
 */
const PROBE_TEMPERATURE = 0.5;

let corpus: string | undefined;
function heldOutText(): string {
  corpus ??= loadMobyDick().heldOut.replace(/\s+/g, ' ');
  return corpus;
}

/** Deterministic offsets: HMAC(seed, "text-probe" ‖ i) → a position, moved to the next word start. */
export function textProbePrompts(seed: Buffer, count: number, text = heldOutText()): string[] {
  const prompts: string[] = [];
  for (let i = 0; i < count; i++) {
    const digest = createHmac('sha256', seed).update(`text-probe/${i}`).digest();
    let at = digest.readUInt32LE(0) % Math.max(1, text.length - PROMPT_CHARS * 2);
    const space = text.indexOf(' ', at);
    if (space >= 0 && space < at + PROMPT_CHARS) at = space + 1;
    prompts.push(text.slice(at, at + PROMPT_CHARS));
  }
  return prompts;
}

/** Extracts the generated text from a completions or chat completions answer. */
export function completionText(response: unknown): string {
  const choices = (response as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices) || choices.length === 0) throw new GarbageAnswer('answer has no choices');
  const first = choices[0] as { text?: unknown; message?: { content?: unknown } } | null;
  const text = first?.text ?? first?.message?.content;
  if (typeof text !== 'string') throw new GarbageAnswer('answer has no completion text');
  return text;
}

/** The provider's unmarked model, run over the suspect's answers to weigh every position. */
export interface TextReference {
  /** Shown in the report (e.g. the model directory). */
  name: string;
  model: LanguageModel;
}

type Answers = Parameters<VerifyMethod<string>['score']>[0];

export interface TextVerifyOptions {
  /** Tokens each probe asks for (default DEFAULT_PROBE_TOKENS; see there why longer is not better). */
  probeTokens?: number;
}

export function createTextVerifyMethod(config: Pick<Config, 'watermark'>, reference?: TextReference, options: TextVerifyOptions = {}): VerifyMethod<string> {
  const { gamma, contextWidth } = config.watermark.text;
  const probeTokens = options.probeTokens ?? DEFAULT_PROBE_TOKENS;
  if (!Number.isInteger(probeTokens) || probeTokens < 1) throw new RangeError(`probe tokens must be a positive integer, got ${probeTokens}`);
  const textProbes = (selection: ProbeSelection) => textProbeSet(selection, probeTokens);
  const context = `context ${contextWidth} previous token${contextWidth > 1 ? 's' : ''}`;
  // Scoring runs once per key (accounts, calibration keys, reruns on the same answers): the reference pass runs once
  // per distinct answer set, recognised by a digest of the prompts and completions.
  let cached: { digest: string; weights: ResidualWeights; positions: number } | undefined;
  const residualsOf = (answers: Answers, model: LanguageModel) => {
    const texts = answers.map((a) => ({ prompt: String((a.probe.meta as { prompt?: unknown } | undefined)?.prompt ?? ''), completion: a.observation }));
    const digest = digestOf(texts.flatMap((t) => [t.prompt, t.completion]));
    if (cached?.digest !== digest) {
      const table = referenceResiduals(model, texts, contextWidth, PROBE_TEMPERATURE);
      cached = { digest, weights: table.weights(), positions: table.positions };
    }
    return cached;
  };
  let cachedPairs: { digest: string; pairs: PairSet } | undefined;
  const dedup = (answers: Answers, key: Buffer) => {
    const digest = digestOf(answers.map((a) => a.observation));
    if (cachedPairs?.digest !== digest) cachedPairs = { digest, pairs: distinctPairs(answers.map((a) => a.observation), contextWidth) };
    const { pairs } = cachedPairs;
    return { pairs, score: scorePairs(pairs, key, gamma) };
  };
  if (reference) {
    return {
      modality: 'text',
      description: `KGW green list (γ = ${gamma}, ${context}): green tokens the suspect wrote minus those the unmarked reference model ${reference.name} expected at the same positions (T = ${PROBE_TEMPERATURE}), weighted per distinct (context, token) pair, exact-variance z test (Bernstein bound also reported)`,
      defaultProbes: 1000,
      selectProbes: (selection) => textProbes(selection),
      parseAnswer: (_probe, response) => completionText(response),
      score(answers, key) {
        const { weights, positions } = residualsOf(answers, reference.model);
        const r = scoreResiduals(weights, positions, key.key, gamma);
        const d = dedup(answers, key.key).score;
        return {
          statisticName: 'z (green residual vs reference)',
          statistic: r.z,
          pValue: r.pValue,
          scored: r.positions,
          details: {
            observedGreen: r.observedGreen,
            expectedGreen: round(r.expectedGreen),
            gamma,
            log10PValue: round(r.log10PValue),
            boundPValue: r.boundPValue,
            log10BoundPValue: round(r.log10BoundPValue),
            distinctPairs: r.pairs,
            effectivePairs: round(r.effectivePairs),
            reference: reference.name,
            dedupZ: round(d.z),
            dedupLog10PValue: round(d.log10PValue),
          },
        };
      },
    };
  }
  return {
    modality: 'text',
    description: `KGW green list (γ = ${gamma}, ${context}): green count over deduplicated (context, token) pairs of the suspect's completions, one-sided exact binomial test`,
    defaultProbes: 1000,
    selectProbes: (selection) => textProbes(selection),
    parseAnswer: (_probe, response) => completionText(response),
    score(answers, key) {
      const { pairs, score: s } = dedup(answers, key.key);
      return {
        statisticName: 'z (deduplicated pairs)',
        statistic: s.z,
        pValue: s.pValue,
        scored: s.scored,
        details: { green: s.green, greenFraction: round(s.greenFraction), gamma, log10PValue: round(s.log10PValue), rawTokens: pairs.rawTokens, distinctPairs: pairs.size },
      };
    },
  };
}

function textProbeSet({ probeSeed, count, model }: ProbeSelection, maxTokens: number): Probe[] {
  return textProbePrompts(probeSeed, count).map((prompt, i) => ({
    id: `text-${i}`,
    path: '/completions',
    body: { model, prompt, max_tokens: maxTokens, temperature: PROBE_TEMPERATURE },
    meta: { prompt },
  }));
}

/** Recognises an answer set again (scoring repeats per key on the same answers). */
function digestOf(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part}\u0000`);
  return hash.digest('hex');
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
