/**
 * The shape of bench/results/models.json: what `npm run bench -- models` measures and the model card renders. One
 * zod schema serves both sides, so the card refuses a results file it would misread rather than printing blanks.
 */
import { z } from 'zod';

const num = z.number();

export const LatencySchema = z.object({
  /** e.g. `POST /v1/completions (max_tokens 64)`. */
  request: z.string(),
  requests: num,
  errors: num,
  p50Ms: num,
  p99Ms: num,
  meanMs: num,
});

export const TrainingSchema = z.object({
  command: z.string(),
  wallSeconds: num,
  trainSeconds: num.nullable(),
  cpuSeconds: num.nullable(),
  /** Training throughput as train-log.json reports it (tokens/s for LMs, documents or pairs/s otherwise). */
  itemsPerSecond: num.nullable(),
  stepsCompleted: num.nullable(),
  stoppedEarly: z.boolean().nullable(),
  bestStep: num.nullable(),
  finishedAt: z.string().nullable(),
  /** train-log.json's `data` (corpus, licence, split rule, sizes), as the family wrote it. */
  data: z.record(z.string(), z.unknown()),
});

const LmQualitySchema = z.object({
  family: z.literal('lm'),
  heldOutBpc: num,
  heldOutLossNats: num,
  heldOutChars: num,
  evalSeconds: num,
});

const RatesSchema = z.object({ recallAt1: num, recallAt5: num, recallAt10: num });

const ClassifierQualitySchema = z.object({
  family: z.literal('classifier'),
  testExamples: num,
  accuracy: num,
  precision: num,
  recall: num,
  f1: num,
  falsePositives: num,
  falseNegatives: num,
  temperature: num,
  nllAfter: num,
  eceBefore: num,
  eceAfter: num,
  /** Always answering the most frequent training label, scored by the same metric code. */
  majorityBaseline: z.object({ label: z.string(), accuracy: num, f1: num }),
  evalSeconds: num,
});

const EmbedderQualitySchema = z.object({
  family: z.literal('embedder'),
  testQueries: num,
  ...RatesSchema.shape,
  mrr: num,
  tfidf: z.object({ ...RatesSchema.shape, mrr: num }),
  chance: RatesSchema,
  evalSeconds: num,
});

export const QualitySchema = z.discriminatedUnion('family', [LmQualitySchema, ClassifierQualitySchema, EmbedderQualitySchema]);

const ThroughputSchema = z.object({ sequences: num, tokens: num, seconds: num, tokensPerSecond: num });

export const ModelResultSchema = z.object({
  /** Directory under models/, e.g. `lm-teacher`. */
  dir: z.string(),
  /** Served name, e.g. `moat-lm-teacher`. */
  name: z.string(),
  family: z.enum(['lm', 'classifier', 'embedder']),
  size: z.string(),
  parameters: num,
  weightsBytes: num,
  modelJsonBytes: num,
  dirBytes: num,
  /** Git state of the model directory when measured (retraining can change weights after a commit). */
  files: z.enum(['committed', 'modified', 'untracked', 'unknown']),
  quality: QualitySchema,
  /** LMs only: nextLogits + the sampler, no server. */
  generation: z.object({ single: ThroughputSchema, batch: ThroughputSchema }).nullable(),
  latency: LatencySchema,
  training: TrainingSchema.nullable(),
  samples: z.array(z.object({ prompt: z.string(), completion: z.string() })).nullable(),
});

export const ConcurrencySchema = z.object({
  /** Served names the burst's requests went to (round-robin when several). */
  models: z.array(z.string()),
  routes: z.array(z.string()),
  concurrency: num,
  ok: num,
  errors: num,
  /** HTTP status (or `network`) → count. */
  statuses: z.record(z.string(), num),
  /** Most sockets the server had open at once during the burst (counted on the server). */
  peakOpenConnections: num,
  wallMs: num,
  p50Ms: num,
  p99Ms: num,
});

export const StreamingSchema = z.object({
  model: z.string(),
  maxTokens: num,
  /** SSE chunks that carried completion text. */
  textChunks: num,
  completionChars: num,
  timeToFirstChunkMs: num,
  totalMs: num,
  error: z.string().nullable(),
});

export const EngineSummarySchema = z.object({
  source: z.string(),
  date: z.string().nullable(),
  matMulGflops: num.nullable(),
  trainingTokensPerSecond: z.object({ withFixes: num.nullable(), builtinGradient: num.nullable(), stockTfjsWasm: num.nullable() }),
  loadAverage1m: num.nullable(),
});

export const ModelsBenchResultsSchema = z.object({
  date: z.string(),
  command: z.string(),
  /** `git rev-parse --short HEAD` when measured. */
  commit: z.string().nullable(),
  benchSeconds: num,
  machine: z.object({ cpus: num, cpuModel: z.string(), loadAverage1mBefore: num, loadAverage1mAfter: num }),
  node: z.string(),
  tfjs: z.string(),
  settings: z.object({
    latencyRequestsLm: num,
    latencyRequestsOther: num,
    completionTokens: num,
    generationTokens: num,
    generationBatch: num,
    /** Single and batched runs take turns this many times; tokens/s is total tokens over total time. */
    generationRounds: num,
    concurrency: num,
    sampleTemperature: num,
    sampleSeed: num,
    sampleMaxTokens: num,
    samplePrompts: z.array(z.string()),
  }),
  totalModelsBytes: num,
  modelsBytesLimit: num,
  expectedModels: z.array(z.string()),
  missingModels: z.array(z.string()),
  models: z.array(ModelResultSchema),
  concurrency: z.array(ConcurrencySchema),
  streaming: z.array(StreamingSchema),
  /** From bench/results/ml-engine.json when present; null (and `engineHowTo` says how to produce it) otherwise. */
  engine: EngineSummarySchema.nullable(),
  engineHowTo: z.string(),
});

export type ModelsBenchResults = z.infer<typeof ModelsBenchResultsSchema>;
export type ModelResult = z.infer<typeof ModelResultSchema>;
export type Quality = z.infer<typeof QualitySchema>;
export type Latency = z.infer<typeof LatencySchema>;
export type Training = z.infer<typeof TrainingSchema>;
export type ConcurrencyResult = z.infer<typeof ConcurrencySchema>;
export type StreamingResult = z.infer<typeof StreamingSchema>;
export type EngineSummary = z.infer<typeof EngineSummarySchema>;
