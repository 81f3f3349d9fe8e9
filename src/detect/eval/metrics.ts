/**
 * The evaluation's numbers: per attacker strategy (detected, queries served before the first action and before the
 * ban, time to detect), per benign persona (share throttled / degraded / banned), linking quality, and the ROC AUC of
 * each account's peak risk (attackers' accounts positive). Joins the simulator's ledger with detection's outcomes.
 */
import type { SimulationResult } from '../../sim/run.ts';
import type { Scenario } from '../../sim/scenario.ts';
import type { ClusterView } from '../views.ts';
import { type AccountOutcome, firstActionAt } from './outcomes.ts';
import { type RocPoint, rocAuc, rocCurve } from './roc.ts';

export interface AttackerResult {
  actor: number;
  strategy: string;
  accounts: number;
  campaignQueries: number;
  sent: number;
  served: number;
  detected: boolean;
  /** Every account of the actor banned. */
  banned: boolean;
  bannedAccounts: number;
  servedBeforeFirstAction: number | null;
  servedBeforeBan: number | null;
  /** servedBeforeBan / campaignQueries (the target is < 0.1). */
  servedBeforeBanShare: number | null;
  secondsToFirstAction: number | null;
  secondsToBan: number | null;
  peakRisk: number;
  /** Share of the actor's accounts in its largest linked cluster (1 for a fully linked swarm; 1 for one account). */
  linkedShare: number;
  meetsTarget: boolean;
}

export interface BenignResult {
  persona: string;
  accounts: number;
  sent: number;
  served: number;
  /** 429 responses (account limits and detection throttling alike) per request. */
  rateLimitedShare: number;
  throttled: number;
  degraded: number;
  banned: number;
  /** Accounts that got any action (throttle or worse) per account. */
  actionedShare: number;
  peakRiskMax: number;
}

export interface EvalMetrics {
  attackers: AttackerResult[];
  benign: BenignResult[];
  benignTotal: { accounts: number; banned: number; throttledOrWorse: number; throttledOrWorseShare: number };
  auc: number | null;
  /**
   * AUC of the risk each account is acted on: the higher of its own peak and its linked cluster's risk. A swarm's
   * members each look mild by design, so their own risks rank low; their cluster's risk is what bans them.
   */
  aucWithClusters: number | null;
  roc: RocPoint[];
  clusters: {
    total: number;
    withAttackers: number;
    benignOnly: number;
    benignAccountsInAttackerClusters: number;
    /** A few clusters (attackers' first) with their make-up, risk and first evidence lines, for diagnosis. */
    samples: { size: number; attackers: number; benign: number; risk: number | null; evidence: string[] }[];
  };
  targets: { everyAttackerBannedBefore10Percent: boolean; noBenignBanned: boolean; benignThrottledAtMost1Percent: boolean; benignAccountsAtLeast1000: boolean; swarmAtLeast50Accounts: boolean };
}

export function computeMetrics(sim: SimulationResult, scenario: Scenario, outcomes: Map<string, AccountOutcome>, clusters: readonly ClusterView[]): EvalMetrics {
  const recordsByActor = groupRecords(sim);
  const attackerSpecs = scenario.attackers;
  const attackers: AttackerResult[] = [];
  let attackerOrdinal = 0;
  const clusterOfAccount = new Map<string, string>();
  for (const cluster of clusters) for (const id of cluster.accounts) clusterOfAccount.set(id, cluster.id);
  for (const actor of sim.actors) {
    if (actor.kind !== 'attacker') continue;
    const spec = attackerSpecs[attackerOrdinal++]!;
    const ids = actor.accounts.map((a) => a.id);
    const accountOutcomes = ids.map((id) => outcomes.get(id));
    const records = recordsByActor.get(actor.index) ?? [];
    const start = records.length > 0 ? Math.min(...records.map((r) => r.sentAt)) : 0;
    const firstActions = accountOutcomes.map(firstActionAt).filter((t): t is number => t !== null);
    const bans = accountOutcomes.map((o) => o?.firstAt.ban ?? null);
    const allBanned = bans.every((t) => t !== null);
    const firstAction = firstActions.length > 0 ? Math.min(...firstActions) - sim.startedAt : null;
    const banAt = allBanned ? Math.max(...(bans as number[])) - sim.startedAt : null;
    const servedBy = (ms: number) => records.filter((r) => r.status >= 200 && r.status < 300 && r.endedAt <= ms).length;
    const servedBeforeBan = banAt === null ? null : servedBy(banAt);
    const clusterSizes = new Map<string, number>();
    for (const id of ids) {
      const cluster = clusterOfAccount.get(id);
      if (cluster) clusterSizes.set(cluster, (clusterSizes.get(cluster) ?? 0) + 1);
    }
    const largest = Math.max(1, ...clusterSizes.values());
    const share = servedBeforeBan === null ? null : servedBeforeBan / spec.queries;
    attackers.push({
      actor: actor.index,
      strategy: actor.persona,
      accounts: ids.length,
      campaignQueries: spec.queries,
      sent: actor.outcomes.sent,
      served: actor.outcomes.served,
      detected: firstAction !== null,
      banned: allBanned,
      bannedAccounts: bans.filter((t) => t !== null).length,
      servedBeforeFirstAction: firstAction === null ? null : servedBy(firstAction),
      servedBeforeBan,
      servedBeforeBanShare: share,
      secondsToFirstAction: firstAction === null ? null : (firstAction - start) / 1000,
      secondsToBan: banAt === null ? null : (banAt - start) / 1000,
      peakRisk: Math.max(0, ...accountOutcomes.map((o) => o?.peakRisk ?? 0)),
      linkedShare: ids.length === 1 ? 1 : largest / ids.length,
      meetsTarget: share !== null && share < 0.1,
    });
  }
  const benign = benignResults(sim, outcomes);
  const benignAccounts = benign.reduce((s, b) => s + b.accounts, 0);
  const benignBanned = benign.reduce((s, b) => s + b.banned, 0);
  const benignActioned = benign.reduce((s, b) => s + b.throttled + b.degraded + b.banned, 0);
  const positives = sim.actors.filter((a) => a.kind === 'attacker').flatMap((a) => a.accounts.map((m) => outcomes.get(m.id)?.peakRisk ?? 0));
  const negatives = sim.actors.filter((a) => a.kind === 'benign').flatMap((a) => a.accounts.map((m) => outcomes.get(m.id)?.peakRisk ?? 0));
  const actedRisk = (id: string) => Math.max(outcomes.get(id)?.peakRisk ?? 0, outcomes.get(id)?.clusterRisk ?? 0);
  const actedPositives = sim.actors.filter((a) => a.kind === 'attacker').flatMap((a) => a.accounts.map((m) => actedRisk(m.id)));
  const actedNegatives = sim.actors.filter((a) => a.kind === 'benign').flatMap((a) => a.accounts.map((m) => actedRisk(m.id)));
  const attackerIds = new Set(sim.actors.filter((a) => a.kind === 'attacker').flatMap((a) => a.accounts.map((m) => m.id)));
  const withAttackers = clusters.filter((c) => c.accounts.some((id) => attackerIds.has(id)));
  const throttledShare = benignAccounts > 0 ? benignActioned / benignAccounts : 0;
  return {
    attackers,
    benign,
    benignTotal: { accounts: benignAccounts, banned: benignBanned, throttledOrWorse: benignActioned, throttledOrWorseShare: throttledShare },
    auc: rocAuc(positives, negatives),
    aucWithClusters: rocAuc(actedPositives, actedNegatives),
    roc: rocCurve(positives, negatives),
    clusters: {
      total: clusters.length,
      withAttackers: withAttackers.length,
      benignOnly: clusters.length - withAttackers.length,
      benignAccountsInAttackerClusters: withAttackers.reduce((s, c) => s + c.accounts.filter((id) => !attackerIds.has(id)).length, 0),
      samples: [...withAttackers, ...clusters.filter((c) => !withAttackers.includes(c))].slice(0, 8).map((c) => {
        const attackers = c.accounts.filter((id) => attackerIds.has(id)).length;
        return { size: c.accounts.length, attackers, benign: c.accounts.length - attackers, risk: c.risk, evidence: c.evidence.slice(0, 3) };
      }),
    },
    targets: {
      everyAttackerBannedBefore10Percent: attackers.length > 0 && attackers.every((a) => a.meetsTarget),
      noBenignBanned: benignBanned === 0,
      benignThrottledAtMost1Percent: throttledShare <= 0.01,
      benignAccountsAtLeast1000: benignAccounts >= 1000,
      swarmAtLeast50Accounts: scenario.attackers.some((a) => a.strategy === 'sybil-swarm' && a.accounts >= 50 && a.ips >= 50 && a.subnets >= 10),
    },
  };
}

function benignResults(sim: SimulationResult, outcomes: Map<string, AccountOutcome>): BenignResult[] {
  const byPersona = new Map<string, BenignResult>();
  const recordsByActor = groupRecords(sim);
  for (const actor of sim.actors) {
    if (actor.kind !== 'benign') continue;
    const result = byPersona.get(actor.persona) ?? { persona: actor.persona, accounts: 0, sent: 0, served: 0, rateLimitedShare: 0, throttled: 0, degraded: 0, banned: 0, actionedShare: 0, peakRiskMax: 0 };
    const records = recordsByActor.get(actor.index) ?? [];
    result.accounts += actor.accounts.length;
    result.sent += records.length;
    result.served += actor.outcomes.served;
    result.rateLimitedShare += actor.outcomes.throttled;
    for (const account of actor.accounts) {
      const outcome = outcomes.get(account.id);
      if (outcome?.maxLevel === 'throttle') result.throttled++;
      if (outcome?.maxLevel === 'degrade') result.degraded++;
      if (outcome?.maxLevel === 'ban') result.banned++;
      result.peakRiskMax = Math.max(result.peakRiskMax, outcome?.peakRisk ?? 0);
    }
    byPersona.set(actor.persona, result);
  }
  return [...byPersona.values()].map((r) => ({
    ...r,
    rateLimitedShare: r.sent > 0 ? r.rateLimitedShare / r.sent : 0,
    actionedShare: r.accounts > 0 ? (r.throttled + r.degraded + r.banned) / r.accounts : 0,
  }));
}

function groupRecords(sim: SimulationResult): Map<number, SimulationResult['ledger']['records']> {
  const out = new Map<number, SimulationResult['ledger']['records']>();
  for (const record of sim.ledger.records) {
    const list = out.get(record.actor);
    if (list) list.push(record);
    else out.set(record.actor, [record]);
  }
  return out;
}
