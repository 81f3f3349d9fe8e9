/** Test helper: text sampled from the bigram fixture LM, with or without the KGW processor. */
import type { LanguageModel } from '../../ml/contracts.ts';
import type { LogitsProcessor } from '../../serve/logits-processors.ts';
import { createRng } from '../../serve/rng.ts';
import { sampleNext } from '../../serve/sampler.ts';

/** `count` completions of `length` tokens after varied one-line prompts, at temperature 1. */
export function sampleTexts(model: LanguageModel, processors: readonly LogitsProcessor[], count: number, length: number, seed = 1): string[] {
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    const rng = createRng(seed, n);
    const tokens = model.tokenizer.encode(`Prompt ${n}: `);
    const start = tokens.length;
    for (let step = 0; step < length; step++) {
      const [logits] = model.nextLogits([tokens]);
      const next = sampleNext(logits, { temperature: 1, topP: 1, logitBias: new Map(), processors, topLogprobs: 0 }, { tokens, step }, rng);
      tokens.push(next.token);
    }
    out.push(model.tokenizer.decode(tokens.slice(start)));
  }
  return out;
}
