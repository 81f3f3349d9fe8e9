/**
 * Test fixture: a real (if weak) character bigram language model. Logits are log-probabilities of the next
 * character given the last one, from add-α counts over a fixed paragraph, so generation looks like its text.
 */
import type { LanguageModel } from '../../ml/contracts.ts';
import { createCharTokenizer } from './char-tokenizer.ts';

export const BIGRAM_PARAGRAPH =
  'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, and ' +
  'nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of ' +
  'the world. It is a way I have of driving off the spleen and regulating the circulation.\n' +
  'User: where are the whales?\nAssistant: the whales are in the sea, and the sea is wide.\n';

export interface BigramOptions {
  name?: string;
  /** Add-α smoothing; keeps every character possible. */
  alpha?: number;
  /** Busy-work per context, to make a tick cost real time in scheduling tests. */
  spinMicrosPerContext?: number;
}

/** A bigram LM over printable ASCII trained on `BIGRAM_PARAGRAPH`. */
export function createBigramLm(options: BigramOptions = {}): LanguageModel {
  const tokenizer = createCharTokenizer();
  const v = tokenizer.vocabSize;
  const alpha = options.alpha ?? 0.05;
  const counts = new Float64Array(v * v).fill(alpha);
  const unigram = new Float64Array(v).fill(alpha);
  const ids = tokenizer.encode(BIGRAM_PARAGRAPH);
  for (let i = 0; i < ids.length; i++) {
    unigram[ids[i]]++;
    if (i > 0) counts[ids[i - 1] * v + ids[i]]++;
  }
  const rows: Float32Array[] = [];
  for (let prev = 0; prev < v; prev++) rows.push(logNormalise(counts.subarray(prev * v, (prev + 1) * v)));
  const start = logNormalise(unigram);
  const spin = options.spinMicrosPerContext ?? 0;

  return {
    info: { name: options.name ?? 'test-bigram', family: 'lm', size: 'tiny', parameterCount: v * v },
    tokenizer,
    contextLength: 64,
    nextLogits(contexts) {
      return contexts.map((ctx) => {
        if (spin > 0) busyWait(spin);
        const last = ctx[ctx.length - 1];
        return Float32Array.from(last === undefined ? start : rows[last]);
      });
    },
  };
}

function logNormalise(counts: Float64Array): Float32Array {
  let total = 0;
  for (const c of counts) total += c;
  return Float32Array.from(counts, (c) => Math.log(c / total));
}

function busyWait(micros: number): void {
  const until = process.hrtime.bigint() + BigInt(micros * 1000);
  while (process.hrtime.bigint() < until) {
    // deliberately blocking: stands in for synchronous inference
  }
}
