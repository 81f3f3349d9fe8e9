/**
 * Trains one classifier size end to end: vocabulary from the train split, cross-entropy training with the shared
 * loop (early stopping on the calibration split), temperature scaling on the calibration split, and held-out
 * metrics on the test split, before and after calibration.
 */
import { loadSpamAssassin } from '../../data/spam-assassin.ts';
import { WordVocab } from '../../data/word-vocab.ts';
import type { ModelSize } from '../../engine/module.ts';
import { deriveSeed } from '../../engine/rng.ts';
import { warmupCosine } from '../../train/schedule.ts';
import { type TrainCallbacks, type TrainResult, train } from '../../train/train.ts';
import { classifierBatches, oneHotTargets } from './batches.ts';
import { expectedCalibrationError, fitTemperature, logitRows, meanNll, softmaxWithTemperature } from './calibration.ts';
import { CLASSIFIER_SIZES, type ClassifierConfig } from './config.ts';
import { argmaxRows, type BinaryMetrics, binaryMetrics } from './metrics.ts';
import { ClassifierNetwork } from './network.ts';
import { sequenceLogits } from './text-classifier.ts';

export interface LabelledText {
  text: string;
  label: number;
}

export interface ClassifierData {
  train: LabelledText[];
  calibration: LabelledText[];
  test: LabelledText[];
}

export interface TrainClassifierOptions {
  size: ModelSize;
  /** Default 1. */
  seed?: number;
  /** Optimiser steps; default from the size (see DEFAULT_STEPS). */
  steps?: number;
  /** Default 64. */
  batchSize?: number;
  /** Peak learning rate of the warm-up + cosine schedule. Default 3e-3. */
  lr?: number;
  /** Steps between evaluations on the calibration split (early stopping, best weights). Default 50. */
  evalEvery?: number;
  /** Evaluations without improvement before stopping. Default 4. */
  patience?: number;
  /** Labelled texts; default the SpamAssassin corpus with its stratified split. */
  data?: ClassifierData;
  /** Overrides of the size's architecture (tests use a smaller vocabulary). */
  config?: Partial<ClassifierConfig>;
  checkpointDir?: string;
  resume?: boolean;
}

export interface HeldOutMetrics extends BinaryMetrics {
  /** Mean negative log-likelihood at T = 1 and at the fitted T. */
  nllBefore: number;
  nllAfter: number;
  /** Expected calibration error (15 bins) at T = 1 and at the fitted T. */
  eceBefore: number;
  eceAfter: number;
}

export interface ClassifierReport {
  family: 'classifier';
  size: ModelSize;
  parameterCount: number;
  config: ClassifierConfig;
  examples: { train: number; calibration: number; test: number };
  training: Pick<TrainResult, 'steps' | 'bestStep' | 'stoppedEarly' | 'trainMs' | 'itemsPerSecond' | 'lastLoss' | 'evals'>;
  temperature: number;
  calibration: HeldOutMetrics;
  test: HeldOutMetrics;
}

export const DEFAULT_STEPS: Readonly<Record<ModelSize, number>> = { teacher: 1200, 'student-m': 1200, 'student-s': 1200, tiny: 30 };

/**
 * Trains a classifier of `options.size` and returns it (calibrated) with its report. Callbacks receive the shared
 * loop's step/eval events for progress display.
 *
 * @example const { network, report } = await trainClassifier({ size: 'teacher' }, { onEval: (e) => log(e) });
 */
export async function trainClassifier(
  options: TrainClassifierOptions,
  callbacks: TrainCallbacks = {},
): Promise<{ network: ClassifierNetwork; report: ClassifierReport }> {
  const seed = options.seed ?? 1;
  const data = options.data ?? loadSpamAssassin();
  const config: ClassifierConfig = { ...CLASSIFIER_SIZES[options.size], ...options.config };
  const vocab = WordVocab.build(
    data.train.map((e) => e.text),
    { size: config.vocabSize },
  );
  const network = new ClassifierNetwork(options.size, config, vocab, deriveSeed(seed, 'init'));
  const encode = (split: readonly LabelledText[]) => split.map((e) => vocab.encode(e.text).slice(0, config.maxTokens));
  const trainSeqs = encode(data.train);
  const calibrationSeqs = encode(data.calibration);
  const testSeqs = encode(data.test);
  const classes = config.labels.length;
  const calibrationLabels = data.calibration.map((e) => e.label);

  const steps = options.steps ?? DEFAULT_STEPS[options.size];
  const lr = options.lr ?? 3e-3;
  const result = await train({
    model: network,
    batches: classifierBatches(
      { sequences: trainSeqs, targets: oneHotTargets(data.train.map((e) => e.label), classes) },
      { batchSize: options.batchSize ?? 64, maxTokens: config.maxTokens, seed: deriveSeed(seed, 'batches') },
    ),
    steps,
    lr: warmupCosine({ peak: lr, warmup: Math.min(50, Math.ceil(steps / 10)), total: steps }),
    seed,
    evaluate: () => meanNll(logitRows(sequenceLogits(network, calibrationSeqs), classes), calibrationLabels, 1),
    evalEvery: options.evalEvery ?? 50,
    earlyStop: { patience: options.patience ?? 4 },
    checkpointDir: options.checkpointDir,
    resume: options.resume,
    callbacks,
  });

  const calibrationRows = logitRows(sequenceLogits(network, calibrationSeqs), classes);
  network.temperature = fitTemperature(calibrationRows, calibrationLabels);
  const report: ClassifierReport = {
    family: 'classifier',
    size: options.size,
    parameterCount: network.params.count(),
    config,
    examples: { train: data.train.length, calibration: data.calibration.length, test: data.test.length },
    training: {
      steps: result.steps,
      bestStep: result.bestStep,
      stoppedEarly: result.stoppedEarly,
      trainMs: Math.round(result.trainMs),
      itemsPerSecond: Math.round(result.itemsPerSecond),
      lastLoss: result.lastLoss,
      evals: result.evals,
    },
    temperature: network.temperature,
    calibration: heldOutMetrics(calibrationRows, calibrationLabels, network.temperature),
    test: heldOutMetrics(
      logitRows(sequenceLogits(network, testSeqs), classes),
      data.test.map((e) => e.label),
      network.temperature,
    ),
  };
  return { network, report };
}

/** Accuracy/F1 (unchanged by T) and NLL/ECE at T = 1 and at `temperature`. */
export function heldOutMetrics(rows: readonly Float32Array[], labels: readonly number[], temperature: number): HeldOutMetrics {
  const before = rows.map((r) => softmaxWithTemperature(r, 1));
  const after = rows.map((r) => softmaxWithTemperature(r, temperature));
  return {
    ...binaryMetrics(argmaxRows(after), labels),
    nllBefore: meanNll(rows, labels, 1),
    nllAfter: meanNll(rows, labels, temperature),
    eceBefore: expectedCalibrationError(before, labels),
    eceAfter: expectedCalibrationError(after, labels),
  };
}
