/**
 * One linking pass over the current profiles: candidate buckets (shared subnet, template LSH band, creation name
 * shape), a sorted-neighbourhood walk of each bucket, pairwise evidence (cached between passes), and union-find over
 * the pairs that reach the link weight. Works on account numbers (positions in this pass) so the hot loop does no
 * string work and creates no closures.
 */
import type { ActivitySnapshot } from './activity.ts';
import { type AccountMeta, type EvidenceKind, type EvidenceThresholds, type PairEvidence, pairEvidence } from './evidence.ts';
import type { AccountProfile } from './profile.ts';

export interface Link {
  a: string;
  b: string;
  kinds: EvidenceKind[];
  reasons: string[];
}

export interface PassAccounts {
  ids: readonly string[];
  profiles: readonly AccountProfile[];
  meta: readonly (AccountMeta | undefined)[];
  shapes: readonly (string | null)[];
}

export interface PassResult {
  links: Link[];
  /** Components of two or more accounts (account numbers), with their union-find root. */
  groups: { root: number; members: number[] }[];
  /** Root number of each linked link's component, parallel to `links`. */
  linkRoots: number[];
  evaluations: number;
  visits: number;
}

/** Pair evaluations remembered between passes (about 200 bytes each). */
const MAX_CACHED_PAIRS = 100_000;

export class PairCache {
  readonly #entries = new Map<string, { eventsA: number; eventsB: number; evidence: PairEvidence }>();

  /** The evidence from an earlier pass, unless either account grew by a quarter (and at least 8 events) since. */
  get(key: string, eventsA: number, eventsB: number): PairEvidence | null {
    const cached = this.#entries.get(key);
    if (!cached || isStale(cached.eventsA, eventsA) || isStale(cached.eventsB, eventsB)) return null;
    return cached.evidence;
  }

  set(key: string, eventsA: number, eventsB: number, evidence: PairEvidence): void {
    if (this.#entries.size >= MAX_CACHED_PAIRS) this.#entries.clear();
    this.#entries.set(key, { eventsA, eventsB, evidence });
  }
}

function isStale(then: number, now: number): boolean {
  return now - then >= Math.max(8, then / 4);
}

export function linkPass(accounts: PassAccounts, t: EvidenceThresholds & { neighbourWindow: number }, cache: PairCache, activity?: ActivitySnapshot): PassResult {
  const n = accounts.ids.length;
  const buckets = candidateBuckets(accounts);
  const subnetAccounts = (subnet: string): number => buckets.get(`s:${subnet}`)?.length ?? 1;
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => {
    let node = x;
    while (parent[node] !== node) {
      parent[node] = parent[parent[node]!]!;
      node = parent[node]!;
    }
    return node;
  };
  const links: Link[] = [];
  const linkPairs: [number, number][] = [];
  const seen = new Set<number>();
  const seenBuckets = new Set<string>();
  let evaluations = 0;
  let visits = 0;
  for (const members of buckets.values()) {
    if (members.length < 2) continue;
    // A template's LSH bands usually hold the very same accounts in the same order: one walk over them suffices.
    const fingerprint = `${members.length}:${members[0]}:${members[members.length >> 1]}:${members.at(-1)}`;
    if (seenBuckets.has(fingerprint)) continue;
    seenBuckets.add(fingerprint);
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j <= i + t.neighbourWindow && j < members.length; j++) {
        visits++;
        const x = Math.min(members[i]!, members[j]!);
        const y = Math.max(members[i]!, members[j]!);
        const key = x * n + y;
        if (seen.has(key)) continue;
        seen.add(key);
        // Already joined through other links in this pass: the cluster is the same either way.
        const rootX = find(x);
        const rootY = find(y);
        if (rootX === rootY) continue;
        const a = accounts.ids[x]!;
        const b = accounts.ids[y]!;
        const pa = accounts.profiles[x]!;
        const pb = accounts.profiles[y]!;
        const cacheKey = `${a}\u0000${b}`;
        let evidence = cache.get(cacheKey, pa.events, pb.events);
        if (!evidence) {
          evidence = pairEvidence(pa, pb, accounts.meta[x], accounts.meta[y], accounts.shapes[x]!, accounts.shapes[y]!, subnetAccounts, t, activity);
          cache.set(cacheKey, pa.events, pb.events, evidence);
          evaluations++;
        }
        if (evidence.weight < t.linkWeight) continue;
        links.push({ a, b, kinds: evidence.kinds, reasons: evidence.reasons });
        linkPairs.push([x, y]);
        parent[rootY] = rootX;
      }
    }
  }
  const byRoot = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const root = find(i);
    const group = byRoot.get(root);
    if (group) group.push(i);
    else byRoot.set(root, [i]);
  }
  return {
    links,
    groups: [...byRoot].filter(([, members]) => members.length >= 2).map(([root, members]) => ({ root, members })),
    linkRoots: linkPairs.map(([x]) => find(x)),
    evaluations,
    visits,
  };
}

/**
 * Accounts sharing a subnet, a template LSH band or a creation name shape, each bucket ordered so likely partners sit
 * side by side (same template first value, then first seen). Timing alone never proposes a pair: it cannot link on
 * its own anyway, and at busy hours every account is "co-active" with thousands of others.
 */
function candidateBuckets(accounts: PassAccounts): Map<string, number[]> {
  const buckets = new Map<string, number[]>();
  const n = accounts.ids.length;
  const firstValue = new Float64Array(n);
  const firstSeen = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const profile = accounts.profiles[i]!;
    const template = profile.templateSignature();
    firstValue[i] = template?.signature[0] ?? 0xffffffff;
    firstSeen[i] = profile.firstSeen;
    for (const subnet of profile.subnets.keys()) addTo(buckets, `s:${subnet}`, i);
    if (template) for (const band of template.bands) addTo(buckets, `t:${band}`, i);
    const shape = accounts.shapes[i];
    if (shape) addTo(buckets, `c:${shape}`, i);
  }
  const byLikelyPartner = (x: number, y: number): number => firstValue[x]! - firstValue[y]! || firstSeen[x]! - firstSeen[y]! || x - y;
  for (const members of buckets.values()) if (members.length > 1) members.sort(byLikelyPartner);
  return buckets;
}

function addTo(buckets: Map<string, number[]>, key: string, i: number): void {
  const members = buckets.get(key);
  if (members) members.push(i);
  else buckets.set(key, [i]);
}
