/**
 * How a classifier is trained and scored: batches of the train split, early stopping on the calibration split's
 * loss, and a final report that first fits the softmax temperature on the calibration split (so the model saved
 * after it is calibrated) and then scores the untouched test split before and after calibration.
 */
import type { ModelSize } from '../../engine/module.ts';
import { deriveSeed } from '../../engine/rng.ts';
import type { TrainingDefaults, TrainingPlan } from '../../family.ts';
import { classifierBatches, oneHotTargets } from './batches.ts';
import { expectedCalibrationError, fitTemperature, logitRows, meanNll, softmaxWithTemperature } from './calibration.ts';
import { argmaxRows, type BinaryMetrics, binaryMetrics } from './metrics.ts';
import type { ClassifierBatch, ClassifierNetwork } from './network.ts';
import { sequenceLogits } from './text-classifier.ts';

export interface LabelledText {
  /** Model input (for mail: the allow-listed, normalised document text). */
  text: string;
  /** Index into the classifier's labels. */
  label: number;
}

export interface ClassifierData {
  train: LabelledText[];
  calibration: LabelledText[];
  test: LabelledText[];
  /** Described in train-log.json (corpus, licence, split rule, …). */
  description: Record<string, unknown>;
}

export interface ClassifierTrainingDefaults extends TrainingDefaults {
  batchSize: number;
}

export const CLASSIFIER_TRAINING: Readonly<Record<ModelSize, ClassifierTrainingDefaults>> = {
  teacher: { steps: 800, lr: 3e-3, warmup: 40, evalEvery: 25, patience: 8, checkpointEvery: 100, batchSize: 64 },
  'student-m': { steps: 800, lr: 3e-3, warmup: 40, evalEvery: 25, patience: 8, checkpointEvery: 100, batchSize: 64 },
  'student-s': { steps: 800, lr: 3e-3, warmup: 40, evalEvery: 25, patience: 8, checkpointEvery: 100, batchSize: 64 },
  tiny: { steps: 60, lr: 1e-2, warmup: 5, evalEvery: 10, patience: 100, checkpointEvery: 60, batchSize: 64 },
};

export interface HeldOutMetrics extends BinaryMetrics {
  /** Mean negative log-likelihood at T = 1 and at the fitted T. */
  nllBefore: number;
  nllAfter: number;
  /** Expected calibration error (15 bins) at T = 1 and at the fitted T. */
  eceBefore: number;
  eceAfter: number;
}

/**
 * The training plan for `network` on `data`.
 *
 * @example const plan = classifierTrainingPlan(network, data, 1); await train({ model: network, batches: plan.batches, … });
 */
export function classifierTrainingPlan(network: ClassifierNetwork, data: ClassifierData, seed: number): TrainingPlan<ClassifierBatch> {
  const { vocab, config } = network;
  const classes = config.labels.length;
  const encode = (split: readonly LabelledText[]) => split.map((e) => vocab.encode(e.text).slice(0, config.maxTokens));
  const calibrationSeqs = encode(data.calibration);
  const calibrationLabels = data.calibration.map((e) => e.label);
  const defaults = CLASSIFIER_TRAINING[network.size];
  const batches = classifierBatches(
    { sequences: encode(data.train), targets: oneHotTargets(data.train.map((e) => e.label), classes) },
    { batchSize: defaults.batchSize, maxTokens: config.maxTokens, seed: deriveSeed(seed, 'classifier-data') },
  );
  const share = (split: readonly LabelledText[]) => split.filter((e) => e.label === 1).length / Math.max(split.length, 1);
  return {
    batches,
    evaluate: () => meanNll(logitRows(sequenceLogits(network, calibrationSeqs), classes), calibrationLabels, 1),
    finalReport: () => {
      const calibrationRows = logitRows(sequenceLogits(network, calibrationSeqs), classes);
      network.temperature = fitTemperature(calibrationRows, calibrationLabels);
      const testRows = logitRows(sequenceLogits(network, encode(data.test)), classes);
      const test = heldOutMetrics(
        testRows,
        data.test.map((e) => e.label),
        network.temperature,
      );
      const calibration = heldOutMetrics(calibrationRows, calibrationLabels, network.temperature);
      return {
        temperature: network.temperature,
        testExamples: test.examples,
        testAccuracy: test.accuracy,
        testPrecision: test.precision,
        testRecall: test.recall,
        testF1: test.f1,
        testFalsePositives: test.confusion.fp,
        testFalseNegatives: test.confusion.fn,
        testNllBefore: test.nllBefore,
        testNllAfter: test.nllAfter,
        testEceBefore: test.eceBefore,
        testEceAfter: test.eceAfter,
        calibrationAccuracy: calibration.accuracy,
        calibrationEceBefore: calibration.eceBefore,
        calibrationEceAfter: calibration.eceAfter,
      };
    },
    defaults,
    data: {
      ...data.description,
      examples: { train: data.train.length, calibration: data.calibration.length, test: data.test.length },
      positiveShare: { train: share(data.train), calibration: share(data.calibration), test: share(data.test) },
      labels: config.labels,
      vocabSize: vocab.vocabSize,
      maxTokens: config.maxTokens,
      batchSize: defaults.batchSize,
    },
  };
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
