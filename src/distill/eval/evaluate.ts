/**
 * `moat distill eval` as a function: a saved student against its teacher on the harvest's held-out records —
 * fidelity, quality kept, compression and speed-up — as one JSON-ready report.
 */
import type { BuiltinModel } from '../../ml/contracts.ts';
import type { TrainableModel } from '../../ml/engine/module.ts';
import type { CharLm } from '../../ml/models/lm/model.ts';
import { getFamily } from '../../ml/registry.ts';
import type { HarvestSplit } from '../train/harvest-data.ts';
import { argmax, type ClassifierFidelity, classifierFidelity, type EmbedderFidelity, embedderFidelity, type LmFidelity, lmFidelity } from './fidelity.ts';
import type { EvalTeacher, TeacherInfo } from './teacher.ts';

export interface LabelledExample {
  text: string;
  /** Index into the classifier's labels. */
  label: number;
}

export interface QualityKept {
  /** What "quality" means for this family. */
  metric: 'accuracy' | 'perplexity-ratio' | 'neighbour-agreement';
  teacher: number;
  student: number;
  /** student / teacher for accuracy; teacher / student for perplexity (so 1 = as good, > 1 = better). */
  kept: number;
  examples: number;
}

export interface EvalReport {
  family: string;
  student: { name: string; size: string; parameterCount: number };
  teacher: TeacherInfo;
  heldOutRecords: number;
  fidelity: ClassifierFidelity | LmFidelity | EmbedderFidelity;
  /** The headline fidelity number: top-1 / next-token / neighbour agreement. */
  agreement: number;
  quality: QualityKept | null;
  /** student parameters / teacher parameters (null when the teacher does not report its size). */
  parameterRatio: number | null;
  latency: { studentMs: number; teacherMs: number; speedUp: number; samples: number; teacherWhere: 'local' | 'remote' };
}

export interface EvalOptions {
  /** Labelled data for the classifier's accuracy (both models are scored on it). */
  labelled?: readonly LabelledExample[];
  /** Single-input calls timed for each model (the median is reported). Default 20. */
  latencySamples?: number;
}

/**
 * Scores `student` against `teacher` on the held-out part of a harvest.
 *
 * @example const report = await evaluateStudent(student, teacher, readHarvestSplit('runs/spam', 'classifier'));
 */
export async function evaluateStudent(student: TrainableModel, teacher: EvalTeacher, split: HarvestSplit, options: EvalOptions = {}): Promise<EvalReport> {
  const builtin = getFamily(student.family).toBuiltin(student);
  const held = split.heldOut;
  let fidelity: EvalReport['fidelity'];
  let agreement: number;
  let quality: QualityKept | null = null;
  let inputs: string[];
  switch (held.family) {
    case 'classifier': {
      if (builtin.family !== 'classifier') throw new Error('student is not a classifier');
      const f = classifierFidelity(builtin.model, held.records);
      [fidelity, agreement, inputs] = [f, f.agreement, held.records.map((r) => r.input)];
      if (options.labelled && options.labelled.length > 0) quality = await classifierQuality(builtin, teacher, options.labelled);
      break;
    }
    case 'lm': {
      const f = lmFidelity(student as unknown as CharLm, held.records);
      [fidelity, agreement, inputs] = [f, f.nextTokenAgreement, held.records.map((r) => r.prompt ?? r.completion)];
      quality = { metric: 'perplexity-ratio', teacher: f.teacherPerplexity, student: f.studentPerplexity, kept: f.teacherPerplexity / f.studentPerplexity, examples: f.sequences };
      break;
    }
    case 'embedder': {
      if (builtin.family !== 'embedder') throw new Error('student is not an embedder');
      const f = embedderFidelity(builtin.model, held.records);
      [fidelity, agreement, inputs] = [f, f.neighbourAgreement, held.records.map((r) => r.input)];
      break;
    }
  }
  const latency = await measureLatency(builtin, teacher, inputs, options.latencySamples ?? 20);
  const parameterCount = student.params.count();
  return {
    family: student.family,
    student: { name: builtin.model.info.name, size: student.size, parameterCount },
    teacher: teacher.info,
    heldOutRecords: held.records.length,
    fidelity,
    agreement,
    quality,
    parameterRatio: teacher.info.parameterCount ? parameterCount / teacher.info.parameterCount : null,
    latency,
  };
}

async function classifierQuality(student: Extract<BuiltinModel, { family: 'classifier' }>, teacher: EvalTeacher, labelled: readonly LabelledExample[]): Promise<QualityKept> {
  const texts = labelled.map((e) => e.text);
  const studentRows = student.model.predict(texts);
  const t = await teacher.classify(texts);
  // Compare by label name: the teacher may list its classes in another order.
  const names = student.model.labels;
  const accuracy = (rows: number[][], labels: readonly string[]) =>
    rows.filter((row, i) => labels[argmax(row)] === names[labelled[i].label]).length / labelled.length;
  const teacherAcc = accuracy(t.rows, t.labels);
  const studentAcc = accuracy(studentRows, names);
  return { metric: 'accuracy', teacher: teacherAcc, student: studentAcc, kept: studentAcc / teacherAcc, examples: labelled.length };
}

/** Median single-input latency of each model over the same inputs (a warm-up call each first). */
async function measureLatency(student: BuiltinModel, teacher: EvalTeacher, inputs: readonly string[], samples: number): Promise<EvalReport['latency']> {
  const chosen = Array.from({ length: Math.min(samples, inputs.length) }, (_, i) => inputs[Math.floor((i * inputs.length) / Math.min(samples, inputs.length))]);
  if (chosen.length === 0) return { studentMs: Number.NaN, teacherMs: Number.NaN, speedUp: Number.NaN, samples: 0, teacherWhere: teacher.info.where };
  const local = (text: string): number => {
    const t0 = performance.now();
    if (student.family === 'classifier') student.model.predict([text]);
    else if (student.family === 'embedder') student.model.embed([text]);
    else student.model.nextLogits([student.model.tokenizer.encode(text)]);
    return performance.now() - t0;
  };
  local(chosen[0]);
  await teacher.timeOne(chosen[0]);
  const s: number[] = [];
  const t: number[] = [];
  for (const text of chosen) {
    s.push(local(text));
    t.push(await teacher.timeOne(text));
  }
  const studentMs = median(s);
  const teacherMs = median(t);
  return { studentMs, teacherMs, speedUp: teacherMs / studentMs, samples: chosen.length, teacherWhere: teacher.info.where };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
