/**
 * Harvested records turned into what each student family trains on. Records come from the harvest store's reader
 * (src/distill/harvest/reader.ts); this module only maps them into the student's own vocabulary.
 */
import { classifierInput } from '../../ml/models/classifier/text-classifier.ts';
import type { ClassifierNetwork } from '../../ml/models/classifier/network.ts';
import type { EmbedderNetwork } from '../../ml/models/embedder/network.ts';
import type { CharLm } from '../../ml/models/lm/model.ts';
import { MoatError } from '../../http/errors.ts';
import type { ClassifierRecord, EmbeddingRecord, TextRecord } from '../harvest/types.ts';

export interface ClassifierExample {
  ids: number[];
  /** The teacher's log-probabilities in the student's label order. */
  teacherLogProbs: number[];
  /** The teacher's top label as a student class id (the only "hard label" an API gives). */
  teacherLabel: number;
}

/** Maps classifier records onto the student's labels; a record without one of the student's labels is refused. */
export function classifierExamples(student: ClassifierNetwork, records: readonly ClassifierRecord[]): ClassifierExample[] {
  const labels = student.config.labels;
  return records.map((r) => {
    const probs = labels.map((label) => {
      const p = r.probabilities[label];
      if (p === undefined) {
        throw new MoatError('invalid_request', `teacher labels (${Object.keys(r.probabilities).join(', ')}) do not include the student's label '${label}'`);
      }
      return p;
    });
    const teacherLogProbs = probs.map((p) => Math.log(Math.max(p, 1e-12)));
    const teacherLabel = probs.indexOf(Math.max(...probs));
    return { ids: student.vocab.encode(classifierInput(r.input)).slice(0, student.config.maxTokens), teacherLogProbs, teacherLabel };
  });
}

export interface LmExample {
  /** Student token ids of prompt + completion, cut to the last contextLength + 1. */
  tokens: number[];
  /** Index in `tokens` of the first completion token (the first target that is teacher output); may be 0 after a cut. */
  completionStart: number;
  /**
   * For each index i of `tokens` (i ≥ 1) where the teacher gave top-k alternatives for that token: the student ids
   * and teacher logprobs. Only teacher tokens that are exactly one student token are usable.
   */
  topK: Map<number, { ids: number[]; logprobs: number[] }>;
}

/** The text a record puts before the completion: the prompt, or the chat's turns. */
export function recordPrompt(r: TextRecord): string {
  if (r.prompt !== null) return r.prompt;
  return (r.messages ?? []).map((m) => `${m.role}: ${m.content}`).join('\n');
}

/** A record in the student's tokens: prompt, completion, and the teacher's top-k keyed by absolute position. */
export function lmSequence(student: CharLm, r: TextRecord): { full: number[]; completionStart: number; topK: Map<number, { ids: number[]; logprobs: number[] }> } {
  const prompt = student.tokenizer.encode(recordPrompt(r));
  const completion = student.tokenizer.encode(r.completion);
  const topK = new Map<number, { ids: number[]; logprobs: number[] }>();
  let offset = prompt.length;
  for (const step of r.logprobs ?? []) {
    const own = student.tokenizer.encode(step.token);
    // Only a teacher token that is exactly one student token has a comparable distribution at this position.
    if (own.length === 1 && offset >= 1) {
      const pairs = step.top.map((t) => ({ ids: student.tokenizer.encode(t.token), logprob: t.logprob })).filter((t) => t.ids.length === 1);
      if (pairs.length > 0) topK.set(offset, { ids: pairs.map((p) => p.ids[0]), logprobs: pairs.map((p) => p.logprob) });
    }
    offset += own.length;
  }
  return { full: [...prompt, ...completion], completionStart: prompt.length, topK };
}

/** Prompt + completion in the student's tokens, with the teacher's top-k aligned to the positions it predicts. */
export function lmExamples(student: CharLm, records: readonly TextRecord[]): LmExample[] {
  const window = student.contextLength + 1;
  const out: LmExample[] = [];
  for (const r of records) {
    const { full, completionStart, topK: absolute } = lmSequence(student, r);
    if (full.length === completionStart) continue;
    const cut = Math.max(0, full.length - window);
    const topK = new Map<number, { ids: number[]; logprobs: number[] }>();
    for (const [pos, top] of absolute) if (pos - cut >= 1) topK.set(pos - cut, top);
    out.push({ tokens: full.slice(cut), completionStart: Math.max(1, completionStart - cut), topK });
  }
  return out;
}

export interface EmbeddingExample {
  ids: number[];
  teacher: number[];
}

/** Inputs in the student's vocabulary with the teacher's vectors; the dimensions must match the student's. */
export function embeddingExamples(student: EmbedderNetwork, records: readonly EmbeddingRecord[]): EmbeddingExample[] {
  const d = student.config.dimensions;
  return records.map((r) => {
    if (r.embedding.length !== d) {
      throw new MoatError('invalid_request', `teacher embeddings have ${r.embedding.length} dimensions, the student has ${d}; pick a student size with the same width`);
    }
    return { ids: student.vocab.encode(r.input).slice(0, student.config.maxTokens), teacher: r.embedding };
  });
}
