import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type DistillFixture, startDistillFixture } from '../distill/train/testing/fixtures.ts';
import { captureIO } from './capture-io.test-helpers.ts';
import { runCommand } from './distill-run.ts';
import { evalCommand, trainCommand } from './distill-train.ts';

let fx: DistillFixture;
before(async () => {
  fx = await startDistillFixture([]);
});
after(async () => {
  await fx.close();
});

test('distill run end to end on a tiny budget: harvest → train → eval, summary table, report files; a rerun pays nothing', async () => {
  const out = join(fx.dir, 'run');
  const args = { teacher: fx.url, key: 'k1,k2', model: 'test-spam', budget: '60', student: 'tiny', out, steps: '40', curveSteps: '10', labelledMax: '40', source: 'synthetic' };
  const io = captureIO();
  const text = io.out;
  const report = await runCommand(args, io);
  assert.equal(report.spec.family, 'classifier', 'family detected from /models');
  assert.equal(report.harvest.paidQueries, 60);
  assert.ok(report.train.stepsCompleted > 0);
  assert.ok(report.eval.agreement > 0.5, `agreement ${report.eval.agreement}`);
  assert.ok(report.curve !== null && report.curve.length >= 2);
  for (const f of ['report.json', 'report.md', 'eval.json', 'curve.json', 'curve.svg', 'student/model.json', 'harvest/harvest.sqlite']) {
    assert.ok(existsSync(join(out, f)), f);
  }
  assert.match(text(), /top-1 agreement\s+\d+\.\d%/);
  assert.match(text(), /quality kept \(accuracy\)/);
  const md = await readFile(join(out, 'report.md'), 'utf8');
  assert.match(md, /^# Distillation report: test-spam → tiny/);
  assert.match(md, /\| top-1 agreement \| \d+\.\d% \|/);

  const again = await runCommand({ ...args, curve: false }, captureIO());
  assert.equal(again.harvest.harvested, 0, 'nothing harvested twice');
  assert.equal(again.harvest.cacheHits, 60);
});

test('distill train and eval commands: bad flags exit 2 with the reason; good ones print and write', async () => {
  await assert.rejects(trainCommand({ data: 'x', family: 'cnn', student: 'tiny' }, captureIO()), (e: Error & { exitCode?: number }) => e.exitCode === 2 && /--family must be one of lm, classifier, embedder/.test(e.message));
  await assert.rejects(trainCommand({ data: 'x', family: 'lm', student: 'tiny', alpha: '2' }, captureIO()), /--alpha must be a number in \[0, 1\]/);
  await assert.rejects(trainCommand({ data: join(fx.dir, 'none'), family: 'lm', student: 'tiny' }, captureIO()), (e: Error & { exitCode?: number }) => e.exitCode === 1 && /no harvest/.test(e.message));
  await assert.rejects(runCommand({ teacher: fx.url, key: 'k', model: 'test-spam', budget: '5', student: 'huge', out: 'x' }, captureIO()), /--student must be one of/);
  const data = join(fx.dir, 'run', 'harvest');
  const out = join(fx.dir, 'cli-student');
  const trained = captureIO();
  await trainCommand({ data, family: 'classifier', student: 'tiny', out, steps: '20', loss: 'seq-kd' }, trained);
  assert.match(trained.out(), /trained classifier student tiny .* seq-kd/s);
  const evaluated = captureIO(true);
  await evalCommand({ student: out, teacher: fx.url, model: 'test-spam', data, curve: false, labelled: 'none' }, evaluated);
  const json = JSON.parse(evaluated.out()) as { report: { agreement: number; quality: null } };
  assert.ok(json.report.agreement >= 0 && json.report.agreement <= 1);
  assert.equal(json.report.quality, null);
});
