import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../engine/init.ts';
import { loadModel, saveModel } from '../../registry.ts';
import { train } from '../../train/train.ts';
import { WindowBatches } from './batches.ts';
import { LM_SIZES } from './config.ts';
import { heldOutScore } from './evaluate.ts';
import { CharLm } from './model.ts';
import { CharTokenizer } from './tokenizer.ts';

const TEXT = 'the whale, the whale! a dead whale or a stove boat. '.repeat(40);
let dir: string;
before(async () => {
  await initEngine();
  dir = await mkdtemp(join(tmpdir(), 'moat-lm-'));
});
after(() => rm(dir, { recursive: true, force: true }));

function tinyLm(seed = 1): CharLm {
  const tok = CharTokenizer.fromText(TEXT);
  return new CharLm({ vocabSize: tok.vocabSize, ...LM_SIZES.tiny }, tok, 'tiny', seed);
}

test('nextLogits equals the last row of forward for each context, whatever the padding of the batch', () => {
  const lm = tinyLm();
  const contexts = [lm.tokenizer.encode('the wh'), lm.tokenizer.encode(TEXT.slice(0, 40)), [], lm.tokenizer.encode('a')];
  const batched = lm.nextLogits(contexts);
  assert.equal(batched.length, 4);
  contexts.forEach((ctx, i) => {
    const t = lm.contextLength;
    const used = ctx.length === 0 ? lm.tokenizer.encode('\n') : ctx.slice(-t);
    const expected = tf.tidy(() => {
      const logits = lm.forward(tf.tensor2d([used], [1, used.length], 'int32'));
      return logits.slice([used.length - 1, 0], [1, lm.tokenizer.vocabSize]).dataSync();
    });
    assert.equal(batched[i].length, lm.tokenizer.vocabSize);
    for (let v = 0; v < expected.length; v++) assert.ok(Math.abs(batched[i][v] - expected[v]) < 1e-4, `context ${i}, id ${v}`);
  });
  assert.throws(() => lm.nextLogits([[lm.tokenizer.vocabSize]]), RangeError);
  lm.dispose();
});

test('a few training steps lower the held-out loss', async () => {
  const lm = tinyLm();
  const tokens = lm.tokenizer.encode(TEXT);
  const before = heldOutScore(lm, tokens, { maxWindows: 16 }).lossNats;
  const result = await train({
    model: lm,
    batches: new WindowBatches(tokens, { batchSize: 8, length: lm.contextLength, seed: 1 }),
    steps: 25,
    lr: 1e-2,
    seed: 1,
  });
  const afterLoss = heldOutScore(lm, tokens, { maxWindows: 16 }).lossNats;
  assert.equal(result.steps, 25);
  assert.ok(afterLoss < before - 0.5, `loss ${before.toFixed(3)} → ${afterLoss.toFixed(3)}`);
  lm.dispose();
});

test('save/load through the registry gives identical logits and the same served info', async () => {
  const lm = tinyLm(5);
  const out = join(dir, 'lm-tiny');
  await saveModel(lm, out);
  const loaded = await loadModel(out);
  assert.equal(loaded.family, 'lm');
  if (loaded.family !== 'lm') return;
  assert.equal(loaded.model.info.name, 'moat-lm-tiny');
  assert.equal(loaded.model.info.parameterCount, lm.info.parameterCount);
  const ctx = [lm.tokenizer.encode('a dead wha'), lm.tokenizer.encode('stove')];
  assert.deepEqual(loaded.model.nextLogits(ctx), lm.nextLogits(ctx));
  assert.equal(loaded.model.tokenizer.decode(ctx[0]), 'a dead wha');
  lm.dispose();
  (loaded.model as CharLm).dispose();
});

test('sizes: teacher 400–600k, student-m 100–150k, student-s 30–60k parameters (82-character vocabulary)', () => {
  const tok = new CharTokenizer([...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?\'"-()[]\n*&$_']);
  const ranges = { teacher: [400e3, 600e3], 'student-m': [100e3, 150e3], 'student-s': [30e3, 60e3] } as const;
  for (const [size, [lo, hi]] of Object.entries(ranges) as [keyof typeof ranges, readonly [number, number]][]) {
    const lm = new CharLm({ vocabSize: tok.vocabSize, ...LM_SIZES[size] }, tok, size, 1);
    const n = lm.info.parameterCount;
    assert.ok(n >= lo && n <= hi, `${size}: ${n}`);
    lm.dispose();
  }
});
