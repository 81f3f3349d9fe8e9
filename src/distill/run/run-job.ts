/**
 * `moat distill run`: harvest → train → eval in one go, into one directory:
 *   DIR/harvest/harvest.sqlite   the cached teacher answers (a rerun resumes and pays nothing twice)
 *   DIR/student/                 the distilled student (model.json, weights.bin, distill-log.json, checkpoint)
 *   DIR/eval.json, curve.json, curve.svg, report.json, report.md
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelFamilyName, ModelSize } from '../../ml/engine/module.ts';
import { MoatError } from '../../http/errors.ts';
import type { HarvestSummary } from '../harvest/harvest.ts';
import type { HarvestProgress } from '../harvest/progress.ts';
import { openHarvestSession } from '../harvest/session.ts';
import type { SourceSpec } from '../harvest/sources.ts';
import { type EvalJobProgress, type EvalJobResult, runEvalJob } from '../eval/eval-job.ts';
import { MODALITY_OF } from '../train/distill.ts';
import type { DistillLoss } from '../train/objectives.ts';
import { type DistillTrainLog, type DistillTrainProgress, trainStudent } from '../train/train-student.ts';
import { reportMarkdown } from './report.ts';

/** Prompt source per family when none is given: the training split of the corpus the built-in teacher knows. */
export const DEFAULT_SOURCES: Record<ModelFamilyName, SourceSpec> = {
  classifier: { kind: 'corpus', corpus: 'spam' },
  lm: { kind: 'corpus', corpus: 'moby-dick' },
  embedder: { kind: 'corpus', corpus: 'sotu' },
};

export interface RunJobSpec {
  teacher: string;
  keys: readonly string[];
  model: string;
  family: ModelFamilyName;
  budget: number;
  student: ModelSize;
  out: string;
  source?: SourceSpec;
  seed?: number;
  concurrency?: number;
  maxTokens?: number;
  logprobs?: number;
  loss?: DistillLoss;
  steps?: number;
  curve?: boolean;
  curveSteps?: number;
  /** Classifier accuracy on at most this many labelled SpamAssassin test messages. */
  labelledMax?: number;
}

export type RunJobProgress =
  | { stage: 'harvest'; progress: HarvestProgress }
  | { stage: 'train'; progress: DistillTrainProgress }
  | { stage: 'eval'; progress: EvalJobProgress }
  | { stage: 'done' | 'begin'; name: 'harvest' | 'train' | 'eval' };

export interface RunReport {
  spec: Omit<RunJobSpec, 'keys'> & { keys: number };
  harvest: HarvestSummary & { paidQueries: number; wallSeconds: number };
  train: DistillTrainLog;
  eval: EvalJobResult['report'];
  curve: EvalJobResult['curve'];
  files: string[];
  wallSeconds: number;
}

/** Runs the three stages and writes report.json and report.md in `spec.out`. */
export async function runDistillation(spec: RunJobSpec, onProgress: (p: RunJobProgress) => void = () => {}, signal?: AbortSignal): Promise<RunReport> {
  const started = performance.now();
  const harvestDir = join(spec.out, 'harvest');
  const studentDir = join(spec.out, 'student');
  await mkdir(spec.out, { recursive: true });

  onProgress({ stage: 'begin', name: 'harvest' });
  const session = await openHarvestSession({
    teacher: spec.teacher,
    keys: spec.keys,
    model: spec.model,
    modality: MODALITY_OF[spec.family],
    source: spec.source ?? DEFAULT_SOURCES[spec.family],
    count: spec.budget,
    out: harvestDir,
    seed: spec.seed,
    maxTokens: spec.maxTokens,
    logprobs: spec.logprobs,
    concurrency: spec.concurrency,
  });
  let harvest: HarvestSummary;
  let paidQueries: number;
  let wallSeconds: number;
  try {
    harvest = await session.harvester.run(session.items, {
      concurrency: spec.concurrency ?? 4,
      budget: spec.budget,
      signal,
      onProgress: (progress) => onProgress({ stage: 'harvest', progress }),
    });
    const ledger = session.store.reader.ledger(harvest.runId);
    paidQueries = ledger.total.paid;
    wallSeconds = ledger.wallSeconds;
  } finally {
    await session.close();
  }
  if (harvest.status === 'stopped' || harvest.status === 'failed') {
    throw new MoatError(harvest.status === 'failed' ? 'upstream_error' : 'internal_error', `harvest ${harvest.status}: ${harvest.message ?? ''}; rerun the same command to resume`);
  }
  onProgress({ stage: 'done', name: 'harvest' });

  onProgress({ stage: 'begin', name: 'train' });
  const train = await trainStudent(
    { data: harvestDir, family: spec.family, student: spec.student, out: studentDir, seed: spec.seed ?? 1, loss: spec.loss, steps: spec.steps, runId: harvest.runId, resume: true },
    (progress) => onProgress({ stage: 'train', progress }),
  );
  onProgress({ stage: 'done', name: 'train' });

  onProgress({ stage: 'begin', name: 'eval' });
  const evaluated = await runEvalJob(
    { student: studentDir, teacher: spec.teacher, key: spec.keys[0], model: spec.model, data: harvestDir, out: spec.out, curve: spec.curve, curveSteps: spec.curveSteps, labelledMax: spec.labelledMax, seed: spec.seed },
    (progress) => onProgress({ stage: 'eval', progress }),
  );
  onProgress({ stage: 'done', name: 'eval' });

  const report: RunReport = {
    spec: { ...spec, keys: spec.keys.length },
    harvest: { ...harvest, paidQueries, wallSeconds },
    train,
    eval: evaluated.report,
    curve: evaluated.curve,
    files: [...evaluated.files, join(spec.out, 'report.json'), join(spec.out, 'report.md')],
    wallSeconds: Math.round((performance.now() - started) / 100) / 10,
  };
  await writeFile(join(spec.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(spec.out, 'report.md'), reportMarkdown(report));
  return report;
}
