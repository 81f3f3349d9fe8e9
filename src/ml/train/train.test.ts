import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../engine/init.ts';
import { ModelFileError } from '../engine/io.ts';
import { matMulFast } from '../engine/matmul.ts';
import type { BatchSource, Trainable } from '../engine/module.ts';
import { normalInit, ParamSet } from '../engine/params.ts';
import { createRng, deriveSeed } from '../engine/rng.ts';
import { train } from './train.ts';

/** Linear regression y = x·w* + noise: a model whose loss must fall, small enough to train in milliseconds. */
interface Batch {
  x: Float32Array;
  y: Float32Array;
}
const ROWS = 16;
const DIM = 4;
const TRUE_W = [1.5, -2, 0.5, 3];

class Linear implements Trainable<Batch> {
  readonly params = new ParamSet();
  constructor(seed: number) {
    this.params.add('w', normalInit(createRng(seed), [DIM, 1], 0.1));
  }
  loss(batch: Batch): tf.Scalar {
    const pred = matMulFast(tf.tensor2d(batch.x, [ROWS, DIM]), this.params.get('w'));
    return tf.losses.meanSquaredError(tf.tensor2d(batch.y, [ROWS, 1]), pred) as tf.Scalar;
  }
}

/** Batch i is a pure function of (seed, i), so seeking is trivial and runs are comparable. */
function regressionBatches(seed: number): BatchSource<Batch> {
  let drawn = 0;
  return {
    itemsPerBatch: ROWS,
    next() {
      const rng = createRng(deriveSeed(seed, `batch-${drawn++}`));
      const x = Float32Array.from({ length: ROWS * DIM }, () => rng.normal());
      const y = Float32Array.from({ length: ROWS }, (_, r) => TRUE_W.reduce((s, w, j) => s + w * x[r * DIM + j], 0) + 0.01 * rng.normal());
      return { x, y };
    },
    cursor: () => drawn,
    seek: (c) => {
      drawn = c;
    },
  };
}

let dir: string;
before(async () => {
  await initEngine();
  dir = await mkdtemp(join(tmpdir(), 'moat-train-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('training lowers the loss, and the injected clock drives the throughput figure', async () => {
  const model = new Linear(1);
  const losses: number[] = [];
  let now = 0;
  const result = await train({
    model,
    batches: regressionBatches(1),
    steps: 60,
    lr: 0.1,
    seed: 1,
    clipNorm: Number.POSITIVE_INFINITY,
    clock: () => (now += 50),
    callbacks: { onStep: (s) => losses.push(s.loss) },
  });
  assert.equal(result.steps, 60);
  assert.ok(losses[59] < losses[0] / 20, `loss ${losses[0]} → ${losses[59]}`);
  // Each step reads the clock twice, 50 ms apart: 16 items per 50 ms.
  assert.equal(result.itemsPerSecond, 320);
  model.params.dispose();
});

test('a resumed run continues from the checkpoint step and ends bit-identical to an uninterrupted one', async () => {
  const straight = new Linear(2);
  await train({ model: straight, batches: regressionBatches(2), steps: 10, lr: 0.05, seed: 2 });

  const ckpt = join(dir, 'resume');
  const first = new Linear(2);
  await train({ model: first, batches: regressionBatches(2), steps: 6, lr: 0.05, seed: 2, checkpointDir: ckpt, checkpointEvery: 3 });
  assert.deepEqual((await readdir(ckpt)).sort(), ['checkpoint-6.bin', 'checkpoint.json'], 'older checkpoint files are removed');

  const resumed = new Linear(2);
  let startStep = -1;
  const steps: number[] = [];
  const result = await train({
    model: resumed,
    batches: regressionBatches(2),
    steps: 10,
    lr: 0.05,
    seed: 2,
    checkpointDir: ckpt,
    resume: true,
    callbacks: { onStart: (s) => (startStep = s.startStep), onStep: (s) => steps.push(s.step) },
  });
  assert.equal(startStep, 6);
  assert.deepEqual(steps, [7, 8, 9, 10]);
  assert.equal(result.startStep, 6);
  assert.deepEqual(resumed.params.get('w').dataSync(), straight.params.get('w').dataSync());
  for (const m of [straight, first, resumed]) m.params.dispose();
});

test('early stopping after `patience` evaluations without improvement restores the best weights', async () => {
  const model = new Linear(3);
  const heldOut = [1, 2, 3, 0.5];
  let calls = 0;
  let bestWeights: Float32Array | null = null;
  const result = await train({
    model,
    batches: regressionBatches(3),
    steps: 10,
    lr: 0.05,
    seed: 3,
    evaluate: () => heldOut[calls++],
    evalEvery: 1,
    earlyStop: { patience: 2 },
    callbacks: {
      onEval: (e) => {
        if (e.improved) bestWeights = model.params.get('w').dataSync() as Float32Array;
      },
    },
  });
  assert.equal(result.stoppedEarly, true);
  assert.equal(result.steps, 3);
  assert.equal(result.bestStep, 1);
  assert.equal(result.bestEvalLoss, 1);
  assert.deepEqual(result.evals.map((e) => e.loss), [1, 2, 3]);
  assert.ok(bestWeights);
  assert.deepEqual(model.params.get('w').dataSync(), bestWeights);
  model.params.dispose();
});

test('resuming from a damaged checkpoint names the file and the problem', async () => {
  const ckpt = join(dir, 'damaged');
  const model = new Linear(4);
  await train({ model, batches: regressionBatches(4), steps: 2, lr: 0.05, seed: 4, checkpointDir: ckpt });
  await truncate(join(ckpt, 'checkpoint-2.bin'), 3);
  await assert.rejects(
    train({ model, batches: regressionBatches(4), steps: 4, lr: 0.05, seed: 4, checkpointDir: ckpt, resume: true }),
    (err: unknown) => err instanceof ModelFileError && /checkpoint-2\.bin: size mismatch/.test(err.message),
  );
  model.params.dispose();
});
