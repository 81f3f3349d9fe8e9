/**
 * How an embedder is trained and scored: contrastive pair batches from the training speeches, early stopping on
 * validation retrieval (1 − MRR), and a final report of test retrieval next to chance and a TF-IDF baseline.
 */
import type { ModelSize } from '../../engine/module.ts';
import { deriveSeed } from '../../engine/rng.ts';
import type { TrainingDefaults, TrainingPlan } from '../../family.ts';
import type { EmbedderNetwork, PairBatch } from './network.ts';
import { pairBatches } from './pair-batches.ts';
import { chanceRecallAtK, type RetrievalScores, recallAtK } from './retrieval-eval.ts';
import { type EmbedderData, flattenSources } from './sotu-corpus.ts';
import { embedSequences } from './text-embedder.ts';
import { tfidfVectors } from './tfidf-baseline.ts';

export interface EmbedderTrainingDefaults extends TrainingDefaults {
  /** Sources (speeches) per batch, two passages of each. */
  batchSize: number;
  /** Share of batches made of speeches of neighbouring years (hard negatives); see pair-batches.ts. */
  localShare: number;
}

export const EMBEDDER_TRAINING: Readonly<Record<ModelSize, EmbedderTrainingDefaults>> = {
  teacher: { steps: 2000, lr: 3e-3, warmup: 50, evalEvery: 200, patience: 4, checkpointEvery: 200, batchSize: 128, localShare: 0 },
  'student-m': { steps: 2000, lr: 3e-3, warmup: 50, evalEvery: 200, patience: 4, checkpointEvery: 200, batchSize: 128, localShare: 0 },
  'student-s': { steps: 2000, lr: 3e-3, warmup: 50, evalEvery: 200, patience: 4, checkpointEvery: 200, batchSize: 128, localShare: 0 },
  tiny: { steps: 60, lr: 1e-2, warmup: 5, evalEvery: 20, patience: 100, checkpointEvery: 60, batchSize: 12, localShare: 0 },
};

const KS = [1, 5, 10];

/**
 * The training plan for `network` on `data`.
 *
 * @example const plan = embedderTrainingPlan(network, sotuEmbedderData(), 1);
 */
export function embedderTrainingPlan(network: EmbedderNetwork, data: EmbedderData, seed: number): TrainingPlan<PairBatch> {
  const { vocab, config } = network;
  const defaults = EMBEDDER_TRAINING[network.size];
  const validation = flattenSources(data.validation);
  const test = flattenSources(data.test);
  const retrieval = (set: { texts: string[]; groups: number[] }): RetrievalScores =>
    recallAtK(
      embedSequences(
        network,
        set.texts.map((t) => vocab.encode(t)),
      ),
      set.groups,
      KS,
    );
  const batches = pairBatches(
    data.train.map((s) => s.passages.map((p) => vocab.encode(p))),
    { batchSize: defaults.batchSize, maxTokens: config.maxTokens, seed: deriveSeed(seed, 'embedder-data'), localShare: defaults.localShare },
  );
  return {
    batches,
    evaluate: () => 1 - retrieval(validation).mrr,
    finalReport: () => {
      const scores = retrieval(test);
      const tfidf = recallAtK(tfidfVectors(test.texts), test.groups, KS);
      const val = retrieval(validation);
      const report: Record<string, number> = { testQueries: scores.queries, testMrr: scores.mrr, tfidfMrr: tfidf.mrr };
      for (const k of KS) {
        report[`testRecallAt${k}`] = scores.recallAt[String(k)];
        report[`chanceRecallAt${k}`] = chanceRecallAtK(test.groups, k);
        report[`tfidfRecallAt${k}`] = tfidf.recallAt[String(k)];
      }
      report.validationRecallAt1 = val.recallAt['1'];
      report.validationMrr = val.mrr;
      return report;
    },
    defaults,
    data: {
      ...data.description,
      sources: { train: data.train.length, validation: data.validation.length, test: data.test.length },
      passages: {
        train: data.train.reduce((n, s) => n + s.passages.length, 0),
        validation: validation.texts.length,
        test: test.texts.length,
      },
      vocabSize: vocab.vocabSize,
      maxTokens: config.maxTokens,
      dimensions: config.dimensions,
      batchSize: defaults.batchSize,
      infoNceTemperature: network.infoNceTemperature,
    },
  };
}
