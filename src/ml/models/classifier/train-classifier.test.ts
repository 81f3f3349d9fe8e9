import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { initEngine } from '../../engine/init.ts';
import { classifierParameterCount } from './config.ts';
import { loadClassifier, saveClassifier } from './persist.ts';
import { asTextClassifier } from './text-classifier.ts';
import { toyClassifierData } from './toy-data.ts';
import { trainClassifier } from './train-classifier.ts';

const TEXTS = ['free money click now', 'patch review for the kernel build', '', 'the the the'];

test('a tiny classifier trains, calibrates, predicts distributions, and round-trips through save/load', async () => {
  await initEngine();
  const losses: number[] = [];
  const { network, report } = await trainClassifier(
    { size: 'tiny', steps: 60, lr: 1e-2, evalEvery: 10, patience: 100, data: toyClassifierData() },
    { onStep: (s) => losses.push(s.loss) },
  );
  assert.equal(report.training.steps, 60);
  const early = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
  const late = losses.slice(-5).reduce((a, b) => a + b) / 5;
  assert.ok(late < early * 0.7, `training loss ${early} → ${late}`);
  assert.ok(report.training.evals[0].loss > (report.training.evals.at(-1)?.loss ?? Number.POSITIVE_INFINITY));
  assert.ok(report.test.accuracy >= 0.85, `toy test accuracy ${report.test.accuracy}`);
  assert.equal(report.parameterCount, classifierParameterCount(report.config));

  const classifier = asTextClassifier(network, 'toy');
  const probs = classifier.predict(TEXTS);
  assert.equal(probs.length, TEXTS.length);
  for (const row of probs) {
    assert.equal(row.length, 2);
    assert.ok(Math.abs(row[0] + row[1] - 1) < 1e-9, `row sums to ${row[0] + row[1]}`);
  }
  assert.ok(probs[0][1] > 0.5 && probs[1][0] > 0.5, JSON.stringify(probs));
  assert.equal(classifier.countTokens('Free money!'), 3);

  // Calibration changes confidence but not the decision.
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
    await saveClassifier(dir, network);
    const loaded = await loadClassifier(dir);
    assert.deepEqual(asTextClassifier(loaded, 'toy').predict(TEXTS), probs);
    assert.equal(loaded.temperature, network.temperature);
    loaded.dispose();
  } finally {
    network.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a raw e-mail is classified on its allowed parts only: X-Spam headers do not change the answer', async () => {
  await initEngine();
  const { network } = await trainClassifier({ size: 'tiny', steps: 20, lr: 1e-2, data: toyClassifierData(2) });
  const classifier = asTextClassifier(network, 'toy');
  const body = 'Subject: build review\nFrom: dev@example.org\n\nthanks for the patch';
  const tagged = body.replace('\n\n', '\nX-Spam-Status: Yes, free money cash prize winner\n\n');
  assert.deepEqual(classifier.predict([tagged]), classifier.predict([body]));
  assert.deepEqual(classifier.predict([body]), classifier.predict(['build review thanks for the patch']));
  network.dispose();
});
