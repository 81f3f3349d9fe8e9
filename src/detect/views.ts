/** What the admin API shows about detection: one account's scores, reasons, action and cluster; every cluster. */
import type { DetectionStore } from '../store/detections.ts';
import type { ActionExecutor } from './actions.ts';
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

export interface ViewSources {
  engine: DetectionEngine;
  executor: ActionExecutor;
  actions: ActiveActions;
  store: DetectionStore;
  shadow: boolean;
}

export async function accountView(s: ViewSources, accountId: string, historyLimit: number): Promise<AccountDetectionView> {
  const entry = s.engine.account(accountId);
  const history = await s.store.history(`account:${accountId}`, historyLimit);
  const names = s.engine.detectorNames();
  const linked = s.engine.clusterOf(accountId);
  return {
    accountId,
    shadow: s.shadow,
    events: entry?.events ?? 0,
    // An account in memory shows its live state (null right after an admin cleared it); otherwise the newest stored.
    current: entry ? entry.assessment : (history[0] ?? null),
    detectors: entry ? entry.scores.map((score, i) => ({ name: names[i], ...score })) : [],
    action: s.actions.get(accountId) ?? null,
    shadowLevel: s.executor.shadowLevelOf(accountId),
    cluster: linked ? toClusterView(linked, s.engine.cluster(linked.id)?.assessment ?? null) : null,
    history,
  };
}

export function clusterViews(engine: DetectionEngine): ClusterView[] {
  return engine
    .clusters()
    .map(({ cluster, assessment }) => toClusterView(cluster, assessment))
    .sort((a, b) => (b.risk ?? -1) - (a.risk ?? -1));
}

function toClusterView(cluster: { id: string; accounts: string[]; evidence: string[] }, assessment: RiskAssessment | null): ClusterView {
  return {
    id: cluster.id,
    accounts: cluster.accounts,
    evidence: cluster.evidence,
    risk: assessment?.risk ?? null,
    level: assessment?.level ?? null,
    reasons: assessment?.reasons ?? [],
  };
}
