/**
 * A linked cluster's campaign signature: many accounts joined by several independent kinds of linking evidence
 * (shared template, synchronised timing, shared subnets, creation pattern), together sending a steady volume of new,
 * single-shot prompts. No single member needs to look like anything; the structure is the evidence. Benign groups
 * rarely look like this: users behind one NAT link on nothing but the subnet, researchers running one public suite
 * share a template but not a rhythm, and their prompts are public (counted as repeats by coverage).
 *
 *   campaign = size · kinds · support(events) · fresh · shallow
 *   size    = ramp(accounts, 4, 20)                    one or two accounts are a team, twenty a fleet
 *   kinds   = 0.6 + 0.4 · ramp(distinct kinds, 2, 3)   every link already needs two kinds; three is stronger
 *   fresh   = 1 − ramp(repeat share, 0.15, 0.5)        repeats and public prompts teach a distiller nothing
 *   shallow = ramp(single-shot share, 0.6, 0.95)       a campaign never follows up on an answer
 *
 * The repeat and single-shot shares come from the coverage detector's merged view of the cluster (absent: taken as
 * fresh and shallow). Its weight (`linking.campaignWeight`, 0.8) keeps it under the ban threshold alone: linking can
 * throttle and degrade a cluster, a ban needs a content detector to agree. Cost: O(kinds) per cluster scoring.
 */
import type { LinkedCluster } from '../actions.ts';
import { ramp, round, support } from '../detectors/score-shape.ts';
import type { DetectorScore } from '../types.ts';

export function campaignScore(cluster: LinkedCluster, events: number, coverageFeatures: Record<string, number> | undefined): DetectorScore {
  const accounts = cluster.accounts.length;
  const kinds = Object.entries(cluster.linkKinds ?? {}).filter(([, links]) => (links ?? 0) > 0);
  const repeatShare = coverageFeatures?.repeatFraction ?? 0;
  const singleShot = coverageFeatures?.shallowFraction ?? 1;
  const size = ramp(accounts, 4, 20);
  const kindFactor = 0.6 + 0.4 * ramp(kinds.length, 2, 3);
  const fresh = 1 - ramp(repeatShare, 0.15, 0.5);
  const shallow = ramp(singleShot, 0.6, 0.95);
  const score = size * kindFactor * support(events, 100, 400) * fresh * shallow;
  const reasons: string[] = [];
  if (score > 0.05) {
    const linkWords = kinds
      .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
      .map(([kind, links]) => `${kind} ×${links}`)
      .join(', ');
    reasons.push(`${accounts} accounts linked by ${kinds.length} kinds of evidence (${linkWords}) act as one`);
    reasons.push(`together ${events} requests, ${Math.round(singleShot * 100)}% single-shot, ${Math.round(repeatShare * 100)}% repeated or public`);
  }
  return {
    score,
    reasons,
    features: { accounts, evidenceKinds: kinds.length, events, repeatShare: round(repeatShare), singleShotShare: round(singleShot) },
  };
}
