/**
 * The detection engine on its own thread: the same DetectionEngine, detectors, embedder and linker as in-thread
 * mode, with three ports pointed back at the gateway thread — assessments to persist, decisions to apply, accounts to
 * look up. The engine's own bounded queue sheds when the worker falls behind; metrics are posted every second.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { DetectionStore } from '../../store/detections.ts';
import type { ActionDecision, ActionSink } from '../actions.ts';
import { assembleDetectionEngine } from '../builtin-detectors.ts';
import { DetectionMetrics } from '../metrics.ts';
import { severity } from '../risk.ts';
import type { ActionLevel } from '../types.ts';
import { snapshotOf } from '../views.ts';
import type { FromWorker, ToWorker, WorkerStartData } from './protocol.ts';

const port = parentPort!;
const { config, logLevel } = workerData as WorkerStartData;
const post = (message: FromWorker) => port.postMessage(message);
const METRICS_EVERY_MS = 1000;

/** Mirrors the levels in force on the gateway thread (which stays authoritative) so escalation checks stay local. */
class ForwardingSink implements ActionSink {
  readonly levels = new Map<string, ActionLevel>();
  levelOf(accountId: string): ActionLevel {
    return this.levels.get(accountId) ?? 'observe';
  }
  async apply(decision: ActionDecision): Promise<boolean> {
    if (severity(decision.level) <= severity(this.levelOf(decision.accountId))) return false;
    this.levels.set(decision.accountId, decision.level);
    post({ type: 'decision', decision });
    return true;
  }
  forgetShadow(accountId: string): void {
    if (config.shadow) this.levels.delete(accountId);
    post({ type: 'forget', accountId });
  }
}

const forwardingStore: DetectionStore = {
  async appendAssessments(items) {
    post({ type: 'persist', items: [...items] });
  },
  history: async () => [],
  setAction: async () => {
    throw new Error('the detection worker does not write actions');
  },
  actions: async () => [],
  recordDecision: async () => {
    throw new Error('the detection worker does not write audit rows (decisions go to the gateway thread)');
  },
};

let lookupSeq = 0;
const lookups = new Map<number, (account: { createdAt: number; name: string } | null) => void>();

async function main(): Promise<void> {
  const registry = new Registry();
  const metrics = new DetectionMetrics(registry);
  const sink = new ForwardingSink();
  const engine = await assembleDetectionEngine(config, {
    store: forwardingStore,
    executor: sink,
    metrics,
    // Detector faults and rejected events are logged here (to stdout, like the gateway's own pino logger).
    logger: pino({ level: logLevel, base: { thread: 'detection' } }),
    lookupAccount: (accountId) =>
      new Promise((resolve) => {
        const seq = ++lookupSeq;
        lookups.set(seq, resolve);
        post({ type: 'lookup', seq, accountId });
      }),
  });
  const timer = setInterval(() => void registry.getMetricsAsJSON().then((m) => post({ type: 'metrics', metrics: m })), METRICS_EVERY_MS);
  timer.unref();

  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'events':
        for (const event of message.events) engine.enqueue(event);
        return;
      case 'lookup-result':
        lookups.get(message.seq)?.(message.account);
        lookups.delete(message.seq);
        return;
      case 'level':
        if (message.level === null) sink.levels.delete(message.accountId);
        else sink.levels.set(message.accountId, message.level);
        return;
      case 'pardon':
        engine.pardon(message.accountId);
        return;
      case 'view':
        post({ type: 'reply', seq: message.seq, value: snapshotOf(engine, message.accountId) });
        return;
      case 'clusters':
        post({ type: 'reply', seq: message.seq, value: engine.clusters() });
        return;
      case 'drain':
        void engine.drain().then(async () => {
          post({ type: 'metrics', metrics: await registry.getMetricsAsJSON() });
          post({ type: 'reply', seq: message.seq, value: null });
        });
        return;
      case 'close':
        clearInterval(timer);
        void engine.close().then(async () => {
          post({ type: 'metrics', metrics: await registry.getMetricsAsJSON() });
          post({ type: 'reply', seq: message.seq, value: null });
        });
        return;
    }
  });
  post({ type: 'ready', detectors: engine.detectorNames(), perAccountBytes: engine.maxStateBytesPerAccount() });
}

main().catch((err: unknown) => post({ type: 'failed', message: err instanceof Error ? err.message : String(err) }));
