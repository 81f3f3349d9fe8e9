/**
 * Per-event cost of the detection engine, in-process: seeded mixed traffic (chat users, templated harvesters with
 * logit probing) fed in batches, each batch timed from enqueue to drained (checks, embedding, every detector, linking,
 * risk, persistence to the memory store, shadow decisions). Baselines in the same run: the engine with no detectors
 * and no linker (queue, embedding and bookkeeping only), and each built-in detector alone.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseConfig } from '../../src/config/load.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { ActionExecutor } from '../../src/detect/actions.ts';
import { ActiveActions } from '../../src/detect/active-actions.ts';
import { createBuiltinDetectors } from '../../src/detect/builtin-detectors.ts';
import type { RequestEvent } from '../../src/detect/bus.ts';
import { createRng, humanPrompt, randomWords } from '../../src/detect/detectors/testing/traffic.ts';
import { HashedNgramEmbedder } from '../../src/detect/embedding/hashed-embedder.ts';
import { DetectionEngine } from '../../src/detect/engine.ts';
import { ActorLinker } from '../../src/detect/linking/index.ts';
import { DetectionMetrics } from '../../src/detect/metrics.ts';
import type { Detector } from '../../src/detect/types.ts';
import { openMemoryStores } from '../../src/store/memory/index.ts';

export interface EngineCost {
  variant: string;
  events: number;
  /**
   * Per-event cost (µs) from per-batch CPU time of this process (user + system; robust to the other processes
   * sharing this box, unlike wall time): median, p90, p99 over batches, and the mean.
   */
  medianUs: number;
  p90Us: number;
  p99Us: number;
  meanUs: number;
  /** The same from wall-clock time (inflated when the box is loaded). */
  wallMedianUs: number;
  /**
   * Median of the variant's first pass in this process (JIT still compiling — V8's compiler threads count in the
   * process CPU time — and the variant's code cold); the other fields are from a second pass over the same traffic
   * with fresh detectors and engine, the steady state of a running service. Absent when measured once.
   */
  firstPassMedianUs?: number;
  firstPassP99Us?: number;
}

const BATCH = 256;

/** `ratePerSecond` spaces the events in event time: 1,000/s over 200 accounts is 5 requests/s per account. */
export function mixedTraffic(events: number, accounts: number, ratePerSecond: number, seed = 7): RequestEvent[] {
  const rng = createRng(seed);
  const out: RequestEvent[] = [];
  const t0 = Date.UTC(2026, 0, 5, 9);
  for (let i = 0; i < events; i++) {
    const a = rng.int(accounts);
    const attacker = a % 4 === 0;
    out.push({
      requestId: `req_${i}`,
      at: t0 + Math.round((i * 1000) / ratePerSecond),
      accountId: `acct_${a}`,
      keyId: `key_${a}`,
      clientIp: `10.${a % 16}.${a % 251}.${(a * 7) % 251}`,
      subnet: `10.${a % 16}.${a % 251}.0/24`,
      route: 'chat',
      model: 'bench',
      params: attacker
        ? { n: 4, logprobs: true, topLogprobs: 5, logitBias: rng.next() < 0.5, maxTokens: 1, temperature: 1.2, stream: false }
        : { n: null, logprobs: null, topLogprobs: null, logitBias: false, maxTokens: 256, temperature: 0.7, stream: false },
      promptText: attacker ? `Classify the sentiment of this review, answer with one word: ${randomWords(rng, 10)}` : humanPrompt(rng),
      assistantTurns: attacker ? 0 : rng.int(3),
      status: 200,
      decision: 'allow',
      tokensIn: 40,
      tokensOut: 60,
      responseBytes: 600,
      latencyMs: 20,
    });
  }
  return out;
}

export async function measureEngine(
  variant: string,
  detectors: Detector<unknown>[],
  withLinker: boolean,
  traffic: RequestEvent[],
  overrides: ConfigInput['detection'] = {},
): Promise<EngineCost> {
  const config = parseConfig({ dataDir: '/nonexistent', detection: { shadow: true, batchSize: BATCH, queueCapacity: BATCH * 2, ...overrides } }, 'bench').detection;
  const stores = openMemoryStores();
  const metrics = new DetectionMetrics(new Registry());
  const logger = pino({ level: 'silent' });
  const executor = new ActionExecutor({ config, stores, actions: new ActiveActions(), metrics, logger, now: Date.now });
  const engine = new DetectionEngine({
    config,
    detectors,
    embedder: new HashedNgramEmbedder({ dims: config.embedder.dims, seed: config.embedder.seed }),
    linker: withLinker ? new ActorLinker({ maxAccounts: config.maxAccounts }) : null,
    store: stores.detections,
    executor,
    metrics,
    logger,
  });
  const perEvent: number[] = [];
  const wallPerEvent: number[] = [];
  // Warm-up pass over the first batches is discarded (JIT, state allocation).
  const warm = Math.min(traffic.length, BATCH * 8);
  for (let i = 0; i < traffic.length; i += BATCH) {
    const slice = traffic.slice(i, i + BATCH);
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (const e of slice) engine.enqueue(e);
    await engine.drain();
    const used = process.cpuUsage(cpu);
    if (i >= warm) {
      perEvent.push((used.user + used.system) / slice.length);
      wallPerEvent.push(((performance.now() - started) * 1000) / slice.length);
    }
  }
  await engine.close();
  perEvent.sort((a, b) => a - b);
  wallPerEvent.sort((a, b) => a - b);
  const at = (q: number) => perEvent[Math.min(perEvent.length - 1, Math.floor(q * perEvent.length))];
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    variant,
    events: traffic.length - warm,
    medianUs: round(at(0.5)),
    p90Us: round(at(0.9)),
    p99Us: round(at(0.99)),
    meanUs: round(perEvent.reduce((s, x) => s + x, 0) / perEvent.length),
    wallMedianUs: round(wallPerEvent[Math.floor(wallPerEvent.length / 2)]),
  };
}

/**
 * Each variant runs twice over the same traffic, each time with fresh detectors and a fresh engine: the first pass
 * warms the JIT (reported as firstPass*), the second is the measurement.
 */
export async function engineCosts(events: number, accounts: number, ratePerSecond: number): Promise<EngineCost[]> {
  const traffic = mixedTraffic(events, accounts, ratePerSecond);
  const embedder = new HashedNgramEmbedder();
  const twice = async (variant: string, detectors: () => Promise<Detector<unknown>[]>, withLinker: boolean): Promise<EngineCost> => {
    const first = await measureEngine(variant, await detectors(), withLinker, traffic);
    const second = await measureEngine(variant, await detectors(), withLinker, traffic);
    return { ...second, firstPassMedianUs: first.medianUs, firstPassP99Us: first.p99Us };
  };
  const all = () => createBuiltinDetectors(embedder);
  const results: EngineCost[] = [];
  results.push(await twice('baseline: no detectors, no linker', async () => [], false));
  results.push(await twice('all detectors + linker', all, true));
  results.push(await twice('all detectors, no linker', all, false));
  for (const detector of await all()) results.push(await twice(`only ${detector.name}`, async () => (await all()).filter((d) => d.name === detector.name), false));
  results.push(await twice('linker only', async () => [], true));
  return results;
}
