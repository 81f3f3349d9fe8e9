import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createModel, loadTrainableModel } from '../../ml/registry.ts';
import { agreementOf } from '../eval/curve.ts';
import { lmFidelity } from '../eval/fidelity.ts';
import type { TextRecord } from '../harvest/types.ts';
import type { CharLm } from '../../ml/models/lm/model.ts';
import { readHarvestSplit } from './harvest-data.ts';
import { type DistillFixture, startDistillFixture } from './testing/fixtures.ts';
import { trainStudent } from './train-student.ts';

let fx: DistillFixture;
before(async () => {
  fx = await startDistillFixture([]);
});
after(async () => {
  await fx.close();
});

test('train on a tiny classifier harvest: the saved student agrees with the teacher more than a fresh one', async () => {
  const data = join(fx.dir, 'spam');
  await fx.harvest({ model: 'test-spam', modality: 'classifier', source: { kind: 'synthetic' }, count: 240 }, data);
  const split = readHarvestSplit(data, 'classifier');
  assert.ok(split.heldOut.records.length >= 20, `held-out part has ${split.heldOut.records.length} records`);
  const fresh = await createModel('classifier', 'tiny', 5);
  const before = agreementOf(fresh, split.heldOut);
  fresh.dispose();
  const out = join(fx.dir, 'spam-student');
  const progress: string[] = [];
  const log = await trainStudent({ data, family: 'classifier', student: 'tiny', out, seed: 5, steps: 120 }, (p) => progress.push(p.kind));
  assert.equal(log.stepsCompleted > 0, true);
  assert.ok(progress.includes('start') && progress.includes('step') && progress.includes('eval'));
  assert.ok(existsSync(join(out, 'model.json')) && existsSync(join(out, 'weights.bin')));
  const saved = JSON.parse(await readFile(join(out, 'distill-log.json'), 'utf8')) as { settings: { loss: string } };
  assert.equal(saved.settings.loss, 'hinton');
  const student = await loadTrainableModel(out);
  const after = agreementOf(student, split.heldOut);
  student.dispose();
  assert.ok(after >= 0.85 && after > before, `agreement ${before.toFixed(3)} → ${after.toFixed(3)}`);
});

test('train an LM student on teacher text with top-k logprobs: its perplexity on held-out teacher text falls and agreement rises', async () => {
  const data = join(fx.dir, 'text');
  await fx.harvest({ model: 'test-lm', modality: 'text', source: { kind: 'corpus', corpus: 'moby-dick' }, count: 60 }, data);
  const split = readHarvestSplit(data, 'lm');
  const fresh = await createModel('lm', 'tiny', 3);
  const before = lmFidelity(fresh as unknown as CharLm, split.heldOut.records as TextRecord[]);
  fresh.dispose();
  const out = join(fx.dir, 'lm-student');
  const log = await trainStudent({ data, family: 'lm', student: 'tiny', out, seed: 3, steps: 80, lr: 2e-2 });
  assert.equal(log.settings.loss, 'topk-kl');
  const student = await loadTrainableModel(out);
  const after = lmFidelity(student as unknown as CharLm, split.heldOut.records as TextRecord[]);
  student.dispose();
  // The fixture teacher is a bigram table with flat, often tied top-5s, so top-1 agreement on ten held-out sequences
  // is a coarse signal (and a near-uniform fresh student already has a small renormalised top-k KL); perplexity on
  // the teacher's held-out text is the sharp one.
  const summary = `perplexity ${before.studentPerplexity.toFixed(1)} → ${after.studentPerplexity.toFixed(1)} (teacher ${after.teacherPerplexity.toFixed(1)}), agreement ${before.nextTokenAgreement.toFixed(3)} → ${after.nextTokenAgreement.toFixed(3)}`;
  assert.ok(after.studentPerplexity < 0.75 * before.studentPerplexity, summary);
  assert.ok(after.nextTokenAgreement > before.nextTokenAgreement, summary);
});

test('a harvest without records of the family is refused with the modalities it has', async () => {
  await assert.rejects(
    trainStudent({ data: join(fx.dir, 'spam'), family: 'lm', student: 'tiny', out: join(fx.dir, 'x'), seed: 1 }),
    /no text records to train a lm student on \(records by modality: classifier: \d+\)/,
  );
  await assert.rejects(trainStudent({ data: join(fx.dir, 'missing'), family: 'lm', student: 'tiny', out: join(fx.dir, 'y'), seed: 1 }), /no harvest in/);
});

test('a rerun resumes from the checkpoint in <out>/checkpoint and continues to the new step count', async () => {
  const data = join(fx.dir, 'spam');
  const out = join(fx.dir, 'resumed-student');
  const first = await trainStudent({ data, family: 'classifier', student: 'tiny', out, seed: 2, steps: 10 });
  assert.equal(first.resumedFromStep, 0);
  assert.equal(first.stepsCompleted, 10);
  const second = await trainStudent({ data, family: 'classifier', student: 'tiny', out, seed: 2, steps: 20, resume: true });
  assert.equal(second.resumedFromStep, 10);
  assert.equal(second.stepsCompleted, 20);
  const fresh = await trainStudent({ data, family: 'classifier', student: 'tiny', out, seed: 2, steps: 5, resume: false });
  assert.equal(fresh.resumedFromStep, 0);
});
