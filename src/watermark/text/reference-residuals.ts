/**
 * Fills a ResidualTable (residual-test.ts) by running the provider's unmarked model over the suspect's answers: for
 * every scored position of every completion, the reference's next-token distribution at the probe temperature.
 *
 * A model with `positionLogits` (the built-in character LM) scores a text in one or two windows, each predicting
 * every position it covers; any other LanguageModel is asked position by position through `nextLogits`. Windows
 * that start before the position (rather than the server's sliding window of exactly the last T tokens) give a
 * slightly different context far into long texts: the weights then fit the suspect a little less well, which costs
 * power only — the test stays exact for any reference that does not depend on the key.
 */
import type { LanguageModel } from '../../ml/contracts.ts';
import { ResidualTable } from './residual-test.ts';

export interface ScoredText {
  /** What the suspect was given (its context for the first completion tokens; never scored itself). */
  prompt: string;
  completion: string;
}

const ROWS_PER_CALL = 64;

export function referenceResiduals(model: LanguageModel, texts: readonly ScoredText[], width: number, temperature: number): ResidualTable {
  if (!(temperature > 0)) throw new RangeError(`temperature must be > 0, got ${temperature}`);
  const table = new ResidualTable(width);
  const vocabulary = Array.from({ length: model.tokenizer.vocabSize }, (_, id) => model.tokenizer.tokenText(id));
  const jobs = texts.map((t) => positionsOf(model, t, width)).filter((j) => j.positions.length > 0);
  const visit = (job: Job, q: number, logits: ArrayLike<number>, offset: number) => {
    const i = q - job.promptLength;
    table.add(job.chars.slice(i - width, i), job.chars[i] as string, softmax(logits, offset, vocabulary.length, temperature), vocabulary);
  };
  if (model.positionLogits) windowed(model, jobs, visit);
  else perPosition(model, jobs, visit);
  return table;
}

interface Job {
  /** Token ids of prompt + completion (one per code point for character models). */
  ids: number[];
  promptLength: number;
  /** The completion's characters. */
  chars: string[];
  /** Absolute indices (into ids) of the tokens to score. */
  positions: number[];
}

function positionsOf(model: LanguageModel, text: ScoredText, width: number): Job {
  const chars = Array.from(text.completion);
  const promptIds = model.tokenizer.encode(text.prompt);
  const ids = [...promptIds, ...model.tokenizer.encode(text.completion)];
  if (ids.length !== promptIds.length + chars.length) {
    throw new Error('the reference model must tokenise one token per character (the KGW mark is defined on characters)');
  }
  const positions: number[] = [];
  // A position needs some context to be predicted, so a completion with no prompt starts scoring at index 1.
  for (let i = width; i < chars.length; i++) if (promptIds.length + i > 0) positions.push(promptIds.length + i);
  return { ids, promptLength: promptIds.length, chars, positions };
}

type Visit = (job: Job, q: number, logits: ArrayLike<number>, offset: number) => void;

/** Windows of ≤ T tokens; each starts half a window before the first position it is responsible for. */
function windowed(model: LanguageModel, jobs: readonly Job[], visit: Visit): void {
  const t = model.contextLength;
  const windows: { job: Job; start: number; from: number; to: number }[] = [];
  for (const job of jobs) {
    const last = job.positions[job.positions.length - 1] as number;
    let q = job.positions[0] as number;
    while (q <= last) {
      const start = Math.max(0, q - Math.floor(t / 2));
      const to = Math.min(last, start + t);
      windows.push({ job, start, from: q, to });
      q = to + 1;
    }
  }
  const positionLogits = model.positionLogits as NonNullable<LanguageModel['positionLogits']>;
  const v = model.tokenizer.vocabSize;
  for (let at = 0; at < windows.length; at += ROWS_PER_CALL) {
    const batch = windows.slice(at, at + ROWS_PER_CALL);
    // Inputs are the tokens before each predicted one: [start, to).
    const { logits, time } = positionLogits.call(
      model,
      batch.map((w) => w.job.ids.slice(w.start, w.to)),
    );
    batch.forEach((w, b) => {
      for (let q = w.from; q <= w.to; q++) visit(w.job, q, logits, (b * time + (q - 1 - w.start)) * v);
    });
  }
}

function perPosition(model: LanguageModel, jobs: readonly Job[], visit: Visit): void {
  const t = model.contextLength;
  const all = jobs.flatMap((job) => job.positions.map((q) => ({ job, q })));
  for (let at = 0; at < all.length; at += ROWS_PER_CALL) {
    const batch = all.slice(at, at + ROWS_PER_CALL);
    const rows = model.nextLogits(batch.map(({ job, q }) => job.ids.slice(Math.max(0, q - t), q)));
    batch.forEach(({ job, q }, b) => {
      visit(job, q, rows[b] as Float32Array, 0);
    });
  }
}

function softmax(logits: ArrayLike<number>, offset: number, v: number, temperature: number): Float64Array {
  const out = new Float64Array(v);
  let max = -Infinity;
  for (let i = 0; i < v; i++) max = Math.max(max, (logits[offset + i] as number) / temperature);
  let sum = 0;
  for (let i = 0; i < v; i++) {
    out[i] = Math.exp((logits[offset + i] as number) / temperature - max);
    sum += out[i] as number;
  }
  for (let i = 0; i < v; i++) out[i] = (out[i] as number) / sum;
  return out;
}
