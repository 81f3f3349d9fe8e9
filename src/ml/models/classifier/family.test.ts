import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { initEngine } from '../../engine/init.ts';
import type { ModelFamily } from '../../family.ts';
import { loadModel, saveModel } from '../../registry.ts';
import { warmupCosine } from '../../train/schedule.ts';
import { train } from '../../train/train.ts';
import { CLASSIFIER_SIZES, classifierParameterCount } from './config.ts';
import { createClassifierFamily } from './family.ts';
import type { ClassifierBatch, ClassifierNetwork } from './network.ts';
import { asTextClassifier } from './text-classifier.ts';
import { toyClassifierData } from './toy-data.ts';

const TEXTS = ['free money click now', 'patch review for the kernel build', '', 'the the the'];

/** Trains the tiny size with its own defaults (the same path `moat train` takes) and returns the final report. */
async function trainTiny(family: ModelFamily<ClassifierNetwork, ClassifierBatch>, seed: number, onLoss?: (loss: number) => void) {
  const network = await family.create('tiny', seed, 'moat-classifier-toy');
  const plan = await family.prepareTraining(network, seed);
  const { steps, lr, warmup, evalEvery, patience } = plan.defaults;
  const result = await train({
    model: network,
    batches: plan.batches,
    steps,
    lr: warmupCosine({ peak: lr, warmup, total: steps }),
    seed,
    evaluate: plan.evaluate,
    evalEvery,
    earlyStop: { patience },
    callbacks: { onStep: (s) => onLoss?.(s.loss) },
  });
  return { network, result, report: plan.finalReport() };
}

test('a tiny classifier trains, calibrates, predicts distributions, and round-trips through the registry', async () => {
  await initEngine();
  const losses: number[] = [];
  const { network, result, report } = await trainTiny(
    createClassifierFamily(() => toyClassifierData()),
    1,
    (loss) => losses.push(loss),
  );
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(losses.slice(-5)) < mean(losses.slice(0, 5)) * 0.7, `training loss ${mean(losses.slice(0, 5))} → ${mean(losses.slice(-5))}`);
  assert.ok(result.evals[0].loss > (result.evals.at(-1)?.loss ?? Number.POSITIVE_INFINITY));
  assert.ok(report.testAccuracy >= 0.85, `toy test accuracy ${report.testAccuracy}`);
  assert.equal(report.temperature, network.temperature);
  assert.equal(network.params.count(), classifierParameterCount(CLASSIFIER_SIZES.tiny));
  assert.notEqual(report.testEceAfter, report.testEceBefore);

  const classifier = asTextClassifier(network);
  const probs = classifier.predict(TEXTS);
  assert.equal(probs.length, TEXTS.length);
  for (const row of probs) {
    assert.equal(row.length, 2);
    assert.ok(Math.abs(row[0] + row[1] - 1) < 1e-9, `row sums to ${row[0] + row[1]}`);
  }
  assert.ok(probs[0][1] > 0.5 && probs[1][0] > 0.5, JSON.stringify(probs));
  assert.equal(classifier.countTokens('Free money!'), 3);

  // Calibration moves confidence, never the decision.
  const fitted = network.temperature;
  network.temperature = fitted * 3;
  const flatter = classifier.predict(TEXTS);
  network.temperature = fitted;
  assert.ok(Math.abs(flatter[0][1] - 0.5) < Math.abs(probs[0][1] - 0.5));
  assert.deepEqual(
    flatter.map((r) => r[1] > 0.5),
    probs.map((r) => r[1] > 0.5),
  );

  const dir = await mkdtemp(join(tmpdir(), 'moat-classifier-'));
  try {
    await saveModel(network, dir, 'moat-classifier-toy');
    const loaded = await loadModel(dir);
    assert.equal(loaded.family, 'classifier');
    if (loaded.family !== 'classifier') return;
    assert.equal(loaded.model.info.name, 'moat-classifier-toy');
    assert.deepEqual(loaded.model.labels, ['ham', 'spam']);
    assert.deepEqual(loaded.model.predict(TEXTS), probs);
  } finally {
    network.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a raw e-mail is classified on its allowed parts only: X-Spam headers do not change the answer', async () => {
  await initEngine();
  const { network } = await trainTiny(
    createClassifierFamily(() => toyClassifierData(2)),
    2,
  );
  const classifier = asTextClassifier(network);
  const mail = 'Subject: build review\nFrom: dev@example.org\n\nthanks for the patch';
  const tagged = mail.replace('\n\n', '\nX-Spam-Status: Yes, free money cash prize winner\n\n');
  assert.deepEqual(classifier.predict([tagged]), classifier.predict([mail]));
  assert.deepEqual(classifier.predict([mail]), classifier.predict(['build review thanks for the patch']));
  network.dispose();
});
