import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ModelFamilyName } from '../engine/module.ts';
import { runTrainingInWorker } from './in-worker.ts';
import type { TrainJobSpec, TrainProgress } from './job.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-worker-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const spec = (overrides: Partial<TrainJobSpec> = {}): TrainJobSpec => ({
  family: 'lm',
  size: 'tiny',
  seed: 1,
  outDir: join(dir, 'lm-tiny'),
  checkpointDir: join(dir, 'ckpt'),
  resume: false,
  steps: 2,
  command: 'test',
  ...overrides,
});

test('a training job runs in a worker thread and streams progress back', async () => {
  const events: TrainProgress[] = [];
  const log = await runTrainingInWorker(spec(), (p) => events.push(p));
  assert.equal(log.stepsCompleted, 2);
  assert.equal(log.engine.backend, 'wasm');
  assert.deepEqual(
    events.filter((e) => e.kind === 'start' || e.kind === 'step').map((e) => e.kind),
    ['start', 'step', 'step'],
  );
});

test("a failing job rejects with the worker's error message", async () => {
  await assert.rejects(runTrainingInWorker(spec({ family: 'nope' as ModelFamilyName }), () => {}), /unknown model family 'nope'/);
});
