/**
 * `moat distill train` as a function: build the student from the registry (the same family code and sizes as the
 * built-in models), distil the harvest into it, save it like a built-in model (model.json + weights.bin) and write
 * `distill-log.json` beside it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initEngine } from '../../ml/engine/init.ts';
import type { ModelFamilyName, ModelSize } from '../../ml/engine/module.ts';
import { createModel, saveModel, servedNameFor } from '../../ml/registry.ts';
import type { EvalInfo, StepInfo } from '../../ml/train/train.ts';
import { distillInto } from './distill.ts';
import { type HarvestFilter, HELD_OUT_FRACTION, readHarvestSplit } from './harvest-data.ts';
import type { DistillLoss } from './objectives.ts';

export interface DistillTrainSpec extends HarvestFilter {
  data: string;
  family: ModelFamilyName;
  student: ModelSize;
  out: string;
  seed: number;
  loss?: DistillLoss;
  steps?: number;
  alpha?: number;
  temperature?: number;
  batchSize?: number;
  lr?: number;
  /** Continue from `<out>/checkpoint` if a previous run left one. */
  resume?: boolean;
}

export type DistillTrainProgress =
  | { kind: 'start'; startStep: number; steps: number; parameterCount: number; trainExamples: number; heldOutExamples: number }
  | ({ kind: 'step' } & StepInfo)
  | ({ kind: 'eval' } & EvalInfo);

export interface DistillTrainLog {
  family: ModelFamilyName;
  size: ModelSize;
  name: string;
  data: string;
  parameterCount: number;
  settings: { loss: DistillLoss; alpha: number; temperature: number; steps: number; batchSize: number; lr: number; seed: number };
  trainExamples: number;
  heldOutExamples: number;
  heldOutFraction: number;
  resumedFromStep: number;
  stepsCompleted: number;
  stoppedEarly: boolean;
  bestStep: number | null;
  bestHeldOutLoss: number | null;
  lastTrainLoss: number;
  evals: { step: number; loss: number }[];
  trainSeconds: number;
  finishedAt: string;
}

/** Runs the job; the saved student is in `spec.out`, and its log is returned and written to `distill-log.json`. */
export async function trainStudent(spec: DistillTrainSpec, onProgress: (p: DistillTrainProgress) => void = () => {}): Promise<DistillTrainLog> {
  await initEngine();
  const split = readHarvestSplit(spec.data, spec.family, spec);
  const name = servedNameFor(spec.out);
  const student = await createModel(spec.family, spec.student, spec.seed, name);
  try {
    let counts = { trainExamples: split.train.records.length, heldOutExamples: split.heldOut.records.length };
    const outcome = await distillInto(student, split.train, split.heldOut, {
      ...spec,
      checkpointDir: join(spec.out, 'checkpoint'),
      callbacks: {
        onStart: ({ startStep, steps }) => onProgress({ kind: 'start', startStep, steps, parameterCount: student.params.count(), ...counts }),
        onStep: (info) => onProgress({ kind: 'step', ...info }),
        onEval: (info) => onProgress({ kind: 'eval', ...info }),
      },
    });
    counts = { trainExamples: outcome.trainExamples, heldOutExamples: outcome.heldOutExamples };
    await saveModel(student, spec.out, name);
    const r = outcome.result;
    const log: DistillTrainLog = {
      family: spec.family,
      size: spec.student,
      name,
      data: spec.data,
      parameterCount: student.params.count(),
      settings: { ...outcome.settings, seed: spec.seed },
      ...counts,
      heldOutFraction: HELD_OUT_FRACTION,
      resumedFromStep: r.startStep,
      stepsCompleted: r.steps,
      stoppedEarly: r.stoppedEarly,
      bestStep: r.bestStep,
      bestHeldOutLoss: r.bestEvalLoss,
      lastTrainLoss: r.lastLoss,
      evals: r.evals,
      trainSeconds: Math.round(r.trainMs / 100) / 10,
      finishedAt: new Date().toISOString(),
    };
    await writeFile(join(spec.out, 'distill-log.json'), `${JSON.stringify(log, null, 2)}\n`);
    return log;
  } finally {
    student.dispose();
  }
}
