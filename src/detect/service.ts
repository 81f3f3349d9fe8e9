/**
 * Detection as one running service: builds the detectors, embedder, linker, executor and engine from config,
 * reloads persisted actions into `ActiveActions` (unless in shadow mode, which must change nothing), subscribes to the
 * gateway's bus, and answers the admin API's questions (an account's scores, the clusters) and its one command
 * (clear an account's action).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DetectionConfig } from '../config/detection-schema.ts';
import type { Stores } from '../store/interfaces.ts';
import { ActionExecutor } from './actions.ts';
import type { ActiveActions } from './active-actions.ts';
import { assembleDetectionEngine } from './builtin-detectors.ts';
import type { DetectionBus } from './bus.ts';
import type { DetectionEngine } from './engine.ts';
import { DetectionMetrics } from './metrics.ts';
import { logStarted, lookupAccount } from './service-support.ts';
import type { ActionLevel, Detector } from './types.ts';
import { type AccountDetectionView, accountView, type ClusterView, clusterViews, snapshotOf } from './views.ts';
import { startDetectionWorker } from './worker/host.ts';

export interface DetectionServiceOptions {
  config: DetectionConfig;
  stores: Stores;
  bus: DetectionBus;
  actions: ActiveActions;
  /** Where the detection metrics go (the gateway's registry, so /metrics shows them). */
  registry: Registry;
  logger: Logger;
  /** Replaces the built-in detectors (tests, experiments). */
  detectors?: Detector<unknown>[];
  now?: () => number;
}

export interface DetectionService {
  /** The engine when it runs on this thread; null when it runs in the detection worker. */
  readonly engine: DetectionEngine | null;
  readonly executor: ActionExecutor;
  readonly actions: ActiveActions;
  readonly shadow: boolean;
  accountView(accountId: string, historyLimit: number): Promise<AccountDetectionView>;
  clusterViews(): Promise<ClusterView[]>;
  /** Reverses detection's action on the account and forgets its evidence; `previous` null when nothing was in force. */
  clearAction(accountId: string, actor: string, reason: string | null): Promise<{ previous: ActionLevel | null; unbanned: number }>;
  /** Resolves once every event received so far is scored and its actions applied (tests, evaluation). */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts detection: on its own worker thread (`detection.worker`, the default: scoring then costs the gateway's
 * thread only the event hand-off) or, with `detection.worker: false` or custom `detectors` (functions cannot cross
 * threads), on the gateway's thread.
 */
export async function startDetection(options: DetectionServiceOptions): Promise<DetectionService> {
  const { config, stores, actions, logger } = options;
  const now = options.now ?? Date.now;
  const metrics = new DetectionMetrics(options.registry);
  const executor = new ActionExecutor({ config, stores, actions, metrics, logger, now });
  if (!config.shadow) for (const action of await stores.detections.actions()) actions.set(action);
  if (config.worker && !options.detectors) return startDetectionWorker({ ...options, executor, metrics });
  const engine = await assembleDetectionEngine(
    config,
    { store: stores.detections, executor, metrics, logger, lookupAccount: (id) => lookupAccount(stores, id), now },
    options.detectors,
  );
  engine.start(options.bus);
  logStarted(logger, config, engine.detectorNames(), engine.maxStateBytesPerAccount(), actions.size, 'gateway thread');
  const sources = { actions, store: stores.detections, shadow: config.shadow, shadowLevelOf: (id: string) => executor.shadowLevelOf(id) };
  return {
    engine,
    executor,
    actions,
    shadow: config.shadow,
    accountView: (accountId, historyLimit) => accountView(sources, snapshotOf(engine, accountId), accountId, historyLimit),
    clusterViews: async () => clusterViews(engine.clusters()),
    async clearAction(accountId, actor, reason) {
      const result = await executor.clear(accountId, actor, reason);
      engine.pardon(accountId);
      return result;
    },
    drain: () => engine.drain(),
    close: () => engine.close(),
  };
}
