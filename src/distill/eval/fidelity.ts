/**
 * How faithfully a student copies its teacher, per family, on held-out harvested records (records the student never
 * trained on; see src/distill/train/harvest-data.ts):
 * - classifier: top-1 agreement and mean KL(teacher‖student) over the classes;
 * - lm: next-token agreement (student's argmax = teacher's most likely token) and KL(teacher‖student) over the
 *   teacher's top-k renormalised (all an API reveals), plus both perplexities on the teacher's generated text;
 * - embedder: mean cosine to the teacher and nearest-neighbour agreement among the held-out inputs.
 */
import type { TextClassifier, TextEmbedder } from '../../ml/contracts.ts';
import type { CharLm } from '../../ml/models/lm/model.ts';
import type { ClassifierRecord, EmbeddingRecord, TextRecord } from '../harvest/types.ts';
import { lmSequence } from '../train/examples.ts';

export interface ClassifierFidelity {
  examples: number;
  agreement: number;
  meanKl: number;
}

/** Agreement and KL of `student` with the teacher's recorded probabilities. */
export function classifierFidelity(student: TextClassifier, records: readonly ClassifierRecord[]): ClassifierFidelity {
  if (records.length === 0) return { examples: 0, agreement: Number.NaN, meanKl: Number.NaN };
  const rows = student.predict(records.map((r) => r.input));
  let agree = 0;
  let kl = 0;
  records.forEach((r, i) => {
    const teacher = student.labels.map((l) => r.probabilities[l] ?? 0);
    if (argmax(rows[i]) === argmax(teacher)) agree++;
    kl += teacher.reduce((s, p, c) => (p > 0 ? s + p * (Math.log(p) - Math.log(Math.max(rows[i][c], 1e-12))) : s), 0);
  });
  return { examples: records.length, agreement: agree / records.length, meanKl: kl / records.length };
}

export interface LmFidelity {
  sequences: number;
  /** Positions with the teacher's top-k known. */
  positions: number;
  nextTokenAgreement: number;
  klTopK: number;
  /** Perplexities on the teacher's generated (held-out) completions. */
  studentPerplexity: number;
  teacherPerplexity: number;
}

/**
 * Next-token fidelity and perplexities of `student` on held-out teacher completions. Each completion position is
 * scored with the context the teacher had when it generated it (the last contextLength tokens before it), not with
 * a training window, so a student that IS the teacher scores agreement 1 and KL 0.
 */
export function lmFidelity(student: CharLm, records: readonly TextRecord[]): LmFidelity {
  const t = student.contextLength;
  const queries: { context: number[]; target: number; top?: { ids: number[]; logprobs: number[] } }[] = [];
  let sequences = 0;
  for (const r of records) {
    const { full, completionStart, topK } = lmSequence(student, r);
    if (full.length === completionStart) continue;
    sequences++;
    for (let pos = completionStart; pos < full.length; pos++) {
      queries.push({ context: full.slice(Math.max(0, pos - t), pos), target: full[pos], top: topK.get(pos) });
    }
  }
  let positions = 0;
  let agree = 0;
  let kl = 0;
  let nll = 0;
  for (let from = 0; from < queries.length; from += 64) {
    const chunk = queries.slice(from, from + 64);
    const logits = student.nextLogits(chunk.map((q) => q.context));
    chunk.forEach((q, i) => {
      const row = logSoftmax([...logits[i]]);
      nll -= row[q.target];
      if (q.top === undefined) return;
      positions++;
      if (argmax(row) === q.top.ids[0]) agree++;
      kl += renormalisedKl(q.top.logprobs, q.top.ids.map((id) => row[id]));
    });
  }
  let teacherNll = 0;
  let teacherTokens = 0;
  for (const r of records) {
    for (const step of r.logprobs ?? []) {
      teacherNll -= step.logprob;
      teacherTokens++;
    }
  }
  return {
    sequences,
    positions,
    nextTokenAgreement: positions > 0 ? agree / positions : Number.NaN,
    klTopK: positions > 0 ? kl / positions : Number.NaN,
    studentPerplexity: queries.length > 0 ? Math.exp(nll / queries.length) : Number.NaN,
    teacherPerplexity: teacherTokens > 0 ? Math.exp(teacherNll / teacherTokens) : Number.NaN,
  };
}

/** KL(p̃‖q̃) with p̃, q̃ the softmax of the given log-scores over the same k items. */
export function renormalisedKl(teacherLog: readonly number[], studentLog: readonly number[]): number {
  const p = logSoftmax(teacherLog);
  const q = logSoftmax(studentLog);
  return p.reduce((s, lp, i) => s + Math.exp(lp) * (lp - q[i]), 0);
}

export interface EmbedderFidelity {
  examples: number;
  meanCosine: number;
  /** Share of held-out inputs whose nearest other input is the same under student and teacher. */
  neighbourAgreement: number;
}

/** Cosine to the teacher's vectors and nearest-neighbour agreement, on held-out inputs. */
export function embedderFidelity(student: TextEmbedder, records: readonly EmbeddingRecord[]): EmbedderFidelity {
  if (records.length === 0) return { examples: 0, meanCosine: Number.NaN, neighbourAgreement: Number.NaN };
  const s = student.embed(records.map((r) => r.input)).map((v) => [...v]);
  const t = records.map((r) => r.embedding);
  const meanCosine = s.reduce((sum, v, i) => sum + cosine(v, t[i]), 0) / s.length;
  let agree = 0;
  for (let i = 0; i < s.length; i++) if (nearest(s, i) === nearest(t, i)) agree++;
  return { examples: records.length, meanCosine, neighbourAgreement: s.length > 1 ? agree / s.length : Number.NaN };
}

function nearest(vectors: readonly (readonly number[])[], i: number): number {
  let best = -1;
  let bestScore = Number.NEGATIVE_INFINITY;
  vectors.forEach((v, j) => {
    if (j === i) return;
    const score = cosine(vectors[i], v);
    if (score > bestScore) [best, bestScore] = [j, score];
  });
  return best;
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.max(Math.sqrt(na * nb), 1e-12);
}

function logSoftmax(x: readonly number[]): number[] {
  const m = Math.max(...x);
  const lse = m + Math.log(x.reduce((s, v) => s + Math.exp(v - m), 0));
  return x.map((v) => v - lse);
}

/** Index of the largest value (first on ties). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}
