/**
 * Held-out quality of a saved model through its family's own evaluation: the training plan's `finalReport()`, the
 * code `moat train` ran to write train-log.json (LM: bits per character on every held-out chapter window;
 * classifier: accuracy / F1 / ECE on the whole test split; embedder: recall@k on the held-out speeches, next to
 * TF-IDF and chance). Nothing here computes a metric itself; the majority-class baseline goes through the
 * classifier's `binaryMetrics`.
 */
import type { TrainableModel } from '../../src/ml/engine/module.ts';
import { spamAssassinData } from '../../src/ml/models/classifier/family.ts';
import { binaryMetrics } from '../../src/ml/models/classifier/metrics.ts';
import { getFamily } from '../../src/ml/registry.ts';
import type { Quality } from './results.ts';

/** The seed only shapes the training batches the plan would draw; evaluation does not depend on it. */
const PLAN_SEED = 1;

/** Runs the family's final held-out report on `model` and picks the numbers the card shows. */
export async function heldOutQuality(model: TrainableModel): Promise<Quality> {
  const started = performance.now();
  // The classifier's report re-fits the softmax temperature on the calibration split (deterministic, so it lands on
  // the saved value); the served model must keep the saved one whatever happens, so it is put back afterwards.
  const savedTemperature = temperatureOf(model);
  const plan = await getFamily(model.family).prepareTraining(model, PLAN_SEED);
  const report = plan.finalReport();
  if (savedTemperature !== undefined) Object.assign(model, { temperature: savedTemperature });
  const evalSeconds = round((performance.now() - started) / 1000, 2);
  const get = (key: string): number => {
    const value = report[key];
    if (typeof value !== 'number') throw new Error(`the ${model.family} family's final report has no '${key}'`);
    return value;
  };

  switch (model.family) {
    case 'lm':
      return { family: 'lm', heldOutBpc: get('heldOutBpc'), heldOutLossNats: get('heldOutLoss'), heldOutChars: get('heldOutChars'), evalSeconds };
    case 'classifier':
      return {
        family: 'classifier',
        testExamples: get('testExamples'),
        accuracy: get('testAccuracy'),
        precision: get('testPrecision'),
        recall: get('testRecall'),
        f1: get('testF1'),
        falsePositives: get('testFalsePositives'),
        falseNegatives: get('testFalseNegatives'),
        temperature: savedTemperature ?? get('temperature'),
        nllAfter: get('testNllAfter'),
        eceBefore: get('testEceBefore'),
        eceAfter: get('testEceAfter'),
        majorityBaseline: majorityBaseline(labelsOf(model)),
        evalSeconds,
      };
    case 'embedder':
      return {
        family: 'embedder',
        testQueries: get('testQueries'),
        recallAt1: get('testRecallAt1'),
        recallAt5: get('testRecallAt5'),
        recallAt10: get('testRecallAt10'),
        mrr: get('testMrr'),
        tfidf: { recallAt1: get('tfidfRecallAt1'), recallAt5: get('tfidfRecallAt5'), recallAt10: get('tfidfRecallAt10'), mrr: get('tfidfMrr') },
        chance: { recallAt1: get('chanceRecallAt1'), recallAt5: get('chanceRecallAt5'), recallAt10: get('chanceRecallAt10') },
        evalSeconds,
      };
  }
}

/** Always answering the training split's most frequent label, scored on the test split. */
function majorityBaseline(labels: readonly string[]): { label: string; accuracy: number; f1: number } {
  const data = spamAssassinData();
  const counts = new Map<number, number>();
  for (const e of data.train) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
  const majority = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? 0;
  const metrics = binaryMetrics(
    data.test.map(() => majority),
    data.test.map((e) => e.label),
  );
  return { label: labels[majority] ?? String(majority), accuracy: metrics.accuracy, f1: metrics.f1 };
}

function temperatureOf(model: TrainableModel): number | undefined {
  const value: unknown = (model as unknown as Record<string, unknown>).temperature;
  return typeof value === 'number' ? value : undefined;
}

function labelsOf(model: TrainableModel): readonly string[] {
  const builtin = getFamily(model.family).toBuiltin(model);
  return builtin.family === 'classifier' ? builtin.model.labels : [];
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
