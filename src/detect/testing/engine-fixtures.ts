/**
 * Test fixtures for the detection core: bus events, simple fake detectors with known behaviour, and an engine wired
 * to memory stores with a silent logger and its own metrics registry.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { DetectionConfig } from '../../config/detection-schema.ts';
import { parseConfig } from '../../config/load.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { MoatError } from '../../http/errors.ts';
import type { Stores } from '../../store/interfaces.ts';
import { openMemoryStores } from '../../store/memory/index.ts';
import { ActionExecutor, type LinkedCluster } from '../actions.ts';
import { ActiveActions } from '../active-actions.ts';
import type { RequestEvent } from '../bus.ts';
import { HashedNgramEmbedder } from '../embedding/hashed-embedder.ts';
import { DetectionEngine, type LinkerPort } from '../engine.ts';
import { DetectionMetrics } from '../metrics.ts';
import { DETECTOR_NAMES, type Detector, type DetectorName } from '../types.ts';

let seq = 0;

export function requestEvent(over: Partial<RequestEvent> & { accountId: string }): RequestEvent {
  seq++;
  return {
    requestId: `req_${seq}`,
    at: 1_700_000_000_000 + seq * 1000,
    keyId: 'key_x',
    clientIp: '198.51.100.7',
    subnet: '198.51.100.0/24',
    route: 'chat',
    model: 'test-chat',
    params: { n: null, logprobs: null, topLogprobs: null, logitBias: false, maxTokens: null, temperature: null, stream: false },
    promptText: `prompt ${seq}`,
    status: 200,
    decision: 'allow',
    tokensIn: 5,
    tokensOut: 7,
    responseBytes: 100,
    latencyMs: 3,
    ...over,
  };
}

/** Scores the share of the account's events that asked for logprobs together with logit_bias. */
/**
 * A fake whose score is the temperature of the account's last event, so a test dials each account's risk with its
 * requests. `name` only says which detector slot (and weight) it takes.
 */
export function dialFake(name: DetectorName = 'api-probing'): Detector<{ last: number }> {
  return {
    name,
    maxStateBytes: 8,
    create: () => ({ last: 0 }),
    observe: (s, e) => {
      s.last = e.params.temperature ?? 0;
    },
    score: (s) => ({ score: s.last, reasons: [`dialled to ${s.last}`], features: {} }),
    merge: (states) => ({ last: Math.max(...states.map((s) => s.last)) }),
  };
}

export function probingFake(name: DetectorName = 'api-probing'): Detector<{ total: number; probes: number }> {
  return {
    name,
    maxStateBytes: 16,
    create: () => ({ total: 0, probes: 0 }),
    observe(state, event) {
      state.total++;
      if (event.params.logitBias && event.params.logprobs) state.probes++;
    },
    score: (state) => {
      const share = state.total === 0 ? 0 : state.probes / state.total;
      return { score: share, reasons: share > 0 ? [`${state.probes} of ${state.total} requests probe logits`] : [], features: { share } };
    },
    merge: (states) => ({ total: states.reduce((s, x) => s + x.total, 0), probes: states.reduce((s, x) => s + x.probes, 0) }),
  };
}

/** A detector that throws on every call (or rejects events as malformed with `reject`). */
export function throwingFake(name: DetectorName, mode: 'throw' | 'reject' = 'throw'): Detector<object> {
  const fail = () => {
    if (mode === 'reject') throw new MoatError('invalid_request', 'detection event rejected: test');
    throw new Error(`${name} is broken`);
  };
  return { name, maxStateBytes: 0, create: () => ({}), observe: fail, score: () => fail(), merge: () => fail() };
}

/** A fake linker with a fixed set of clusters. */
export function fixedLinker(clusters: LinkedCluster[]): LinkerPort & { observed: number } {
  return {
    observed: 0,
    observe() {
      this.observed++;
    },
    clusters: () => clusters,
    clusterOf: (id) => clusters.find((c) => c.accounts.includes(id)) ?? null,
  };
}

export interface EngineFixture {
  engine: DetectionEngine;
  stores: Stores;
  actions: ActiveActions;
  executor: ActionExecutor;
  metrics: DetectionMetrics;
  registry: Registry;
  config: DetectionConfig;
}

export function engineFixture(options: {
  detectors: Detector<unknown>[];
  detection?: ConfigInput['detection'];
  linker?: LinkerPort;
  stores?: Stores;
  knownAccounts?: string[];
  /** Keep the configured default weights and thresholds instead of the fakes' unit scale. */
  defaultWeights?: boolean;
}): EngineFixture {
  // Fakes score on one clear scale: every weight 1 and round thresholds, unless a test says otherwise.
  const unitWeights = Object.fromEntries(DETECTOR_NAMES.map((name) => [name, { weight: 1 }]));
  const base = options.defaultWeights ? { shadow: false, minEventsForAction: 5 } : { shadow: false, minEventsForAction: 5, thresholds: { throttle: 0.5, degrade: 0.7, ban: 0.9 }, detectors: unitWeights };
  const config = parseConfig({ dataDir: '/nonexistent', detection: { ...base, ...options.detection } }, 'test').detection;
  const stores = options.stores ?? openMemoryStores();
  const registry = new Registry();
  const metrics = new DetectionMetrics(registry);
  const logger = pino({ level: 'silent' });
  const actions = new ActiveActions();
  const executor = new ActionExecutor({ config, stores, actions, metrics, logger, now: Date.now });
  const known = options.knownAccounts ? new Set(options.knownAccounts) : null;
  const engine = new DetectionEngine({
    config,
    detectors: options.detectors,
    embedder: new HashedNgramEmbedder({ dims: config.embedder.dims }),
    linker: options.linker ?? null,
    store: stores.detections,
    executor,
    metrics,
    logger,
    lookupAccount: known ? async (id) => (known.has(id) ? { createdAt: 0, name: id } : null) : undefined,
  });
  return { engine, stores, actions, executor, metrics, registry, config };
}

export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const match = metric?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return match?.value ?? 0;
}
