/** What the admin API shows about detection: one account's scores, reasons, action and cluster; every cluster. */
import type { DetectionStore } from '../store/detections.ts';
import type { LinkedCluster } from './actions.ts';
import type { ActiveActions } from './active-actions.ts';
import type { DetectionEngine } from './engine.ts';
import type { ActionLevel, ActiveAction, DetectorScore, RiskAssessment } from './types.ts';

export interface ClusterView {
  id: string;
  accounts: string[];
  evidence: string[];
  risk: number | null;
  level: ActionLevel | null;
  reasons: string[];
}

export interface AccountDetectionView {
  accountId: string;
  shadow: boolean;
  /** Events scored since the account's state was created (0 when not in memory). */
  events: number;
  /** The latest assessment (in memory, else the newest stored one); null when never scored. */
  current: RiskAssessment | null;
  detectors: ({ name: string } & DetectorScore)[];
  /** The action in force, or null. */
  action: ActiveAction | null;
  /** In shadow mode: the level detection would have applied. */
  shadowLevel: ActionLevel | null;
  cluster: ClusterView | null;
  /** Newest first. */
  history: RiskAssessment[];
}

/** What the engine knows about one account right now (plain data, so it can cross a thread boundary). */
export interface AccountSnapshot {
  /** Whether the account has state in memory. */
  known: boolean;
  events: number;
  assessment: RiskAssessment | null;
  detectors: ({ name: string } & DetectorScore)[];
  cluster: LinkedCluster | null;
  clusterAssessment: RiskAssessment | null;
}

export interface ClusterSnapshot {
  cluster: LinkedCluster;
  assessment: RiskAssessment | null;
}

export function snapshotOf(engine: DetectionEngine, accountId: string): AccountSnapshot {
  const entry = engine.account(accountId);
  const names = engine.detectorNames();
  const cluster = engine.clusterOf(accountId);
  return {
    known: entry !== undefined,
    events: entry?.events ?? 0,
    assessment: entry?.assessment ?? null,
    detectors: entry ? entry.scores.map((score, i) => ({ name: names[i], ...score })) : [],
    cluster,
    clusterAssessment: cluster ? (engine.cluster(cluster.id)?.assessment ?? null) : null,
  };
}

export interface ViewSources {
  actions: ActiveActions;
  store: DetectionStore;
  shadow: boolean;
  shadowLevelOf(accountId: string): ActionLevel | null;
}

export async function accountView(s: ViewSources, snapshot: AccountSnapshot, accountId: string, historyLimit: number): Promise<AccountDetectionView> {
  const history = await s.store.history(`account:${accountId}`, historyLimit);
  return {
    accountId,
    shadow: s.shadow,
    events: snapshot.events,
    // An account in memory shows its live state (null right after an admin cleared it); otherwise the newest stored.
    current: snapshot.known ? snapshot.assessment : (history[0] ?? null),
    detectors: snapshot.detectors,
    action: s.actions.get(accountId) ?? null,
    shadowLevel: s.shadowLevelOf(accountId),
    cluster: snapshot.cluster ? toClusterView(snapshot.cluster, snapshot.clusterAssessment) : null,
    history,
  };
}

export function clusterViews(clusters: readonly ClusterSnapshot[]): ClusterView[] {
  return clusters.map(({ cluster, assessment }) => toClusterView(cluster, assessment)).sort((a, b) => (b.risk ?? -1) - (a.risk ?? -1));
}

function toClusterView(cluster: LinkedCluster, assessment: RiskAssessment | null): ClusterView {
  return {
    id: cluster.id,
    accounts: cluster.accounts,
    evidence: cluster.evidence,
    risk: assessment?.risk ?? null,
    level: assessment?.level ?? null,
    reasons: assessment?.reasons ?? [],
  };
}
