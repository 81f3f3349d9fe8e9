/**
 * The model card generator (bench/model-card.ts) on a small fixture of bench/results/models.json: one row per model,
 * the right met / not met / not measured verdicts, missing models and a missing engine bench said plainly.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderModelCard } from '../bench/model-card.ts';
import { type ModelResult, type ModelsBenchResults, ModelsBenchResultsSchema } from '../bench/models-bench/results.ts';
import { evaluateTargets } from '../bench/models-bench/targets.ts';

const latency = { request: 'POST /v1/completions, max_tokens 64', requests: 10, errors: 0, p50Ms: 120, p99Ms: 180, meanMs: 130 };
const training = (command: string, itemsPerSecond: number) => ({
  command,
  wallSeconds: 600,
  trainSeconds: 580,
  cpuSeconds: null,
  itemsPerSecond,
  stepsCompleted: 1000,
  stoppedEarly: false,
  bestStep: 1000,
  finishedAt: '2026-11-27T00:00:00.000Z',
  data: { split: 'chapters whose number is a multiple of 10 held out', heldOutChapters: 13 },
});
const speed = (tokensPerSecond: number) => ({ sequences: 1, tokens: 64, seconds: 64 / tokensPerSecond, tokensPerSecond });

function lm(size: string, bpc: number, itemsPerSecond = 2000): ModelResult {
  return {
    dir: `lm-${size}`,
    name: `moat-lm-${size}`,
    family: 'lm',
    size,
    parameters: size === 'teacher' ? 526_674 : 49_906,
    weightsBytes: 2_000_000,
    modelJsonBytes: 4_000,
    dirBytes: 2_006_000,
    files: 'committed',
    quality: { family: 'lm', heldOutBpc: bpc, heldOutLossNats: bpc * Math.LN2, heldOutChars: 91_968, evalSeconds: 3 },
    generation: { single: speed(200), batch: { ...speed(300), sequences: 8, tokens: 512 } },
    latency,
    training: training(`moat train lm --size ${size}`, itemsPerSecond),
    samples: [{ prompt: 'Call me Ishmael. ', completion: 'The *whale* said_no' }],
  };
}

const classifierTeacher: ModelResult = {
  dir: 'classifier-teacher',
  name: 'moat-classifier-teacher',
  family: 'classifier',
  size: 'teacher',
  parameters: 410_402,
  weightsBytes: 1_641_608,
  modelJsonBytes: 126_634,
  dirBytes: 1_771_753,
  files: 'modified',
  quality: {
    family: 'classifier',
    testExamples: 1173,
    accuracy: 0.96,
    precision: 0.95,
    recall: 0.9,
    f1: 0.925,
    falsePositives: 20,
    falseNegatives: 27,
    temperature: 1.7,
    nllAfter: 0.1,
    eceBefore: 0.02,
    eceAfter: 0.01,
    majorityBaseline: { label: 'ham', accuracy: 0.698, f1: 0 },
    evalSeconds: 4,
  },
  generation: null,
  latency: { ...latency, request: 'POST /v1/classifications, one held-out input', p50Ms: 3, p99Ms: 9 },
  training: training('moat train classifier --size teacher', 238),
  samples: null,
};

function fixture(overrides: Partial<ModelsBenchResults> = {}): ModelsBenchResults {
  return ModelsBenchResultsSchema.parse({
    date: '2026-11-27T00:30:00.000Z',
    command: 'npm run bench -- models',
    commit: 'abc1234',
    benchSeconds: 42,
    machine: { cpus: 2, cpuModel: 'Test CPU', loadAverage1mBefore: 1, loadAverage1mAfter: 1.5 },
    node: 'v20.0.0',
    tfjs: '4.22.0',
    settings: {
      latencyRequestsLm: 10,
      latencyRequestsOther: 10,
      completionTokens: 64,
      generationTokens: 64,
      generationBatch: 8,
      generationRounds: 3,
      concurrency: 60,
      sampleTemperature: 0.8,
      sampleSeed: 7,
      sampleMaxTokens: 200,
      samplePrompts: ['Call me Ishmael. '],
    },
    totalModelsBytes: 5_800_000,
    modelsBytesLimit: 10_000_000,
    expectedModels: ['lm-teacher', 'lm-student-s', 'classifier-teacher', 'embedder-teacher'],
    missingModels: ['embedder-teacher'],
    models: [lm('student-s', 2.78), lm('teacher', 2.37, 2375), classifierTeacher],
    concurrency: [
      { models: ['moat-classifier-teacher'], routes: ['POST /v1/classifications'], concurrency: 60, ok: 58, errors: 2, statuses: { 200: 58, 429: 2 }, peakOpenConnections: 60, wallMs: 300, p50Ms: 150, p99Ms: 290 },
    ],
    streaming: [{ model: 'moat-lm-teacher', maxTokens: 64, textChunks: 64, completionChars: 64, timeToFirstChunkMs: 4, totalMs: 280, error: null }],
    engine: null,
    engineHowTo: 'npm run bench -- ml-engine',
    ...overrides,
  });
}

function verdictOf(results: ModelsBenchResults, startsWith: string): string | undefined {
  return evaluateTargets(results).find((t) => t.target.startsWith(startsWith))?.verdict;
}

describe('model card', () => {
  it('renders one summary row per model, teacher before students, with the measured numbers', () => {
    const card = renderModelCard(fixture());
    const rows = card.split('\n').filter((l) => l.startsWith('| `'));
    assert.deepEqual(
      rows.map((r) => r.split('`')[1]),
      ['lm-teacher', 'lm-student-s', 'classifier-teacher'],
    );
    assert.match(rows[0], /\| 526,674 \| 2\.00 MB \(2,000,000 B\) \| 2\.370 bits\/char \| 200 \/ 300 \| 120 ms \/ 180 ms \| 10 min 0 s \| `moat train lm --size teacher` \|/);
    assert.match(rows[2], /accuracy 96\.00%, F1 0\.925, ECE 0\.010/);
    assert.match(card, /\| lm-student-s \| 49,906 \| 2\.780 \| .* \| \+0\.410 \|/);
    assert.match(card, /69\.80% \(always 'ham', F1 0\.000\)/);
  });

  it('judges each target from the numbers: met, not met, not measured', () => {
    const results = fixture();
    assert.equal(verdictOf(results, 'models/ total'), 'met');
    assert.equal(verdictOf(results, 'lm teacher clearly above'), 'met');
    assert.equal(verdictOf(results, 'classifier teacher clearly above'), 'not measured');
    assert.equal(verdictOf(results, 'embedder teacher clearly above'), 'not measured');
    assert.equal(verdictOf(results, 'classifier teacher ≥'), 'not met');
    // No ml-engine.json: the teacher's own training run is judged.
    assert.equal(verdictOf(results, 'LM teacher training'), 'not met');
    assert.equal(verdictOf(results, '≥ 50 concurrent classification'), 'not met');
    assert.equal(verdictOf(results, '≥ 50 concurrent embedding'), 'not measured');
    assert.equal(verdictOf(results, 'LM tokens stream'), 'met');
  });

  it('flips verdicts when the numbers cross the thresholds', () => {
    const close = fixture({ models: [lm('student-s', 2.42), lm('teacher', 2.37)] });
    assert.equal(verdictOf(close, 'lm teacher clearly above'), 'not met');
    const engine = { source: 'bench/results/ml-engine.json', date: null, matMulGflops: 22, trainingTokensPerSecond: { withFixes: 3600, builtinGradient: 800, stockTfjsWasm: 700 }, loadAverage1m: 2 };
    assert.equal(verdictOf(fixture({ engine }), 'LM teacher training'), 'met');
    const buffered = fixture({ streaming: [{ model: 'moat-lm-teacher', maxTokens: 64, textChunks: 1, completionChars: 64, timeToFirstChunkMs: 270, totalMs: 280, error: null }] });
    assert.equal(verdictOf(buffered, 'LM tokens stream'), 'not met');
    assert.equal(verdictOf(fixture({ totalModelsBytes: 10_000_001 }), 'models/ total'), 'not met');
    const burst = { models: ['moat-classifier-teacher', 'moat-embedder-teacher'], routes: ['POST /v1/classifications', 'POST /v1/embeddings'], concurrency: 60, ok: 60, errors: 0, statuses: { 200: 60 }, peakOpenConnections: 60, wallMs: 300, p50Ms: 150, p99Ms: 290 };
    assert.equal(verdictOf(fixture({ concurrency: [burst] }), '≥ 50 concurrent classification'), 'met');
    // Requests the server never held at once do not count as concurrent.
    assert.equal(verdictOf(fixture({ concurrency: [{ ...burst, peakOpenConnections: 10 }] }), '≥ 50 concurrent classification'), 'not met');
  });

  it('says plainly what is missed, what is missing, and how to produce the engine numbers', () => {
    const card = renderModelCard(fixture());
    assert.match(card, /\*\*Missed:\*\* classifier teacher ≥ 97\.00% held-out accuracy; LM teacher training/);
    assert.match(card, /\*\*Missing models\*\* \(not in `models\/` when the numbers were taken\): `embedder-teacher`\./);
    assert.match(card, /No `bench\/results\/ml-engine\.json` was present .* `npm run bench -- ml-engine`/);
    assert.match(card, /\| classifier teacher ≥ 97\.00% held-out accuracy \| 96\.00% on 1173 test messages \| \*\*not met\*\* \|/);
    assert.match(card, /> \*\*Call me Ishmael\.\*\* The \\\*whale\\\* said\\_no/);
    assert.match(card, /`npm run bench -- models`/);
    assert.match(card, /\*\*Measured from files not \(or not yet\) committed:\*\* `classifier-teacher` \(modified\)\./);
  });
});
