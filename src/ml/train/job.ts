/**
 * One complete training run, as `moat train` asks for it: create the model, prepare its data, train with checkpoints,
 * score the held-out set, save the weights and write `train-log.json` beside them. Runs inside a worker thread (see
 * in-worker.ts) but is a plain function, so tests can call it directly.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../engine/init.ts';
import type { ModelFamilyName, ModelSize } from '../engine/module.ts';
import { createModel, getFamily, saveModel, servedNameFor } from '../registry.ts';
import { warmupCosine } from './schedule.ts';
import { type EvalInfo, type StepInfo, train } from './train.ts';

export interface TrainJobSpec {
  family: ModelFamilyName;
  size: ModelSize;
  seed: number;
  outDir: string;
  checkpointDir: string;
  resume: boolean;
  /** Overrides of the family's defaults. */
  steps?: number;
  lr?: number;
  evalEvery?: number;
  patience?: number;
  checkpointEvery?: number;
  /** The command line, recorded in the log. */
  command: string;
}

export type TrainProgress =
  | { kind: 'start'; startStep: number; steps: number; parameterCount: number; itemsPerBatch: number }
  | ({ kind: 'step' } & StepInfo)
  | ({ kind: 'eval' } & EvalInfo)
  | { kind: 'checkpoint'; step: number; dir: string }
  | { kind: 'final-eval' };

export interface TrainLog {
  command: string;
  family: ModelFamilyName;
  size: ModelSize;
  name: string;
  seed: number;
  parameterCount: number;
  hyperparameters: { steps: number; lr: number; warmup: number; evalEvery: number; patience: number; clipNorm: number };
  data: Record<string, unknown>;
  /** 0 for a fresh run, else the checkpoint step this run resumed from. */
  resumedFromStep: number;
  stepsCompleted: number;
  stoppedEarly: boolean;
  bestStep: number | null;
  /** Wall time of this invocation (data, training, evaluation, saving). */
  wallSeconds: number;
  /** CPU time of the whole process (all threads) during this invocation; on a busy machine, the honest cost. */
  cpuSeconds: number;
  /** Wall time of earlier invocations this run resumed (from their train-log.json). */
  previousWallSeconds: number;
  trainSeconds: number;
  itemsPerSecond: number;
  evals: { step: number; loss: number }[];
  final: Record<string, number>;
  engine: { backend: string; tfjs: string; node: string };
  finishedAt: string;
}

const CLIP_NORM = 1;

/** Runs the job described by `spec`, reporting progress; resolves to the log it also wrote to `<outDir>/train-log.json`. */
export async function runTrainingJob(spec: TrainJobSpec, onProgress: (p: TrainProgress) => void, clock = () => performance.now()): Promise<TrainLog> {
  const started = clock();
  const cpuAtStart = process.cpuUsage();
  await initEngine();
  const family = getFamily(spec.family);
  const name = servedNameFor(spec.outDir);
  const model = await createModel(spec.family, spec.size, spec.seed, name);
  try {
    const plan = await family.prepareTraining(model, spec.seed);
    const d = plan.defaults;
    const steps = spec.steps ?? d.steps;
    const lr = spec.lr ?? d.lr;
    const warmup = Math.min(d.warmup, Math.max(1, Math.floor(steps / 10)));
    const evalEvery = spec.evalEvery ?? d.evalEvery;
    const patience = spec.patience ?? d.patience;
    const result = await train({
      model,
      batches: plan.batches,
      steps,
      lr: warmupCosine({ peak: lr, warmup, total: steps }),
      seed: spec.seed,
      clipNorm: CLIP_NORM,
      evaluate: plan.evaluate,
      evalEvery,
      earlyStop: { patience },
      checkpointDir: spec.checkpointDir,
      checkpointEvery: spec.checkpointEvery ?? d.checkpointEvery,
      resume: spec.resume,
      clock,
      callbacks: {
        onStart: ({ startStep }) =>
          onProgress({ kind: 'start', startStep, steps, parameterCount: model.params.count(), itemsPerBatch: plan.batches.itemsPerBatch }),
        onStep: (info) => onProgress({ kind: 'step', ...info }),
        onEval: (info) => onProgress({ kind: 'eval', ...info }),
        onCheckpoint: (info) => onProgress({ kind: 'checkpoint', ...info }),
      },
    });
    onProgress({ kind: 'final-eval' });
    const final = plan.finalReport();
    await saveModel(model, spec.outDir, name);
    const log: TrainLog = {
      command: spec.command,
      family: spec.family,
      size: spec.size,
      name,
      seed: spec.seed,
      parameterCount: model.params.count(),
      hyperparameters: { steps, lr, warmup, evalEvery, patience, clipNorm: CLIP_NORM },
      data: plan.data,
      resumedFromStep: result.startStep,
      stepsCompleted: result.steps,
      stoppedEarly: result.stoppedEarly,
      bestStep: result.bestStep,
      wallSeconds: round((clock() - started) / 1000),
      cpuSeconds: round(cpuSecondsSince(cpuAtStart)),
      previousWallSeconds: result.startStep > 0 ? await previousWallSeconds(spec.outDir) : 0,
      trainSeconds: round(result.trainMs / 1000),
      itemsPerSecond: Math.round(result.itemsPerSecond),
      evals: result.evals,
      final,
      engine: { backend: tf.getBackend(), tfjs: tf.version.tfjs, node: process.version },
      finishedAt: new Date().toISOString(),
    };
    await writeFile(join(spec.outDir, 'train-log.json'), `${JSON.stringify(log, null, 2)}\n`);
    return log;
  } finally {
    model.dispose();
  }
}

/** Sum of wall time recorded by the runs this one continues, so a resumed log still tells the whole cost. */
async function previousWallSeconds(outDir: string): Promise<number> {
  try {
    const previous = JSON.parse(await readFile(join(outDir, 'train-log.json'), 'utf8')) as Partial<TrainLog>;
    return round((previous.wallSeconds ?? 0) + (previous.previousWallSeconds ?? 0));
  } catch {
    return 0;
  }
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
