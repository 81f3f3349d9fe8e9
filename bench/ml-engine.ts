/**
 * `npm run bench -- ml-engine`: what the engine's two speed fixes buy, each against its baseline in the same run.
 * 1. 512³ matMul GFLOP/s on tfjs-wasm vs the pure-JS cpu backend.
 * 2. An attention-shaped batched product ([128, 96, 96]·[128, 96, 32]) per batch through XNNPACK vs the stock kernel.
 * 3. LM teacher training tokens/s: matMulFast (explicit transposes) vs tfjs's built-in matMul gradient, and vs stock
 *    tfjs-wasm (built-in gradient and stock BatchMatMul).
 * Writes bench/results/ml-engine.json. `--steps=N` sets the timed training steps per configuration (default 24).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { loadMobyDick } from '../src/ml/data/moby-dick.ts';
import { initEngine } from '../src/ml/engine/init.ts';
import { usePerBatchMatMul } from '../src/ml/engine/kernels.ts';
import { useBuiltinMatMulGradient } from '../src/ml/engine/matmul.ts';
import { createRng } from '../src/ml/engine/rng.ts';
import { WindowBatches } from '../src/ml/models/lm/batches.ts';
import { LM_SIZES, LM_TRAINING } from '../src/ml/models/lm/config.ts';
import { CharLm } from '../src/ml/models/lm/model.ts';
import { CharTokenizer } from '../src/ml/models/lm/tokenizer.ts';
import { Adam } from '../src/ml/train/adam.ts';
import { computeGradients } from '../src/ml/train/gradients.ts';

const here = dirname(fileURLToPath(import.meta.url));
const flag = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const TRAIN_STEPS = flag('steps', 24);
const WARMUP_STEPS = 2;

/** Mean ms per call of `f` after `warmup` untimed calls; each call is synchronised by reading its result. */
function timeMs(f: () => tf.Tensor, iterations: number, warmup = 2): number {
  const once = (): void => {
    tf.tidy(() => {
      f().dataSync();
    });
  };
  for (let i = 0; i < warmup; i++) once();
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) once();
  return (performance.now() - t0) / iterations;
}

function gflops(flop: number, ms: number): number {
  return Math.round((flop / (ms * 1e6)) * 100) / 100;
}

async function matMul512(backend: 'wasm' | 'cpu', iterations: number): Promise<{ ms: number; gflops: number }> {
  await initEngine({ backend });
  const a = tf.randomNormal([512, 512], 0, 1, 'float32', 1);
  const b = tf.randomNormal([512, 512], 0, 1, 'float32', 2);
  const ms = timeMs(() => tf.matMul(a, b), iterations, backend === 'cpu' ? 1 : 3);
  tf.dispose([a, b]);
  return { ms: Math.round(ms * 100) / 100, gflops: gflops(2 * 512 ** 3, ms) };
}

function attentionProduct(perBatch: boolean): { ms: number; gflops: number } {
  usePerBatchMatMul(perBatch);
  const a = tf.randomNormal([128, 96, 96], 0, 1, 'float32', 3);
  const b = tf.randomNormal([128, 96, 32], 0, 1, 'float32', 4);
  const ms = timeMs(() => tf.matMul(a, b), 10);
  tf.dispose([a, b]);
  usePerBatchMatMul(true);
  return { ms: Math.round(ms * 100) / 100, gflops: gflops(2 * 128 * 96 * 96 * 32, ms) };
}

/** Tokens per second of full teacher training steps (forward, backward, clip, Adam) after a short warm-up. */
function trainingThroughput(tokenizer: CharTokenizer, tokens: number[], options: { builtinGradient: boolean; perBatch: boolean }) {
  useBuiltinMatMulGradient(options.builtinGradient);
  usePerBatchMatMul(options.perBatch);
  const model = new CharLm({ vocabSize: tokenizer.vocabSize, ...LM_SIZES.teacher }, tokenizer, 'teacher', 1);
  const batches = new WindowBatches(tokens, { batchSize: LM_TRAINING.teacher.batchSize, length: model.contextLength, seed: 1 });
  const adam = new Adam(model.params);
  const rng = createRng(1);
  let t0 = 0;
  let loss = Number.NaN;
  for (let step = 0; step < WARMUP_STEPS + TRAIN_STEPS; step++) {
    if (step === WARMUP_STEPS) t0 = performance.now();
    const g = computeGradients(model, batches.next(), rng, 1);
    adam.apply(g.grads, 3e-3);
    tf.dispose([...g.grads.values()]);
    loss = g.loss;
  }
  const seconds = (performance.now() - t0) / 1000;
  adam.dispose();
  model.dispose();
  useBuiltinMatMulGradient(false);
  usePerBatchMatMul(true);
  return {
    steps: TRAIN_STEPS,
    tokensPerStep: batches.itemsPerBatch,
    secondsPerStep: Math.round((seconds / TRAIN_STEPS) * 1000) / 1000,
    tokensPerSecond: Math.round((TRAIN_STEPS * batches.itemsPerBatch) / seconds),
    lossAfter: Math.round(loss * 1000) / 1000,
  };
}

export async function runMlEngineBench(): Promise<unknown> {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const loadBefore = loadavg()[0];
  const cpu = await matMul512('cpu', 3);
  const wasm = await matMul512('wasm', 20);
  log(`matMul 512³: wasm ${wasm.gflops} GFLOP/s, cpu ${cpu.gflops} GFLOP/s (${(wasm.gflops / cpu.gflops).toFixed(1)}×)`);

  const perBatch = attentionProduct(true);
  const stock = attentionProduct(false);
  log(`attention product [128,96,96]·[128,96,32]: per batch ${perBatch.gflops} GFLOP/s, stock ${stock.gflops} GFLOP/s`);

  const data = loadMobyDick();
  const tokenizer = CharTokenizer.fromText(data.train, 2);
  const tokens = tokenizer.encode(data.train);
  const fast = trainingThroughput(tokenizer, tokens, { builtinGradient: false, perBatch: true });
  log(`teacher training, matMulFast: ${fast.tokensPerSecond} tokens/s`);
  const builtin = trainingThroughput(tokenizer, tokens, { builtinGradient: true, perBatch: true });
  log(`teacher training, built-in matMul gradient: ${builtin.tokensPerSecond} tokens/s`);
  const stockTfjs = trainingThroughput(tokenizer, tokens, { builtinGradient: true, perBatch: false });
  log(`teacher training, stock tfjs-wasm: ${stockTfjs.tokensPerSecond} tokens/s`);

  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAverage1mBefore: loadBefore, loadAverage1mAfter: loadavg()[0] },
    tfjs: tf.version.tfjs,
    matMul512: { wasm, cpu, speedup: Math.round((wasm.gflops / cpu.gflops) * 10) / 10 },
    attentionProduct: { perBatch, stock, speedup: Math.round((perBatch.gflops / stock.gflops) * 10) / 10 },
    lmTeacherTraining: {
      parameters: LM_SIZES.teacher,
      matMulFast: fast,
      builtinGradient: builtin,
      stockTfjsWasm: stockTfjs,
      speedupOverBuiltinGradient: Math.round((fast.tokensPerSecond / builtin.tokensPerSecond) * 100) / 100,
      speedupOverStock: Math.round((fast.tokensPerSecond / stockTfjs.tokensPerSecond) * 100) / 100,
    },
  };
  const out = join(here, 'results', 'ml-engine.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${out}`);
  return result;
}
