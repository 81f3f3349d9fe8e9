/**
 * One generation request (prompts × n choices) run through the scheduler: per-choice seeded RNG streams, stop
 * strings, and token text for logprobs. Completions and chat completions differ only in how they frame the result.
 */
import { MoatError } from '../http/errors.ts';
import type { LanguageModel } from '../ml/contracts.ts';
import { createRng } from './rng.ts';
import type { SampledToken, SamplingParams } from './sampler.ts';
import type { GenerationScheduler, SequenceEnd } from './scheduler.ts';
import { StopMatcher } from './stop-sequences.ts';

export interface GenerationInput {
  model: LanguageModel;
  prompts: readonly (readonly number[])[];
  n: number;
  maxTokens: number;
  sampling: SamplingParams;
  /** Choice i draws from stream i of this seed, so a seeded request is reproducible and its choices differ. */
  seed: number;
  stops: readonly string[];
  requestKey?: string;
}

export interface TokenAlternative {
  id: number;
  text: string;
  logprob: number;
}

export interface EmittedToken extends TokenAlternative {
  /** Character offset within the choice's completion text. */
  offset: number;
  top: TokenAlternative[];
}

export type FinishReason = 'stop' | 'length';

export interface ChoiceOutcome {
  /** promptIndex × n + j, OpenAI's ordering. */
  index: number;
  promptIndex: number;
  text: string;
  tokens: EmittedToken[];
  finishReason: FinishReason;
}

export interface GenerationListener {
  /** Tokens released for a choice (stop-string look-ahead may delay them by a few tokens). */
  onTokens?(index: number, tokens: EmittedToken[]): void;
  onFinish?(choice: ChoiceOutcome): void;
}

export interface GenerationResult {
  choices: ChoiceOutcome[];
  /** Every sampled token, including any inside a matched stop string (they were computed). */
  completionTokens: number;
}

/**
 * Runs every choice to its end. Rejects with `internal_error` if the model fails (other choices are cancelled),
 * and with the signal's reason if the client went away.
 */
export async function generate(
  scheduler: GenerationScheduler,
  input: GenerationInput,
  listener: GenerationListener,
  signal: AbortSignal,
): Promise<GenerationResult> {
  const { model, n } = input;
  const tokenizer = model.tokenizer;
  const choices: ChoiceOutcome[] = [];
  let completionTokens = 0;
  let failure: unknown;
  const abort = new AbortController();
  const onClientGone = () => abort.abort(signal.reason);
  signal.addEventListener('abort', onClientGone, { once: true });

  const specs = input.prompts.flatMap((promptTokens, promptIndex) =>
    Array.from({ length: n }, (_, j) => {
      const index = promptIndex * n + j;
      const stops = new StopMatcher<SampledToken>(input.stops);
      const kept: EmittedToken[] = [];
      const release = (pieces: ReturnType<typeof stops.flush>) => {
        if (pieces.length === 0) return;
        const tokens = pieces.map((p) => emitted(p.item, p.text, p.offset));
        kept.push(...tokens);
        listener.onTokens?.(index, tokens);
      };
      const emitted = (s: SampledToken, text: string, offset: number): EmittedToken => ({
        id: s.token,
        text,
        offset,
        logprob: s.logprob,
        top: s.top.map((t) => ({ id: t.token, text: tokenizer.tokenText(t.token), logprob: t.logprob })),
      });
      return {
        model,
        promptTokens,
        maxTokens: input.maxTokens,
        sampling: input.sampling,
        rng: createRng(input.seed, index),
        requestKey: input.requestKey,
        onToken(sample: SampledToken): boolean {
          completionTokens++;
          const { release: pieces, stopped } = stops.push(tokenizer.tokenText(sample.token), sample);
          release(pieces);
          return stopped;
        },
        onEnd(end: SequenceEnd): void {
          if (end.reason === 'error') {
            failure ??= end.error;
            abort.abort(end.error);
            return;
          }
          if (end.reason === 'cancelled') return;
          release(stops.flush());
          const choice: ChoiceOutcome = { index, promptIndex, text: stops.text, tokens: kept, finishReason: end.reason };
          choices.push(choice);
          listener.onFinish?.(choice);
        },
      };
    }),
  );

  try {
    await scheduler.submit(specs, abort.signal);
  } finally {
    signal.removeEventListener('abort', onClientGone);
  }
  if (failure !== undefined) throw new MoatError('internal_error', `the model '${model.info.name}' failed while generating`, { cause: failure });
  if (signal.aborted) throw signal.reason;
  return { choices: choices.sort((a, b) => a.index - b.index), completionTokens };
}
