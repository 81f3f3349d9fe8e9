/**
 * `npm run bench -- ml-engine`: what the engine's two speed fixes buy, each against its baseline in the same run.
 * 1. 512³ matMul GFLOP/s on tfjs-wasm vs the pure-JS cpu backend.
 * 2. An attention-shaped batched product ([128, 96, 96]·[128, 96, 32]) per batch through XNNPACK vs the stock kernel.
 * 3. LM teacher training tokens/s: matMulFast (explicit transposes) vs tfjs's built-in matMul gradient, and vs stock
 *    tfjs-wasm (built-in gradient and stock BatchMatMul).
 * Writes bench/results/ml-engine.json. `--steps=N` sets the timed training steps per configuration (default 24),
 * run in 3 interleaved rounds.
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
const ROUNDS = 3;

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

interface TrainingConfig {
  name: 'matMulFast' | 'builtinGradient' | 'stockTfjsWasm';
  builtinGradient: boolean;
  perBatch: boolean;
}

interface ThroughputResult {
  steps: number;
  tokensPerStep: number;
  secondsPerStep: number;
  tokensPerSecond: number;
  lossAfter: number;
}

const CONFIGS: TrainingConfig[] = [
  { name: 'matMulFast', builtinGradient: false, perBatch: true },
  { name: 'builtinGradient', builtinGradient: true, perBatch: true },
  { name: 'stockTfjsWasm', builtinGradient: true, perBatch: false },
];

/**
 * Tokens per second of full teacher training steps (forward, backward, clip, Adam) for each configuration. The
 * configurations take turns in `ROUNDS` rounds, so load from other processes drifting over the run hits them alike.
 */
function trainingThroughput(tokenizer: CharTokenizer, tokens: number[]) {
  const runs = CONFIGS.map((config) => {
    const model = new CharLm({ vocabSize: tokenizer.vocabSize, ...LM_SIZES.teacher }, tokenizer, 'teacher', 1);
    const batches = new WindowBatches(tokens, { batchSize: LM_TRAINING.teacher.batchSize, length: model.contextLength, seed: 1 });
    return { config, model, batches, adam: new Adam(model.params), rng: createRng(1), seconds: 0, steps: 0, loss: Number.NaN };
  });
  const step = (run: (typeof runs)[number]): void => {
    useBuiltinMatMulGradient(run.config.builtinGradient);
    usePerBatchMatMul(run.config.perBatch);
    const g = computeGradients(run.model, run.batches.next(), run.rng, 1);
    run.adam.apply(g.grads, 3e-3);
    tf.dispose([...g.grads.values()]);
    run.loss = g.loss;
  };
  for (const run of runs) for (let i = 0; i < WARMUP_STEPS; i++) step(run);
  const perRound = Math.max(1, Math.round(TRAIN_STEPS / ROUNDS));
  for (let round = 0; round < ROUNDS; round++) {
    for (const run of runs) {
      const t0 = performance.now();
      for (let i = 0; i < perRound; i++) step(run);
      run.seconds += (performance.now() - t0) / 1000;
      run.steps += perRound;
    }
  }
  useBuiltinMatMulGradient(false);
  usePerBatchMatMul(true);
  const result = {} as Record<TrainingConfig['name'], ThroughputResult>;
  for (const run of runs) {
    run.adam.dispose();
    run.model.dispose();
    result[run.config.name] = {
      steps: run.steps,
      tokensPerStep: run.batches.itemsPerBatch,
      secondsPerStep: Math.round((run.seconds / run.steps) * 1000) / 1000,
      tokensPerSecond: Math.round((run.steps * run.batches.itemsPerBatch) / run.seconds),
      lossAfter: Math.round(run.loss * 1000) / 1000,
    };
  }
  return result;
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
  const training = trainingThroughput(tokenizer, tokens);
  const fast = training.matMulFast;
  const builtin = training.builtinGradient;
  const stockTfjs = training.stockTfjsWasm;
  log(`teacher training tokens/s: matMulFast ${fast.tokensPerSecond}, built-in matMul gradient ${builtin.tokensPerSecond}, stock tfjs-wasm ${stockTfjs.tokensPerSecond}`);

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
