/**
 * `npm run bench -- models`: every model under models/ measured the same way, then models/README.md regenerated
 * from the results (bench/model-card.ts). Per model: parameters and file sizes; held-out quality through the
 * family's own evaluation (with the baselines it offers, and the majority class for the classifier); for LMs raw
 * generation tokens/s (single sequence and a batch) and three seeded samples; request latency through the real
 * model server on 127.0.0.1; concurrent classification / embedding bursts; LM streaming (first chunk vs total).
 * Training time and command come from each model's train-log.json, engine speed from bench/results/ml-engine.json.
 *
 * Flags: `--lm-requests=N` (sequential LM completions per model, default 100), `--requests=N` (sequential
 * classification / embedding requests, default 100), `--concurrency=N` (burst size, default 100), `--tokens=N`
 * (generated tokens per sequence, default 64), `--batch=N` (sequences in the batched generation run, default 8),
 * `--card-only` (re-render models/README.md from the existing results without measuring).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { pino } from 'pino';
import { parseConfig } from '../src/config/load.ts';
import type { BuiltinModel } from '../src/ml/contracts.ts';
import { initEngine } from '../src/ml/engine/init.ts';
import type { TrainableModel } from '../src/ml/engine/module.ts';
import { spamAssassinData } from '../src/ml/models/classifier/family.ts';
import { sotuData } from '../src/ml/models/embedder/family.ts';
import { flattenSources } from '../src/ml/models/embedder/sotu-corpus.ts';
import { getFamily, loadTrainableModel } from '../src/ml/registry.ts';
import { startModelServer } from '../src/serve/server.ts';
import { writeModelCard } from './model-card.ts';
import { generationSpeed } from './models-bench/generation.ts';
import { bytesUnder, EXPECTED_MODELS, fileBytes, gitState, headCommit, modelDirs, readEngineSummary, readTrainLog } from './models-bench/model-files.ts';
import { heldOutQuality } from './models-bench/quality.ts';
import { type ModelResult, type ModelsBenchResults, ModelsBenchResultsSchema } from './models-bench/results.ts';
import { type BurstRequest, completionText, concurrentBurst, connectionGauge, sequentialLatency, streamCompletion } from './models-bench/server-probes.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const MODELS_DIR = join(root, 'models');
const RESULTS = join(here, 'results', 'models.json');
const ENGINE_RESULTS = join(here, 'results', 'ml-engine.json');

const flag = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const SETTINGS = {
  latencyRequestsLm: flag('lm-requests', 100),
  latencyRequestsOther: flag('requests', 100),
  completionTokens: flag('tokens', 64),
  generationTokens: flag('tokens', 64),
  generationBatch: flag('batch', 8),
  generationRounds: 3,
  concurrency: flag('concurrency', 100),
  sampleTemperature: 0.8,
  sampleSeed: 7,
  sampleMaxTokens: 200,
  samplePrompts: ['Call me Ishmael. ', 'The whale ', 'Captain Ahab stood upon the deck, and '],
};
/** The budget for everything committed under models/. */
const MODELS_BYTES_LIMIT = 10 * 1000 * 1000;
/** Classifier inputs are e-mails of up to tens of KB; the server refuses more than serve.maxInputChars (8192). */
const MAX_INPUT_CHARS = 4000;

interface Loaded {
  dir: string;
  trainable: TrainableModel;
  builtin: BuiltinModel;
}

/** Measures every model in models/, writes bench/results/models.json and regenerates models/README.md. */
export async function runModelsBench(): Promise<ModelsBenchResults> {
  if (process.argv.includes('--card-only')) {
    const results = ModelsBenchResultsSchema.parse(JSON.parse(readFileSync(RESULTS, 'utf8')));
    writeModelCard(results, join(MODELS_DIR, 'README.md'));
    return results;
  }
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const started = performance.now();
  const loadBefore = loadavg()[0];
  await initEngine();
  const dirs = modelDirs(MODELS_DIR);
  log(`models: ${dirs.join(', ') || 'none'}`);

  const loaded: Loaded[] = [];
  const partial = new Map<string, Omit<ModelResult, 'latency' | 'samples'>>();
  for (const dir of dirs) {
    const path = join(MODELS_DIR, dir);
    const trainable = await loadTrainableModel(path);
    const builtin = getFamily(trainable.family).toBuiltin(trainable);
    loaded.push({ dir, trainable, builtin });
    const quality = await heldOutQuality(trainable);
    log(`${dir}: quality ${JSON.stringify(quality)}`);
    let generation: ModelResult['generation'] = null;
    if (builtin.family === 'lm') {
      const prompt = SETTINGS.samplePrompts[0];
      generation = generationSpeed(builtin.model, prompt, SETTINGS.generationBatch, SETTINGS.generationTokens, SETTINGS.generationRounds);
      log(`${dir}: generation ${generation.single.tokensPerSecond} tokens/s single, ${generation.batch.tokensPerSecond} batch ${SETTINGS.generationBatch}`);
    }
    partial.set(dir, {
      dir,
      name: builtin.model.info.name,
      family: builtin.family,
      size: trainable.size,
      parameters: builtin.model.info.parameterCount,
      weightsBytes: fileBytes(join(path, 'weights.bin')),
      modelJsonBytes: fileBytes(join(path, 'model.json')),
      dirBytes: bytesUnder(path),
      files: gitState(path),
      quality,
      generation,
      training: readTrainLog(path),
    });
  }

  const served = await measureThroughServer(loaded, log);
  for (const { trainable } of loaded) trainable.dispose();

  const results: ModelsBenchResults = {
    date: new Date().toISOString(),
    command: 'npm run bench -- models',
    commit: headCommit(root),
    benchSeconds: 0,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', loadAverage1mBefore: loadBefore, loadAverage1mAfter: loadavg()[0] },
    node: process.version,
    tfjs: tf.version.tfjs,
    settings: SETTINGS,
    totalModelsBytes: bytesUnder(MODELS_DIR, ['README.md']),
    modelsBytesLimit: MODELS_BYTES_LIMIT,
    expectedModels: EXPECTED_MODELS,
    missingModels: EXPECTED_MODELS.filter((m) => !dirs.includes(m)),
    models: dirs.map((dir) => ({ ...(partial.get(dir) as Omit<ModelResult, 'latency' | 'samples'>), ...(served.perModel.get(dir) as Pick<ModelResult, 'latency' | 'samples'>) })),
    concurrency: served.concurrency,
    streaming: served.streaming,
    engine: readEngineSummary(ENGINE_RESULTS, 'bench/results/ml-engine.json'),
    engineHowTo: 'npm run bench -- ml-engine',
  };
  results.benchSeconds = Math.round((performance.now() - started) / 100) / 10;
  ModelsBenchResultsSchema.parse(results);
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${RESULTS} (${results.benchSeconds} s)`);
  writeModelCard(results, join(MODELS_DIR, 'README.md'));
  log(`wrote ${join(MODELS_DIR, 'README.md')}`);
  return results;
}

/** Latency, samples, streaming and bursts against one model server holding every loaded model. */
async function measureThroughServer(loaded: readonly Loaded[], log: (s: string) => void) {
  const config = parseConfig({ serve: { host: '127.0.0.1', port: 0 }, log: { level: 'silent' } });
  const server = await startModelServer({ config, models: loaded.map((l) => l.builtin), logger: pino({ level: 'silent' }) });
  const gauge = connectionGauge(server.server);
  const perModel = new Map<string, Pick<ModelResult, 'latency' | 'samples'>>();
  const concurrency: ModelsBenchResults['concurrency'] = [];
  const streaming: ModelsBenchResults['streaming'] = [];
  const mixed: BurstRequest[] = [];
  const spamTexts = () => spamAssassinData().test.map((e) => e.text.slice(0, MAX_INPUT_CHARS));
  const passages = () => flattenSources(sotuData().test).texts;
  const cycle = (texts: readonly string[], n: number) => Array.from({ length: n }, (_, i) => texts[i % texts.length]);
  try {
    for (const { dir, builtin } of loaded) {
      const model = builtin.model.info.name;
      if (builtin.family === 'lm') {
        const tokens = SETTINGS.completionTokens;
        const bodies = Array.from({ length: SETTINGS.latencyRequestsLm }, (_, i) => ({
          model,
          prompt: SETTINGS.samplePrompts[i % SETTINGS.samplePrompts.length],
          max_tokens: tokens,
          temperature: 0.8,
          seed: i,
        }));
        const latency = await sequentialLatency(server.url, '/v1/completions', bodies, `POST /v1/completions, max_tokens ${tokens}`);
        const samples: { prompt: string; completion: string }[] = [];
        for (const prompt of SETTINGS.samplePrompts) {
          const completion = await completionText(server.url, { model, prompt, max_tokens: SETTINGS.sampleMaxTokens, temperature: SETTINGS.sampleTemperature, seed: SETTINGS.sampleSeed });
          samples.push({ prompt, completion });
        }
        streaming.push(await streamCompletion(server.url, model, SETTINGS.samplePrompts[0], tokens, SETTINGS.sampleSeed));
        perModel.set(dir, { latency, samples });
      } else {
        const path = builtin.family === 'classifier' ? '/v1/classifications' : '/v1/embeddings';
        const texts = builtin.family === 'classifier' ? spamTexts() : passages();
        const latency = await sequentialLatency(
          server.url,
          path,
          cycle(texts, SETTINGS.latencyRequestsOther).map((input) => ({ model, input })),
          `POST ${path}, one held-out input`,
        );
        perModel.set(dir, { latency, samples: null });
        const burst = cycle(texts, SETTINGS.concurrency).map((input) => ({ model, path, body: { model, input } }));
        concurrency.push(await concurrentBurst(server.url, burst, gauge));
        mixed.push(...burst);
      }
      log(`${dir}: latency ${JSON.stringify(perModel.get(dir)?.latency)}`);
    }
    // Then every classifier and embedder at once: the same number of requests, spread over all of them.
    // `mixed` holds each model's burst in turn (C requests each); request i goes to model i mod k, round-robin.
    const k = mixed.length / SETTINGS.concurrency;
    if (k > 1) {
      const spread = Array.from({ length: SETTINGS.concurrency }, (_, i) => mixed[(i % k) * SETTINGS.concurrency + Math.floor(i / k)]);
      concurrency.push(await concurrentBurst(server.url, spread, gauge));
    }
  } finally {
    await server.close(1000);
  }
  return { perModel, concurrency, streaming };
}
