/**
 * The gateway-thread side of the detection worker. The bus listener only appends to a buffer that is posted to the
 * worker once per event-loop turn (the only per-request cost detection then has on this thread: one array push and a
 * structured clone per event). The worker's messages come back here, where the stores and the ActiveActions map live:
 * assessments are persisted and decisions applied by the ActionExecutor, in the order the worker sent them.
 */
import { Worker } from 'node:worker_threads';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { ActionExecutor } from '../actions.ts';
import type { RequestEvent } from '../bus.ts';
import type { DetectionMetrics } from '../metrics.ts';
import type { DetectionService, DetectionServiceOptions } from '../service.ts';
import { logStarted, lookupAccount } from '../service-support.ts';
import { type AccountSnapshot, accountView, type ClusterSnapshot, clusterViews } from '../views.ts';
import type { FromWorker, ToWorker, WorkerStartData } from './protocol.ts';

type HostOptions = DetectionServiceOptions & { executor: ActionExecutor; metrics: DetectionMetrics };

export async function startDetectionWorker(options: HostOptions): Promise<DetectionService> {
  const { config, stores, actions, executor, metrics, logger } = options;
  const data: WorkerStartData = { config, logLevel: logger.level };
  const worker = new Worker(new URL('./worker-entry.js', import.meta.url), { workerData: data });
  const ready = await waitReady(worker);
  worker.on('error', (err) => logger.error({ err }, 'the detection worker failed; detection stopped (requests are unaffected)'));
  let alive = true;
  const post = (message: ToWorker) => {
    if (alive) worker.postMessage(message);
  };
  for (const action of actions.all()) post({ type: 'level', accountId: action.accountId, level: action.level });

  let applied: Promise<unknown> = Promise.resolve();
  const inOrder = (work: () => Promise<unknown>, what: string) => {
    applied = applied.then(work).catch((err: unknown) => logger.error({ err }, what));
  };
  let seq = 0;
  const replies = new Map<number, (value: unknown) => void>();
  /** Resolves with the worker's reply, or with null once the worker is gone (views then show no live state). */
  const request = <T>(make: (seq: number) => ToWorker): Promise<T | null> =>
    new Promise<T | null>((resolve) => {
      if (!alive) return resolve(null);
      const n = ++seq;
      replies.set(n, resolve as (value: unknown) => void);
      post(make(n));
    });
  worker.once('exit', (code) => {
    alive = false;
    for (const resolve of replies.values()) resolve(null);
    replies.clear();
    if (code !== 0) logger.error({ code }, 'the detection worker exited; detection stopped (requests are unaffected)');
  });
  let shedHere = 0;

  worker.on('message', (message: FromWorker) => {
    switch (message.type) {
      case 'persist':
        inOrder(() => stores.detections.appendAssessments(message.items, config.historyPerSubject), 'could not persist detection assessments');
        return;
      case 'decision':
        inOrder(() => executor.apply(message.decision), 'detection action failed');
        return;
      case 'forget':
        executor.forgetShadow(message.accountId);
        return;
      case 'lookup':
        lookupAccount(stores, message.accountId)
          .catch((err: unknown) => {
            // A store hiccup should not blind detection: treat the account as known.
            logger.warn({ err, accountId: message.accountId }, 'account lookup for detection failed; scoring anyway');
            return { createdAt: 0, name: '' };
          })
          .then((account) => post({ type: 'lookup-result', seq: message.seq, account }));
        return;
      case 'reply':
        replies.get(message.seq)?.(message.value);
        replies.delete(message.seq);
        return;
      case 'metrics':
        bridgeMetrics(metrics, message.metrics, shedHere);
        return;
    }
  });

  // Events are handed over in batches: a full batch at once, otherwise after `lingerMs`, since every postMessage has a
  // fixed cost that per-tick hand-offs of a few events would pay thousands of times a second. If the worker's port
  // cannot keep up, the buffer is capped like the engine's queue and the excess counted as shed.
  let buffer: RequestEvent[] = [];
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (buffer.length === 0) return;
    post({ type: 'events', events: buffer });
    buffer = [];
  };
  const unsubscribe = options.bus.subscribe((event) => {
    if (buffer.length >= config.queueCapacity) {
      shedHere++;
      return;
    }
    buffer.push(event);
    if (buffer.length === config.batchSize) setImmediate(flush);
    else if (!timer) {
      timer = setTimeout(flush, config.lingerMs);
      timer.unref();
    }
  });
  logStarted(logger, config, ready.detectors, ready.perAccountBytes, actions.size, 'worker thread');

  const sources = { actions, store: stores.detections, shadow: config.shadow, shadowLevelOf: (id: string) => executor.shadowLevelOf(id) };
  const drain = async () => {
    flush();
    await request((n) => ({ type: 'drain', seq: n }));
    // The worker sent every decision before its reply, so they are all queued here by now.
    await applied;
  };
  return {
    engine: null,
    executor,
    actions,
    shadow: config.shadow,
    async accountView(accountId, historyLimit) {
      const snapshot = await request<AccountSnapshot>((n) => ({ type: 'view', seq: n, accountId }));
      return accountView(sources, snapshot ?? NO_LIVE_STATE, accountId, historyLimit);
    },
    clusterViews: async () => clusterViews((await request<ClusterSnapshot[]>((n) => ({ type: 'clusters', seq: n }))) ?? []),
    async clearAction(accountId, actor, reason) {
      await drain();
      const result = await executor.clear(accountId, actor, reason);
      post({ type: 'pardon', accountId });
      post({ type: 'level', accountId, level: null });
      return result;
    },
    drain,
    async close() {
      unsubscribe();
      flush();
      await request((n) => ({ type: 'close', seq: n }));
      await applied;
      await worker.terminate();
    },
  };
}

const NO_LIVE_STATE: AccountSnapshot = { known: false, events: 0, assessment: null, detectors: [], cluster: null, clusterAssessment: null };

function waitReady(worker: Worker): Promise<Extract<FromWorker, { type: 'ready' }>> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`the detection worker exited with code ${code} before it was ready`));
    const onMessage = (message: FromWorker) => {
      if (message.type !== 'ready' && message.type !== 'failed') return;
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      worker.off('error', reject);
      if (message.type === 'failed') reject(new Error(`the detection worker could not start: ${message.message}`));
      else resolve(message);
    };
    worker.on('message', onMessage);
    worker.once('exit', onExit);
    worker.once('error', reject);
  });
}

/**
 * The worker's own counters and gauges, copied into the gateway's registry, and its per-event time histogram mirrored
 * (decided actions are counted here already).
 */
function bridgeMetrics(metrics: DetectionMetrics, snapshot: MetricObjectWithValues<MetricValue<string>>[], shedHere: number): void {
  for (const m of snapshot) {
    if (m.name === 'moat_detection_events_total') {
      metrics.events.reset();
      for (const v of m.values) metrics.events.inc(v.labels as { outcome: string }, v.value + (v.labels.outcome === 'shed' ? shedHere : 0));
      if (shedHere > 0 && !m.values.some((v) => v.labels.outcome === 'shed')) metrics.events.inc({ outcome: 'shed' }, shedHere);
    } else if (m.name === 'moat_detection_rejected_total') {
      metrics.rejected.reset();
      for (const v of m.values) metrics.rejected.inc(v.labels as { reason: string }, v.value);
    } else if (m.name === 'moat_detection_detector_errors_total') {
      metrics.detectorErrors.reset();
      for (const v of m.values) metrics.detectorErrors.inc(v.labels as { detector: string; phase: string }, v.value);
    } else if (m.name === 'moat_detection_queue_depth') {
      metrics.queueDepth.set(m.values[0]?.value ?? 0);
    } else if (m.name === 'moat_detection_accounts') {
      metrics.accounts.set(m.values[0]?.value ?? 0);
    } else if (m.name === 'moat_detection_event_seconds') {
      metrics.eventSeconds.mirror(m.values);
    }
  }
}
