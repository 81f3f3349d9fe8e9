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
 * and returns the generated count and the seconds it took. One untimed step warms the kernels up first.
 */
function timedRun(model: LanguageModel, prompt: string, sequences: number, tokens: number, seed: number): { tokens: number; seconds: number } {
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
  return { tokens: sequences * tokens, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Tokens per second of one sequence alone and of `batch` sequences sharing each forward pass. The two runs take
 * turns for `rounds` rounds (like bench/ml-engine.ts), so load from other processes drifting over the measurement
 * hits both alike; each figure is total tokens over total time.
 */
export function generationSpeed(model: LanguageModel, prompt: string, batch: number, tokens: number, rounds = 3): { single: GenerationSpeed; batch: GenerationSpeed } {
  const totals = { single: { tokens: 0, seconds: 0 }, batch: { tokens: 0, seconds: 0 } };
  for (let round = 0; round < rounds; round++) {
    for (const [key, sequences] of [['single', 1], ['batch', batch]] as const) {
      const run = timedRun(model, prompt, sequences, tokens, round + 1);
      totals[key].tokens += run.tokens;
      totals[key].seconds += run.seconds;
    }
  }
  const speed = (t: { tokens: number; seconds: number }, sequences: number): GenerationSpeed => ({
    sequences,
    tokens: t.tokens,
    seconds: Math.round(t.seconds * 1000) / 1000,
    tokensPerSecond: Math.round((t.tokens / t.seconds) * 10) / 10,
  });
  return { single: speed(totals.single, 1), batch: speed(totals.batch, batch) };
}
