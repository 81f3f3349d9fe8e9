/**
 * Raw generation speed of a language model, without the server: `nextLogits` for the current contexts, then one
 * draw per sequence through the server's own sampler (temperature 0.8, no top_p cut, no processors). The models
 * have no KV cache, so each step re-reads up to `contextLength` characters; a batch shares one forward pass.
 */
import type { LanguageModel } from '../../src/ml/contracts.ts';
import { createRng } from '../../src/serve/rng.ts';
import { type SamplingParams, sampleNext } from '../../src/serve/sampler.ts';

export interface GenerationSpeed {
  sequences: number;
  tokens: number;
  seconds: number;
  tokensPerSecond: number;
}

const SAMPLING: SamplingParams = { temperature: 0.8, topP: 1, logitBias: new Map(), processors: [], topLogprobs: 0 };

/**
 * Generates `tokens` new tokens for each of `sequences` copies of `prompt` (each copy on its own seeded stream)
 * and reports generated tokens per second of wall time. One untimed step warms the kernels up first.
 */
export function generationSpeed(model: LanguageModel, prompt: string, sequences: number, tokens: number, seed = 1): GenerationSpeed {
  const start = model.tokenizer.encode(prompt);
  model.nextLogits([start]);
  const contexts = Array.from({ length: sequences }, () => [...start]);
  const rngs = contexts.map((_, i) => createRng(seed, i));
  const t0 = performance.now();
  for (let step = 0; step < tokens; step++) {
    const logits = model.nextLogits(contexts);
    contexts.forEach((context, i) => {
      const next = sampleNext(logits[i], SAMPLING, { tokens: context, step }, rngs[i]);
      context.push(next.token);
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  const generated = sequences * tokens;
  return { sequences, tokens: generated, seconds: Math.round(seconds * 1000) / 1000, tokensPerSecond: Math.round((generated / seconds) * 10) / 10 };
}
