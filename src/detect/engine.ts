/**
 * The detection engine: subscribes to the gateway's bus, queues events (bounded; a full queue sheds, never blocks),
 * and a worker scores them off the request path in batches, one batch per turn of the event loop (setImmediate), so
 * requests interleave with scoring. Per batch: check events (malformed or unknown account → rejected with a logged
 * reason), embed prompts, fold each event into every detector's state for its account (a throwing detector is
 * isolated and counted), score each touched account once, score touched linked clusters from merged member states,
 * map risk to a level, persist meaningful changes, and hand escalations to the ActionExecutor.
 */
import type { Logger } from 'pino';
import type { DetectionConfig } from '../config/detection-schema.ts';
import type { DetectionStore } from '../store/detections.ts';
import { type AccountEntry, AccountTable } from './account-table.ts';
import type { ActionDecision, ActionSink, LinkedCluster } from './actions.ts';
import type { DetectionBus, RequestEvent } from './bus.ts';
import type { PromptEmbedder } from './embedding/embedder.ts';
import { invalidReason } from './event-validation.ts';
import { campaignScore } from './linking/campaign.ts';
import type { DetectionMetrics } from './metrics.ts';
import { PromptPopularity } from './popularity.ts';
import { BoundedQueue } from './queue.ts';
import { combineRisk, levelFor, maxLevel, severity } from './risk.ts';
import { ScoringRunner } from './scoring.ts';
import type { ActionLevel, DetectionEvent, Detector, RiskAssessment } from './types.ts';

/** What the engine needs from the linker (src/detect/linking): fed every event, asked for clusters. */
export interface LinkerPort {
  observe(event: DetectionEvent): void;
  clusters(): LinkedCluster[];
  clusterOf(accountId: string): LinkedCluster | null;
  noteAccount?(accountId: string, meta: { createdAt: number; name?: string }): void;
}

export interface DetectionEngineDeps {
  config: DetectionConfig;
  detectors: readonly Detector<unknown>[];
  embedder: PromptEmbedder | null;
  linker: LinkerPort | null;
  store: DetectionStore;
  executor: ActionSink;
  metrics: DetectionMetrics;
  logger: Logger;
  /** Looks an account up the first time it is seen; null = unknown account (its events are rejected). */
  lookupAccount?: (accountId: string) => Promise<{ createdAt: number; name: string } | null>;
  now?: () => number;
}

interface ClusterEntry {
  cluster: LinkedCluster;
  assessment: RiskAssessment;
  persisted: RiskAssessment | null;
  scoredAt: number;
}

/** Persist an assessment when its risk moved at least this much, its level changed, or this long passed. */
const PERSIST_RISK_DELTA = 0.05;
const PERSIST_EVERY_MS = 60_000;
/** An account entry besides detector states: ids, counters, the last scores and assessment (reasons included). */
const ENTRY_OVERHEAD_BYTES = 4096;

export class DetectionEngine {
  readonly #d: DetectionEngineDeps;
  readonly #queue: BoundedQueue<RequestEvent>;
  readonly #accounts: AccountTable;
  readonly #clusters = new Map<string, ClusterEntry>();
  readonly #runner: ScoringRunner;
  readonly #unknown = new Set<string>();
  readonly #popularity = new PromptPopularity();
  readonly #lastWarned = new Map<string, number>();
  #scheduled = false;
  #linger: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #unsubscribe: (() => void) | null = null;
  #closed = false;

  constructor(deps: DetectionEngineDeps) {
    this.#d = deps;
    this.#queue = new BoundedQueue(deps.config.queueCapacity);
    this.#accounts = new AccountTable(deps.config.maxAccounts, deps.config.idleEvictSeconds * 1000);
    this.#runner = new ScoringRunner(deps.detectors, deps.config.detectors, deps.metrics, deps.logger);
  }

  /** Subscribes to the bus; the listener only enqueues. */
  start(bus: DetectionBus): void {
    this.#unsubscribe = bus.subscribe((event) => this.enqueue(event));
  }

  /** O(1), never blocks: false when the queue was full and the event was shed. */
  enqueue(event: RequestEvent): boolean {
    if (this.#closed) return false;
    if (!this.#queue.push(event)) {
      this.#d.metrics.events.inc({ outcome: 'shed' });
      return false;
    }
    this.#d.metrics.events.inc({ outcome: 'queued' });
    this.#d.metrics.queueDepth.set(this.#queue.size);
    this.#schedule();
    return true;
  }

  /** Resolves once every queued event is scored and its actions applied (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.#running || this.#queue.size > 0) {
      if (this.#running) await this.#running;
      else await this.#runBatch();
    }
  }

  async close(): Promise<void> {
    this.#unsubscribe?.();
    await this.drain();
    this.#closed = true;
  }

  get queueSize(): number {
    return this.#queue.size;
  }

  account(accountId: string): AccountEntry | undefined {
    return this.#accounts.get(accountId);
  }

  cluster(clusterId: string): ClusterEntry | undefined {
    return this.#clusters.get(clusterId);
  }

  clusterOf(accountId: string): LinkedCluster | null {
    return this.#d.linker?.clusterOf(accountId) ?? null;
  }

  clusters(): { cluster: LinkedCluster; assessment: RiskAssessment | null }[] {
    return (this.#d.linker?.clusters() ?? []).map((cluster) => ({ cluster, assessment: this.#clusters.get(cluster.id)?.assessment ?? null }));
  }

  detectorNames(): string[] {
    return this.#runner.detectors.map((d) => d.name);
  }

  /** The documented ceiling of one account's state: every running detector's `maxStateBytes` plus the entry itself. */
  maxStateBytesPerAccount(): number {
    return this.#runner.detectors.reduce((sum, d) => sum + d.maxStateBytes, 0) + ENTRY_OVERHEAD_BYTES;
  }

  /** After an admin cleared the account: forget its evidence, and keep cluster actions off it for a day. */
  pardon(accountId: string): void {
    const now = (this.#d.now ?? Date.now)();
    const entry = this.#accounts.get(accountId);
    if (!entry) return;
    entry.states = this.#runner.freshStates();
    entry.failing.fill(false);
    entry.events = 0;
    entry.assessment = null;
    entry.pardonedUntil = now + 24 * 3_600_000;
  }

  /**
   * Runs the next batch on the next loop turn when a full batch is waiting, otherwise after `lingerMs`: under a
   * trickle of events this gathers several of an account's events into one batch, so the account is scored once for
   * them instead of once each.
   */
  #schedule(): void {
    if (this.#running) return;
    const full = this.#queue.size >= this.#d.config.batchSize || this.#d.config.lingerMs === 0;
    if (this.#scheduled && !(full && this.#linger)) return;
    if (this.#linger) clearTimeout(this.#linger);
    this.#linger = null;
    this.#scheduled = true;
    const run = () => {
      this.#scheduled = false;
      this.#linger = null;
      if (!this.#running) void this.#runBatch();
    };
    if (full) setImmediate(run);
    else {
      this.#linger = setTimeout(run, this.#d.config.lingerMs);
      this.#linger.unref();
    }
  }

  #runBatch(): Promise<void> {
    const run = this.#processBatch()
      .catch((err: unknown) => this.#d.logger.error({ err }, 'detection batch failed'))
      .finally(() => {
        this.#running = null;
        if (this.#queue.size > 0 && !this.#closed) this.#schedule();
      });
    this.#running = run;
    return run;
  }

  async #processBatch(): Promise<void> {
    const { metrics, config } = this.#d;
    const batch = this.#queue.take(config.batchSize);
    metrics.queueDepth.set(this.#queue.size);
    if (batch.length === 0) return;
    const accepted = await this.#accept(batch);
    const started = performance.now();
    const embeddings = await this.#embed(accepted);
    const touched = new Map<string, AccountEntry>();
    let latest = 0;
    for (let i = 0; i < accepted.length; i++) {
      const raw = accepted[i];
      const accountId = raw.accountId as string;
      const sharedBy = this.#popularity.observe(accountId, raw.promptText);
      const event = detectionEvent(raw, embeddings[i], sharedBy);
      const { entry, evicted } = this.#accounts.touch(accountId, event.at, () => this.#newEntry(accountId));
      for (const id of evicted) this.#forget(id);
      this.#runner.observe(entry, event);
      entry.events++;
      touched.set(accountId, entry);
      latest = Math.max(latest, event.at);
      try {
        this.#d.linker?.observe(event);
      } catch (err) {
        metrics.detectorErrors.inc({ detector: 'linker', phase: 'observe' });
        this.#d.logger.error({ err }, 'linker threw on an event; linking skipped it');
      }
    }
    const decisions: ActionDecision[] = [];
    const toPersist: RiskAssessment[] = [];
    for (const entry of touched.values()) this.#scoreAccount(entry, decisions, toPersist);
    this.#scoreClusters(touched, latest, decisions, toPersist);
    for (const id of this.#accounts.evictIdle(latest)) this.#forget(id);
    metrics.accounts.set(this.#accounts.size);
    if (accepted.length > 0) {
      const perEvent = (performance.now() - started) / 1000 / accepted.length;
      for (let i = 0; i < accepted.length; i++) metrics.eventSeconds.observe(perEvent);
      metrics.events.inc({ outcome: 'scored' }, accepted.length);
    }
    await this.#persist(toPersist);
    for (const decision of decisions) {
      try {
        await this.#d.executor.apply(decision);
      } catch (err) {
        this.#d.logger.error({ err, accountId: decision.accountId, level: decision.level }, 'detection action failed');
      }
    }
  }

  /** Drops malformed events and events of unknown accounts, each with a counted, logged reason. */
  async #accept(batch: RequestEvent[]): Promise<RequestEvent[]> {
    const accepted: RequestEvent[] = [];
    for (const event of batch) {
      let reason = invalidReason(event);
      if (reason === null && !this.#accounts.get(event.accountId as string) && !(await this.#known(event.accountId as string))) reason = 'unknown account';
      if (reason === null) accepted.push(event);
      else this.#reject(event, reason);
    }
    return accepted;
  }

  async #known(accountId: string): Promise<boolean> {
    const lookup = this.#d.lookupAccount;
    if (!lookup) return true;
    if (this.#unknown.has(accountId)) return false;
    try {
      const account = await lookup(accountId);
      if (account) {
        this.#d.linker?.noteAccount?.(accountId, account);
        return true;
      }
    } catch (err) {
      // A store hiccup should not blind detection: score the event, the account will be looked up again if evicted.
      this.#d.logger.warn({ err, accountId }, 'account lookup for detection failed; scoring anyway');
      return true;
    }
    if (this.#unknown.size > 10_000) this.#unknown.clear();
    this.#unknown.add(accountId);
    return false;
  }

  #reject(event: RequestEvent, reason: string): void {
    this.#d.metrics.events.inc({ outcome: 'rejected' });
    this.#d.metrics.rejected.inc({ reason });
    // Every rejection is logged at debug; the first of each reason in a minute also at warn, so it is seen at the
    // default level without one broken client flooding the log.
    const now = Date.now();
    const loud = now - (this.#lastWarned.get(reason) ?? 0) >= 60_000;
    if (loud) this.#lastWarned.set(reason, now);
    this.#d.logger[loud ? 'warn' : 'debug']({ requestId: event?.requestId, accountId: event?.accountId, reason }, 'detection event rejected');
  }

  async #embed(events: RequestEvent[]): Promise<(Float32Array | null)[]> {
    const { embedder } = this.#d;
    if (!embedder || events.length === 0) return events.map(() => null);
    try {
      return await embedder.embed(events.map((e) => e.promptText));
    } catch (err) {
      this.#d.metrics.detectorErrors.inc({ detector: 'embedder', phase: 'embed' });
      this.#d.logger.error({ err }, 'prompt embedder failed; scoring this batch without embeddings');
      return events.map(() => null);
    }
  }

  #newEntry(id: string): AccountEntry {
    return { id, states: this.#runner.freshStates(), failing: this.#runner.detectors.map(() => false), events: 0, lastAt: 0, scores: [], assessment: null, persisted: null, pardonedUntil: 0 };
  }

  #forget(accountId: string): void {
    this.#d.executor.forgetShadow(accountId);
  }

  #scoreAccount(entry: AccountEntry, decisions: ActionDecision[], toPersist: RiskAssessment[]): void {
    const scored = this.#runner.score(entry.states, entry.failing, entry.lastAt);
    entry.scores = scored.map((s) => s.result);
    const { risk, contributions, reasons } = combineRisk(scored);
    const level: ActionLevel = entry.events >= this.#d.config.minEventsForAction ? levelFor(risk, this.#d.config.thresholds) : 'observe';
    entry.assessment = { subject: `account:${entry.id}`, at: entry.lastAt, risk, contributions, reasons, level };
    if (shouldPersist(entry.assessment, entry.persisted)) {
      toPersist.push(entry.assessment);
      entry.persisted = entry.assessment;
    }
    if (level === 'observe') return;
    const cluster = level === 'ban' && this.#d.config.actions.banCluster ? this.clusterOf(entry.id) : null;
    decisions.push({ accountId: entry.id, level, risk, reasons, cluster });
    // Banning an account bans its linked cluster: the members are the same actor, by the linking evidence.
    if (cluster) this.#clusterDecisions(cluster, 'ban', risk, [`linked to banned account ${entry.id}`, ...reasons], decisions, entry.id);
  }

  #scoreClusters(touched: Map<string, AccountEntry>, now: number, decisions: ActionDecision[], toPersist: RiskAssessment[]): void {
    if (!this.#d.linker) return;
    const seen = new Set<string>();
    for (const accountId of touched.keys()) {
      const cluster = this.#d.linker.clusterOf(accountId);
      if (!cluster || cluster.accounts.length < 2 || seen.has(cluster.id)) continue;
      seen.add(cluster.id);
      const previous = this.#clusters.get(cluster.id);
      if (previous && now - previous.scoredAt < this.#d.config.clusterRescoreMs) continue;
      const members = cluster.accounts.map((id) => this.#accounts.get(id)).filter((e): e is AccountEntry => e !== undefined);
      if (members.length < 2) continue;
      const scored = this.#runner.scoreMerged(members.map((m) => m.states), now);
      const events = members.reduce((sum, m) => sum + m.events, 0);
      const coverage = scored.find((s) => s.detector === 'coverage')?.result.features;
      scored.push({ detector: 'campaign', weight: this.#d.config.linking.campaignWeight, result: campaignScore(cluster, events, coverage) });
      const { risk, contributions, reasons } = combineRisk(scored);
      let level: ActionLevel = events >= this.#d.config.minEventsForAction ? levelFor(risk, this.#d.config.thresholds) : 'observe';
      if (level === 'ban' && !this.#d.config.actions.banCluster) level = 'degrade';
      const assessment: RiskAssessment = { subject: `cluster:${cluster.id}`, at: now, risk, contributions, reasons: [...reasons, ...cluster.evidence.slice(0, 3).map((e) => `linked: ${e}`)], level };
      const entry: ClusterEntry = { cluster, assessment, persisted: previous?.persisted ?? null, scoredAt: now };
      if (shouldPersist(assessment, entry.persisted)) {
        toPersist.push(assessment);
        entry.persisted = assessment;
      }
      this.#clusters.set(cluster.id, entry);
      if (this.#clusters.size > this.#d.config.maxAccounts) this.#clusters.delete(this.#clusters.keys().next().value as string);
      if (level !== 'observe') this.#clusterDecisions(cluster, level, risk, assessment.reasons, decisions, null);
    }
  }

  #clusterDecisions(cluster: LinkedCluster, level: Exclude<ActionLevel, 'observe'>, risk: number, reasons: string[], decisions: ActionDecision[], except: string | null): void {
    const now = (this.#d.now ?? Date.now)();
    for (const member of cluster.accounts) {
      if (member === except) continue;
      const entry = this.#accounts.get(member);
      if (entry && entry.pardonedUntil > now) continue;
      if (severity(maxLevel(level, this.#d.executor.levelOf(member))) === severity(this.#d.executor.levelOf(member))) continue;
      decisions.push({ accountId: member, level, risk, reasons, cluster });
    }
  }

  async #persist(items: RiskAssessment[]): Promise<void> {
    if (items.length === 0) return;
    try {
      await this.#d.store.appendAssessments(items, this.#d.config.historyPerSubject);
    } catch (err) {
      this.#d.logger.error({ err, count: items.length }, 'could not persist detection assessments');
    }
  }
}

/**
 * The enriched copy of a bus event. Every field is written out (not `{ ...raw }`): a spread copy cost ~2 µs per
 * event, and the mapped type makes the compiler insist on every field, optional ones included, if one is added.
 */
function detectionEvent(raw: RequestEvent, embedding: Float32Array | null, sharedBy: number): DetectionEvent {
  const event: { [K in keyof Required<DetectionEvent>]: DetectionEvent[K] } = {
    requestId: raw.requestId,
    at: raw.at,
    accountId: raw.accountId,
    keyId: raw.keyId,
    clientIp: raw.clientIp,
    subnet: raw.subnet,
    route: raw.route,
    model: raw.model,
    params: raw.params,
    promptText: raw.promptText,
    assistantTurns: raw.assistantTurns,
    status: raw.status,
    decision: raw.decision,
    tokensIn: raw.tokensIn,
    tokensOut: raw.tokensOut,
    responseBytes: raw.responseBytes,
    latencyMs: raw.latencyMs,
    embedding,
    followUp: (raw.assistantTurns ?? 0) > 0,
    sharedBy,
  };
  return event;
}

function shouldPersist(next: RiskAssessment, last: RiskAssessment | null): boolean {
  if (!last) return next.risk > 0 || next.level !== 'observe';
  return next.level !== last.level || Math.abs(next.risk - last.risk) >= PERSIST_RISK_DELTA || next.at - last.at >= PERSIST_EVERY_MS;
}
