/**
 * Distils harvested teacher answers into a student model already in memory: records → examples in the student's
 * vocabulary → the family's objective → the shared training loop (Adam, warm-up + cosine, held-out evaluation, early
 * stopping, checkpoints and resume). No file I/O besides checkpoints: see train-student.ts for the command's side.
 */
import type { ModelFamilyName, TrainableModel } from '../../ml/engine/module.ts';
import type { ClassifierNetwork } from '../../ml/models/classifier/network.ts';
import type { EmbedderNetwork } from '../../ml/models/embedder/network.ts';
import type { CharLm } from '../../ml/models/lm/model.ts';
import { warmupCosine } from '../../ml/train/schedule.ts';
import { type TrainCallbacks, type TrainResult, train } from '../../ml/train/train.ts';
import type { ClassifierRecord, EmbeddingRecord, Modality, TextRecord } from '../harvest/types.ts';
import { shuffledBatches } from './batches.ts';
import { classifierExamples, embeddingExamples, lmExamples } from './examples.ts';
import { classifierObjective, type DistillObjective, embedderObjective, FAMILY_LOSSES, type LossSettings, lmObjective } from './objectives.ts';

/** The harvest modality each student family learns from. */
export const MODALITY_OF: Record<ModelFamilyName, Modality> = { classifier: 'classifier', lm: 'text', embedder: 'embedding' };

/** Hyper-parameter defaults per family (a `--steps` etc. flag overrides them). */
export const DISTILL_DEFAULTS: Record<ModelFamilyName, { steps: number; batchSize: number; lr: number; alpha: number; temperature: number }> = {
  classifier: { steps: 300, batchSize: 32, lr: 3e-3, alpha: 0.9, temperature: 2 },
  lm: { steps: 300, batchSize: 16, lr: 3e-3, alpha: 0.5, temperature: 1 },
  embedder: { steps: 300, batchSize: 32, lr: 3e-3, alpha: 1, temperature: 1 },
};

export interface DistillSettings extends Partial<LossSettings> {
  steps?: number;
  batchSize?: number;
  lr?: number;
  seed: number;
  evalEvery?: number;
  patience?: number;
  checkpointDir?: string;
  checkpointEvery?: number;
  resume?: boolean;
  callbacks?: TrainCallbacks;
}

export interface DistillOutcome {
  result: TrainResult;
  settings: LossSettings & { steps: number; batchSize: number; lr: number };
  trainExamples: number;
  heldOutExamples: number;
}

/** Records of the modality the student's family learns from. */
export type RecordsFor = { family: 'classifier'; records: ClassifierRecord[] } | { family: 'lm'; records: TextRecord[] } | { family: 'embedder'; records: EmbeddingRecord[] };

/**
 * Trains `student` in place on `train` records, evaluating the distillation loss on `heldOut` (if any) for early
 * stopping and best-weight restore.
 *
 * @example await distillInto(student, { family: 'classifier', records }, { family: 'classifier', records: held }, { seed: 1 });
 */
export async function distillInto(student: TrainableModel, trainSet: RecordsFor, heldOut: RecordsFor, options: DistillSettings): Promise<DistillOutcome> {
  const family = student.family;
  if (trainSet.family !== family || heldOut.family !== family) throw new Error(`records are for ${trainSet.family}, the student is ${family}`);
  const d = DISTILL_DEFAULTS[family];
  const loss = options.loss ?? FAMILY_LOSSES[family].default;
  const allowed: readonly string[] = FAMILY_LOSSES[family].allowed;
  if (!allowed.includes(loss)) throw new RangeError(`loss '${loss}' does not apply to a ${family} student (use ${allowed.join(' or ')})`);
  const settings = {
    loss,
    alpha: options.alpha ?? d.alpha,
    temperature: options.temperature ?? d.temperature,
    steps: options.steps ?? d.steps,
    batchSize: options.batchSize ?? d.batchSize,
    lr: options.lr ?? d.lr,
  };
  switch (trainSet.family) {
    case 'classifier': {
      const s = student as unknown as ClassifierNetwork;
      const objective = classifierObjective(s, settings);
      return run(objective, classifierExamples(s, trainSet.records), classifierExamples(s, heldOut.records as ClassifierRecord[]), settings, options);
    }
    case 'lm': {
      const s = student as unknown as CharLm;
      const objective = lmObjective(s, settings);
      return run(objective, lmExamples(s, trainSet.records), lmExamples(s, heldOut.records as TextRecord[]), settings, options);
    }
    case 'embedder': {
      const s = student as unknown as EmbedderNetwork;
      const objective = embedderObjective(s, settings);
      return run(objective, embeddingExamples(s, trainSet.records), embeddingExamples(s, heldOut.records as EmbeddingRecord[]), settings, options);
    }
  }
}

async function run<E, B>(
  objective: DistillObjective<E, B>,
  trainExamples: E[],
  heldOutExamples: E[],
  settings: DistillOutcome['settings'],
  options: DistillSettings,
): Promise<DistillOutcome> {
  const batches = shuffledBatches(trainExamples, settings.batchSize, options.seed, objective.build);
  // Held-out loss over fixed batches, weighted by rows so the last, smaller batch counts for what it holds.
  const heldOutBatches: { batch: B; rows: number }[] = [];
  for (let i = 0; i < heldOutExamples.length; i += 64) {
    const rows = heldOutExamples.slice(i, i + 64);
    heldOutBatches.push({ batch: objective.build(rows), rows: rows.length });
  }
  const evaluate =
    heldOutBatches.length === 0
      ? undefined
      : () => heldOutBatches.reduce((s, h) => s + objective.evalLoss(h.batch) * h.rows, 0) / heldOutExamples.length;
  const steps = settings.steps;
  const result = await train({
    model: objective,
    batches,
    steps,
    lr: warmupCosine({ peak: settings.lr, warmup: Math.max(1, Math.floor(steps / 20)), total: steps }),
    seed: options.seed,
    evaluate,
    evalEvery: options.evalEvery ?? Math.max(1, Math.round(steps / 10)),
    earlyStop: { patience: options.patience ?? 4 },
    checkpointDir: options.checkpointDir,
    checkpointEvery: options.checkpointEvery ?? Math.max(1, Math.round(steps / 5)),
    resume: options.resume,
    callbacks: options.callbacks,
  });
  return { result, settings, trainExamples: trainExamples.length, heldOutExamples: heldOutExamples.length };
}
