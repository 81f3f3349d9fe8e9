import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadBuiltinModels } from '../ml/registry.ts';
import { runTrainingJob } from '../ml/train/job.ts';
import { captureIO } from './capture-io.test-helpers.ts';
import { ExitError } from './io.ts';
import { trainCommand } from './train.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-train-cli-'));
});
after(() => rm(dir, { recursive: true, force: true }));

// The job runs in-process here (the worker path has its own test): same code, easier to debug.
const inProcess = (spec: Parameters<typeof runTrainingJob>[0], onProgress: Parameters<typeof runTrainingJob>[1]) => runTrainingJob(spec, onProgress);

test('moat train lm --size tiny writes weights and a train-log.json, and --resume continues from the checkpoint', async () => {
  const out = join(dir, 'lm-tiny');
  const checkpointDir = join(dir, 'ckpt');
  const io = captureIO();
  const log = await trainCommand({ model: 'lm', size: 'tiny', steps: '4', evalEvery: '2', out, checkpointDir, command: 'moat train lm --size tiny --steps 4' }, io, inProcess);
  assert.equal(log.stepsCompleted, 4);
  assert.equal(log.resumedFromStep, 0);
  assert.ok(Number.isFinite(log.final.heldOutBpc) && log.final.heldOutBpc > 0);
  assert.deepEqual(log.evals.map((e) => e.step), [2, 4]);
  const written = JSON.parse(await readFile(join(out, 'train-log.json'), 'utf8'));
  assert.equal(written.command, 'moat train lm --size tiny --steps 4');
  assert.equal(written.final.heldOutBpc, log.final.heldOutBpc);
  assert.match(io.out(), /saved moat-lm-tiny to .*lm-tiny/);
  assert.match(io.err(), /eval {2}step 2 {2}held-out loss/);

  const models = await loadBuiltinModels(dir, ['moat-lm-tiny']);
  assert.equal(models.length, 1);
  assert.equal(models[0].model.info.name, 'moat-lm-tiny');

  const resumed = await trainCommand({ model: 'lm', size: 'tiny', steps: '6', evalEvery: '2', out, checkpointDir, resume: true }, captureIO(), inProcess);
  assert.equal(resumed.resumedFromStep, 4);
  assert.equal(resumed.stepsCompleted, 6);
  assert.deepEqual(resumed.evals.map((e) => e.step), [2, 4, 6]);
  assert.ok(resumed.previousWallSeconds > 0);
});

test('bad arguments exit with status 2 and say what to do', async () => {
  const io = captureIO();
  const fail = (args: Parameters<typeof trainCommand>[0], pattern: RegExp) =>
    assert.rejects(trainCommand(args, io, inProcess), (err: unknown) => err instanceof ExitError && err.exitCode === 2 && pattern.test(err.message));
  await fail({ model: 'gpt5' }, /unknown model 'gpt5': choose one of .*lm/);
  await fail({ model: 'lm', size: 'huge' }, /--size must be one of teacher, student-m, student-s, tiny/);
  await fail({ model: 'lm', steps: '0' }, /--steps must be a whole number ≥ 1/);
  await fail({ model: 'lm', lr: 'fast' }, /--lr must be a number/);
});
