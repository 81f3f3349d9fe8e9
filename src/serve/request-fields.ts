/**
 * zod pieces shared by the model server's routes, built once from `config.serve` so each limit is named in the
 * message that enforces it. Validation errors name the field (OpenAI's `param`) through `validate()`.
 */
import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import { MoatError } from '../http/errors.ts';
import type { LogitsProcessor } from './logits-processors.ts';
import { MAX_TOP_LOGPROBS, type SamplingParams } from './sampler.ts';

export type ServeLimits = Config['serve'];

/** Largest `prompt` / `input` array accepted (OpenAI's embeddings limit). */
export const MAX_INPUT_ITEMS = 2048;
/** Largest `prompt` array on /v1/completions; with `n`, each prompt becomes `n` sequences in the generator. */
export const MAX_PROMPTS = 32;

/** A non-empty string or array of them (normalised to an array), each at most `serve.maxInputChars`. */
export function textOrTexts(limits: ServeLimits, maxItems: number) {
  const text = z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    .max(limits.maxInputChars, `is longer than ${limits.maxInputChars} characters (serve.maxInputChars)`);
  return z.preprocess(
    (value) => (typeof value === 'string' ? [value] : value),
    z
      .array(text, { error: 'must be a string or an array of strings' })
      .min(1, 'must not be an empty array')
      .max(maxItems, `must have at most ${maxItems} items`),
  );
}

/** The fields /v1/completions and /v1/chat/completions share. */
export function samplingFields(limits: ServeLimits) {
  return {
    model: z.string({ error: 'must be a string' }).min(1, 'is required'),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    n: z.number().int().min(1).max(limits.maxN, `must be at most ${limits.maxN} (serve.maxN)`).nullish(),
    max_tokens: maxTokensField(limits),
    stop: z.union([z.string(), z.array(z.string()).max(4, 'must have at most 4 stop strings')], { error: 'must be a string or an array of up to 4 strings' }).nullish(),
    seed: z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).nullish(),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
    logit_bias: z
      .record(z.string().regex(/^\d+$/, 'keys must be token ids (non-negative integers)'), z.number().min(-100).max(100))
      .nullish(),
    user: z.string().nullish(),
  };
}

export function maxTokensField(limits: ServeLimits) {
  return z
    .number()
    .int()
    .min(1, 'must be at least 1')
    .max(limits.maxTokens, `must be at most ${limits.maxTokens} (serve.maxTokens)`)
    .nullish();
}

export const topLogprobsField = z.number().int().min(0).max(MAX_TOP_LOGPROBS, `must be at most ${MAX_TOP_LOGPROBS}`).nullish();

/** Checks `logit_bias` keys against the model's vocabulary; the map the sampler wants. */
export function toLogitBias(bias: Record<string, number> | null | undefined, vocabSize: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const [key, value] of Object.entries(bias ?? {})) {
    const id = Number(key);
    if (!Number.isSafeInteger(id) || id >= vocabSize) {
      throw new MoatError('invalid_request', `invalid 'logit_bias': ${key} is not a token id of this model (ids are 0–${vocabSize - 1})`, {
        param: `logit_bias.${key}`,
      });
    }
    out.set(id, value);
  }
  return out;
}

/** `stop` as a list without empty strings. */
export function stopList(stop: string | string[] | null | undefined): string[] {
  if (stop === null || stop === undefined) return [];
  return (typeof stop === 'string' ? [stop] : stop).filter((s) => s.length > 0);
}

export interface SamplingFieldValues {
  temperature?: number | null;
  top_p?: number | null;
  logit_bias?: Record<string, number> | null;
}

/** Sampler settings from request fields (OpenAI defaults: temperature 1, top_p 1). */
export function samplingFrom(fields: SamplingFieldValues, vocabSize: number, processors: readonly LogitsProcessor[], topLogprobs: number): SamplingParams {
  return {
    temperature: fields.temperature ?? 1,
    topP: fields.top_p ?? 1,
    logitBias: toLogitBias(fields.logit_bias, vocabSize),
    processors,
    topLogprobs,
  };
}
