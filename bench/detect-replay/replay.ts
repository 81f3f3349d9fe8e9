/**
 * Feeds a recorded event stream through the real detection engine (gateway-thread mode: built-in detectors, hashed
 * embedder, the linker) with given detection options, and tracks what it decided for every account and cluster:
 * peak risk with each detector's contribution and features at the peak, the highest level reached and whether an
 * account's own risk or its cluster drove it, and each cluster's members and peak. There is no feedback — a banned
 * attacker's later events are still fed, as if it had not stopped — which is what a false-positive study needs.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { DetectionConfig } from '../../src/config/detection-schema.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import type { ActionDecision, ActionSink } from '../../src/detect/actions.ts';
import { assembleDetectionEngine } from '../../src/detect/builtin-detectors.ts';
import type { RequestEvent } from '../../src/detect/bus.ts';
import { EVAL_DETECTION } from '../../src/detect/eval/run-eval.ts';
import { DetectionMetrics } from '../../src/detect/metrics.ts';
import { maxLevel, severity } from '../../src/detect/risk.ts';
import type { ActionLevel, DetectorScore, RiskAssessment } from '../../src/detect/types.ts';
import { openMemoryStores } from '../../src/store/memory/index.ts';

export interface AccountTrace {
  events: number;
  served: number;
  peakRisk: number;
  peakContributions: RiskAssessment['contributions'];
  peakScores: DetectorScore[];
  peakReasons: string[];
  /** The highest level decided, by the account's own risk or by its cluster. */
  level: ActionLevel;
  ownLevel: ActionLevel;
  clusterLevel: ActionLevel;
  /** Served events of the account before its first action and before its ban (null: never). */
  servedBeforeAction: number | null;
  servedBeforeBan: number | null;
  firstActionReasons: string[];
}

export interface ClusterTrace {
  id: string;
  accounts: string[];
  evidence: string[];
  peakRisk: number;
  peakContributions: RiskAssessment['contributions'];
  peakReasons: string[];
  level: ActionLevel;
}

export interface ReplayResult {
  accounts: Map<string, AccountTrace>;
  clusters: Map<string, ClusterTrace>;
  config: DetectionConfig;
  cpuSeconds: number;
}

/** Records decisions instead of applying them; levels only escalate, as the executor's do. */
class RecordingSink implements ActionSink {
  readonly levels = new Map<string, ActionLevel>();
  constructor(private readonly onDecision: (decision: ActionDecision) => void) {}
  levelOf(accountId: string): ActionLevel {
    return this.levels.get(accountId) ?? 'observe';
  }
  async apply(decision: ActionDecision): Promise<boolean> {
    const before = this.levelOf(decision.accountId);
    if (severity(maxLevel(before, decision.level)) === severity(before)) return false;
    this.levels.set(decision.accountId, decision.level);
    this.onDecision(decision);
    return true;
  }
  forgetShadow(): void {}
}

const freshTrace = (): AccountTrace => ({
  events: 0,
  served: 0,
  peakRisk: 0,
  peakContributions: [],
  peakScores: [],
  peakReasons: [],
  level: 'observe',
  ownLevel: 'observe',
  clusterLevel: 'observe',
  servedBeforeAction: null,
  servedBeforeBan: null,
  firstActionReasons: [],
});

export async function replay(events: readonly RequestEvent[], detection: ConfigInput['detection'] = {}): Promise<ReplayResult> {
  const merged = { ...EVAL_DETECTION, ...detection, worker: false, shadow: true, linking: { ...EVAL_DETECTION.linking, ...detection?.linking } };
  const config = parseConfig({ detection: merged }).detection;
  const accounts = new Map<string, AccountTrace>();
  const clusters = new Map<string, ClusterTrace>();
  const trace = (id: string) => {
    const known = accounts.get(id);
    if (known) return known;
    const t = freshTrace();
    accounts.set(id, t);
    return t;
  };
  const sink = new RecordingSink((decision) => {
    const t = trace(decision.accountId);
    const byCluster = decision.cluster !== null && decision.reasons.some((r) => r.startsWith('linked'));
    if (byCluster) t.clusterLevel = maxLevel(t.clusterLevel, decision.level);
    else t.ownLevel = maxLevel(t.ownLevel, decision.level);
    if (t.servedBeforeAction === null) {
      t.servedBeforeAction = t.served;
      t.firstActionReasons = decision.reasons.slice(0, 4);
    }
    if (decision.level === 'ban' && t.servedBeforeBan === null) t.servedBeforeBan = t.served;
    t.level = maxLevel(t.level, decision.level);
  });
  const engine = await assembleDetectionEngine(config, {
    store: openMemoryStores().detections,
    executor: sink,
    metrics: new DetectionMetrics(new Registry()),
    logger: pino({ level: 'silent' }),
  });
  const cpuStart = process.cpuUsage();
  const chunk = config.batchSize;
  for (let i = 0; i < events.length; i += chunk) {
    const slice = events.slice(i, i + chunk);
    for (const event of slice) engine.enqueue(event);
    await engine.drain();
    for (const event of slice) {
      if (!event.accountId) continue;
      const t = trace(event.accountId);
      t.events++;
      if (event.status >= 200 && event.status < 300) t.served++;
    }
    for (const id of new Set(slice.map((e) => e.accountId))) {
      const a = id ? engine.account(id)?.assessment : null;
      if (!id || !a) continue;
      const t = trace(id);
      if (a.risk > t.peakRisk) {
        t.peakRisk = a.risk;
        t.peakContributions = a.contributions;
        t.peakReasons = a.reasons;
        t.peakScores = engine.account(id)?.scores ?? [];
      }
    }
    for (const { cluster, assessment } of engine.clusters()) {
      const c: ClusterTrace = clusters.get(cluster.id) ?? { id: cluster.id, accounts: [], evidence: [], peakRisk: 0, peakContributions: [], peakReasons: [], level: 'observe' };
      clusters.set(cluster.id, c);
      c.accounts = cluster.accounts;
      c.evidence = cluster.evidence;
      if (assessment && assessment.risk >= c.peakRisk) {
        c.peakRisk = assessment.risk;
        c.peakContributions = assessment.contributions;
        c.peakReasons = assessment.reasons;
        c.level = maxLevel(c.level, assessment.level);
      }
    }
  }
  const cpu = process.cpuUsage(cpuStart);
  await engine.close();
  return { accounts, clusters, config, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}
