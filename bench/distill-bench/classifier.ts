/**
 * Classifier target: a student with ≤ 25% of the teacher's parameters, trained by Hinton KD on the teacher's
 * probabilities harvested through the model server, keeps ≥ 97% of the teacher's SpamAssassin test accuracy and
 * agrees ≥ 95% on held-out inputs.
 */
import { join } from 'node:path';
import { evaluateStudent } from '../../src/distill/eval/evaluate.ts';
import { localTeacher } from '../../src/distill/eval/teacher.ts';
import { openTeacher } from '../../src/distill/eval/teacher.ts';
import { distillInto } from '../../src/distill/train/distill.ts';
import { readHarvestSplit } from '../../src/distill/train/harvest-data.ts';
import type { BuiltinModel } from '../../src/ml/contracts.ts';
import { spamAssassinData } from '../../src/ml/models/classifier/family.ts';
import { createModel } from '../../src/ml/registry.ts';
import { harvestInto, log, round, timed } from './common.ts';

export interface ClassifierTargetResult {
  teacher: string;
  student: string;
  queries: number;
  harvestSeconds: number;
  trainSeconds: number;
  trainRecords: number;
  heldOutRecords: number;
  steps: number;
  parameterRatio: number | null;
  agreement: number;
  teacherAccuracy: number;
  studentAccuracy: number;
  accuracyKept: number;
  speedUp: number;
  met: { parameters: boolean; accuracyKept: boolean; agreement: boolean };
}

/** Harvests `queries` spam-corpus prompts from the served teacher, distils into `size`, evaluates. */
export async function classifierTarget(opts: { url: string; dir: string; teacherModel: BuiltinModel; queries: number; size: 'student-m' | 'student-s'; steps: number }): Promise<ClassifierTargetResult> {
  const data = join(opts.dir, 'classifier-harvest');
  const harvest = await timed(() =>
    harvestInto({ teacher: opts.url, keys: ['bench-1', 'bench-2'], model: 'moat-classifier-teacher', modality: 'classifier', source: { kind: 'corpus', corpus: 'spam' }, count: opts.queries, out: data, seed: 1 }, 8),
  );
  log(`classifier harvest: ${harvest.value.paid} paid queries in ${harvest.seconds} s`);
  const split = readHarvestSplit(data, 'classifier');
  const student = await createModel('classifier', opts.size, 1, `moat-classifier-${opts.size}-distilled`);
  try {
    const trained = await timed(() => distillInto(student, split.train, split.heldOut, { seed: 1, steps: opts.steps, batchSize: 64, patience: 6 }));
    log(`classifier ${opts.size}: ${trained.value.result.steps} steps in ${trained.seconds} s`);
    const labelled = spamAssassinData().test.map((e) => ({ text: e.text.slice(0, 8000), label: e.label }));
    // Accuracy is scored against the teacher loaded locally (same weights as served) so 1,200 messages cost no HTTP;
    // fidelity uses the answers harvested through the server, latency the teacher behind the server.
    const local = await evaluateStudent(student, localTeacher(opts.teacherModel), split, { labelled, latencySamples: 0 });
    const remote = await evaluateStudent(student, await openTeacher(opts.url, { family: 'classifier', model: 'moat-classifier-teacher' }), split, { latencySamples: 30 });
    const q = local.quality;
    if (q === null) throw new Error('no accuracy computed');
    return {
      teacher: 'moat-classifier-teacher',
      student: opts.size,
      queries: harvest.value.paid,
      harvestSeconds: harvest.seconds,
      trainSeconds: trained.seconds,
      trainRecords: split.train.records.length,
      heldOutRecords: split.heldOut.records.length,
      steps: trained.value.result.steps,
      parameterRatio: local.parameterRatio === null ? null : round(local.parameterRatio),
      agreement: round(local.agreement),
      teacherAccuracy: round(q.teacher),
      studentAccuracy: round(q.student),
      accuracyKept: round(q.kept),
      speedUp: round(remote.latency.speedUp, 2),
      met: { parameters: (local.parameterRatio ?? 1) <= 0.25, accuracyKept: q.kept >= 0.97, agreement: local.agreement >= 0.95 },
    };
  } finally {
    student.dispose();
  }
}
