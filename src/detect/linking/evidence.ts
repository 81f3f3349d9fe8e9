/**
 * Pairwise evidence between two account profiles, one kind at a time. Each check is cheap (≤ 8 subnets, 16 MinHash
 * values, two sorted arrays of ≤ 256 buckets) so a relink pass can afford thousands of candidate pairs.
 */
import { type ActivitySnapshot, lowerBound } from './activity.ts';
import type { AccountProfile } from './profile.ts';
import { minHashSimilarity } from './skeleton.ts';

export const EVIDENCE_KINDS = ['subnet', 'template', 'timing', 'creation'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export interface AccountMeta {
  /** Epoch ms the account was created. */
  createdAt: number;
  name?: string;
}

export interface EvidenceThresholds {
  /** Weight at which two accounts are linked (checks that could no longer reach it are skipped). */
  linkWeight: number;
  /** A subnet with more accounts than this is a NAT or proxy exit: sharing it weighs ¼. */
  crowdedSubnetAccounts: number;
  /** Minimum estimated Jaccard similarity of two accounts' recurring-bigram sets. */
  templateSimilarity: number;
  /** Minimum co-active buckets, and how many times more than chance they must be. */
  minCoActive: number;
  coActiveLift: number;
  /** Minimum share of the less active account's buckets that are co-active. */
  coActiveShare: number;
  /**
   * Timing says nothing about accounts busy most of the time: anything that slows everyone at once (the provider's
   * own hiccups, a busy hour) makes their idle moments coincide. Above this duty cycle, no timing evidence.
   */
  maxDutyCycle: number;
  /** Creation evidence: created within this many ms with names that differ only by numbers. */
  creationWindowMs: number;
}

export interface PairEvidence {
  kinds: EvidenceKind[];
  /** Sum of the kinds' weights (each at most 1; crowded shared subnets ¼ each). */
  weight: number;
  reasons: string[];
}

export function sharedSubnets(a: AccountProfile, b: AccountProfile): string[] {
  const [small, large] = a.subnets.size <= b.subnets.size ? [a, b] : [b, a];
  const shared: string[] = [];
  for (const subnet of small.subnets.keys()) if (large.subnets.has(subnet)) shared.push(subnet);
  return shared;
}

export function templateSimilarity(a: AccountProfile, b: AccountProfile): number {
  const sa = a.templateSignature();
  const sb = b.templateSignature();
  return sa && sb ? minHashSimilarity(sa.signature, sb.signature) : 0;
}

/**
 * Co-activity over the window both accounts were seen in: count, its lift over chance, its share of the quieter
 * account's buckets, and the busier account's duty cycle (share of the window's buckets it was active in).
 *
 * Chance is the population's rhythm when `activity` is given: each account's activity is spread over the window in
 * proportion to how many *other* accounts were active in each bucket (the pair left out, so a pair cannot explain
 * itself), giving expected co-activity inA·inB·Σg'²/(Σg')². With a flat population this is inA·inB/W, the
 * independent-uniform baseline used without `activity`.
 */
export function coActivity(a: AccountProfile, b: AccountProfile, activity?: ActivitySnapshot): { co: number; lift: number; share: number; duty: number } {
  const from = Math.max(a.buckets[0] ?? 0, b.buckets[0] ?? 0);
  const to = Math.min(a.buckets.at(-1) ?? -1, b.buckets.at(-1) ?? -1);
  if (to < from) return { co: 0, lift: 0, share: 0, duty: 0 };
  let i = lowerBound(a.buckets, from);
  let j = lowerBound(b.buckets, from);
  let inA = 0;
  let inB = 0;
  let co = 0;
  // Σ of the population count over each account's own active buckets (to leave the pair out of the rhythm).
  let busyA = 0;
  let busyB = 0;
  while (i < a.buckets.length || j < b.buckets.length) {
    const x = a.buckets[i] ?? Number.POSITIVE_INFINITY;
    const y = b.buckets[j] ?? Number.POSITIVE_INFINITY;
    if (x > to && y > to) break;
    if (x === y) co++;
    if (x <= y) {
      inA++;
      if (activity) busyA += activity.at(x);
      i++;
    }
    if (y <= x) {
      inB++;
      if (activity) busyB += activity.at(y);
      j++;
    }
  }
  const width = to - from + 1;
  let expected = (inA * inB) / width;
  if (activity) {
    const { sum, sumSquares } = activity.window(from, to);
    const othersSum = sum - inA - inB;
    const othersSquares = sumSquares - 2 * (busyA + busyB) + inA + inB + 2 * co;
    if (othersSum > 0) expected = (inA * inB * othersSquares) / (othersSum * othersSum);
  }
  return { co, lift: expected > 0 ? co / expected : 0, share: co / Math.max(1, Math.min(inA, inB)), duty: Math.max(inA, inB) / width };
}

export function pairEvidence(
  a: AccountProfile,
  b: AccountProfile,
  metaA: AccountMeta | undefined,
  metaB: AccountMeta | undefined,
  nameShapeA: string | null,
  nameShapeB: string | null,
  subnetAccounts: (subnet: string) => number,
  t: EvidenceThresholds,
  activity?: ActivitySnapshot,
): PairEvidence {
  const kinds: EvidenceKind[] = [];
  const reasons: string[] = [];
  let weight = 0;
  const subnets = sharedSubnets(a, b);
  if (subnets.length > 0) {
    // An uncrowded shared subnet weighs 1; a crowded one ¼ (roaming users share a carrier's few NAT ranges, a rotating
    // proxy swarm shares many); capped at 1.
    const crowds = subnets.map((subnet) => subnetAccounts(subnet));
    const subnetWeight = Math.min(1, crowds.reduce((sum, crowd) => sum + (crowd > t.crowdedSubnetAccounts ? 0.25 : 1), 0));
    kinds.push('subnet');
    weight += subnetWeight;
    const crowded = crowds.filter((crowd) => crowd > t.crowdedSubnetAccounts).length;
    reasons.push(
      `${subnets.length} shared subnet${subnets.length > 1 ? 's' : ''} (${subnets.slice(0, 3).join(', ')}${crowded ? `; ${crowded} crowded` : ''})`,
    );
  }
  const similarity = templateSimilarity(a, b);
  if (similarity >= t.templateSimilarity) {
    kinds.push('template');
    weight += 1;
    reasons.push(`shared prompt template (similarity ${similarity.toFixed(2)})`);
  }
  // Names that differ only by a number (worker-0012, worker-0013): an identical name without one is just a common name.
  if (
    metaA &&
    metaB &&
    nameShapeA !== null &&
    nameShapeA === nameShapeB &&
    nameShapeA.includes('#') &&
    t.creationWindowMs > 0 &&
    Math.abs(metaA.createdAt - metaB.createdAt) <= t.creationWindowMs
  ) {
    kinds.push('creation');
    weight += 1;
    const minutes = Math.abs(metaA.createdAt - metaB.createdAt) / 60_000;
    reasons.push(`created ${minutes.toFixed(1)} min apart with names shaped "${nameShapeA}"`);
  }
  // The costliest check last, and only when it could still tip the pair over the link weight.
  if (weight + 1 < t.linkWeight) return { kinds, weight, reasons };
  const timing = coActivity(a, b, activity);
  if (timing.co >= t.minCoActive && timing.lift >= t.coActiveLift && timing.share >= t.coActiveShare && timing.duty <= t.maxDutyCycle) {
    kinds.push('timing');
    weight += 1;
    reasons.push(`synchronised activity (${timing.co} shared time buckets, ${timing.lift.toFixed(1)}× chance)`);
  }
  return { kinds, weight, reasons };
}
