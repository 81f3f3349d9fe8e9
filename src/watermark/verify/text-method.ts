/**
 * `--modality text`: the KGW radioactivity test. Probes are completions prompted with short passages of the
 * held-out Moby-Dick chapters, picked by the secret probe seed (a suspect cannot know them in advance); every answer
 * is split into characters, the distinct (context, character) pairs across all answers are scored under a key, and
 * the green count is tested against Binomial(N, γ) (see ../text/detect.ts).
 */
import { createHmac } from 'node:crypto';
import type { Config } from '../../config/schema.ts';
import { loadMobyDick } from '../../ml/data/moby-dick.ts';
import { distinctPairs, scorePairs } from '../text/detect.ts';
import { GarbageAnswer, type Probe, type ProbeSelection, type VerifyMethod } from './method.ts';

/** Prompt length in characters and completion length in tokens (characters for the built-in LMs). */
const PROMPT_CHARS = 40;
const COMPLETION_TOKENS = 100;
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

export function createTextVerifyMethod(config: Pick<Config, 'watermark'>): VerifyMethod<string> {
  const { gamma, contextWidth } = config.watermark.text;
  return {
    modality: 'text',
    description: `KGW green list (γ = ${gamma}, context ${contextWidth} previous token${contextWidth > 1 ? 's' : ''}): green count over deduplicated (context, token) pairs of the suspect's completions, one-sided exact binomial test`,
    defaultProbes: 1000,
    selectProbes({ probeSeed, count, model }: ProbeSelection): Probe[] {
      return textProbePrompts(probeSeed, count).map((prompt, i) => ({
        id: `text-${i}`,
        path: '/completions',
        body: { model, prompt, max_tokens: COMPLETION_TOKENS, temperature: PROBE_TEMPERATURE },
        meta: { prompt },
      }));
    },
    parseAnswer: (_probe, response) => completionText(response),
    score(answers, key) {
      const pairs = distinctPairs(
        answers.map((a) => a.observation),
        contextWidth,
      );
      const s = scorePairs(pairs, key.key, gamma);
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

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
