/**
 * ActorLinker: groups accounts into actors (clusters) so a swarm whose members each look small is scored as a whole.
 *
 * Evidence kinds between two accounts: a shared subnet, a shared prompt template (MinHash of the bigrams recurring in
 * each account's prompts, after masking numbers and quoted strings), synchronised activity (co-active time buckets
 * well above chance), and creation pattern (created close in time with the same name shape — needs `accountMeta`,
 * since events carry no creation time). Each kind weighs 1, except that a shared subnet many accounts use (a NAT or
 * proxy exit) weighs ¼ (several such add up to 1); two accounts are linked when the weights reach `linkWeight` (default 2). So benign
 * users behind one big NAT (subnet only), two researchers running the same public eval suite (template only), or both
 * at once (¼ + 1) stay apart, while accounts sharing a template and a rhythm, or several subnets, are joined. Links are unioned (union-find) and each link keeps its reasons for the cluster's evidence.
 *
 * Cost: `observe` is O(prompt length) plus small constant work; the pairwise pass (`relink`) runs lazily at most every
 * `relinkEveryEvents` events or `relinkIntervalMs` of event time, comparing each account only with its nearest
 * `neighbourWindow` peers in each shared bucket (O(accounts × keys × window)). Memory: ≤ `maxAccounts` profiles of
 * ≤ ~8 KB each (least recently seen evicted), plus the links of the last pass.
 */
import type { DetectionEvent } from '../types.ts';
import { type AccountMeta, type EvidenceKind, type EvidenceThresholds, pairEvidence } from './evidence.ts';
import { AccountProfile } from './profile.ts';
import { bandKeys, fnv1a, nameSkeleton } from './skeleton.ts';
import { UnionFind } from './union-find.ts';

export type { AccountMeta } from './evidence.ts';

export interface Cluster {
  id: string;
  accounts: string[];
  evidence: string[];
}

export interface LinkerOptions extends Partial<EvidenceThresholds> {
  /** Width of an activity time bucket for timing evidence (default 60 s; compressed simulations use less). */
  bucketMs?: number;
  /** Evidence weight two accounts must reach to be linked (default 2: two kinds). */
  linkWeight?: number;
  maxAccounts?: number;
  /** Peers compared per account per shared bucket (sorted-neighbourhood window). */
  neighbourWindow?: number;
  relinkEveryEvents?: number;
  relinkIntervalMs?: number;
  /** Creation time and name of an account, when the caller can look it up (store). */
  accountMeta?: (accountId: string) => AccountMeta | undefined;
  /** Evidence lines kept per cluster. */
  maxEvidence?: number;
}

const DEFAULTS = {
  bucketMs: 60_000,
  linkWeight: 2,
  crowdedSubnetAccounts: 8,
  maxAccounts: 50_000,
  neighbourWindow: 16,
  relinkEveryEvents: 256,
  relinkIntervalMs: 10_000,
  maxEvidence: 12,
  templateSimilarity: 0.5,
  minCoActive: 6,
  coActiveLift: 2.5,
  coActiveShare: 0.5,
  creationWindowMs: 3_600_000,
};

interface Link {
  a: string;
  b: string;
  kinds: EvidenceKind[];
  reasons: string[];
}

export class ActorLinker {
  readonly #options: typeof DEFAULTS & Pick<LinkerOptions, 'accountMeta'>;
  readonly #profiles = new Map<string, AccountProfile>();
  readonly #meta = new Map<string, AccountMeta>();
  #eventsSinceRelink = 0;
  #lastEventAt = 0;
  #lastRelinkAt = Number.NEGATIVE_INFINITY;
  #dirty = false;
  #clusters: Cluster[] = [];
  #clusterByAccount = new Map<string, Cluster>();
  #links = 0;

  constructor(options: LinkerOptions = {}) {
    const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
    this.#options = { ...DEFAULTS, ...defined };
  }

  observe(event: DetectionEvent): void {
    if (event.accountId === null || !Number.isFinite(event.at)) return;
    let profile = this.#profiles.get(event.accountId);
    if (profile) {
      // Re-insert so Map order is least-recently-seen first, for eviction.
      this.#profiles.delete(event.accountId);
    } else {
      profile = new AccountProfile(event.at);
      if (this.#profiles.size >= this.#options.maxAccounts) this.#evictOldest();
    }
    this.#profiles.set(event.accountId, profile);
    profile.observe(event.at, event.subnet, event.promptText, this.#options.bucketMs);
    this.#lastEventAt = Math.max(this.#lastEventAt, event.at);
    this.#eventsSinceRelink++;
    this.#dirty = true;
  }

  /** Tells the linker an account's creation time and name (the alternative to the `accountMeta` lookup). */
  noteAccount(accountId: string, meta: AccountMeta): void {
    this.#meta.set(accountId, meta);
    if (this.#meta.size > this.#options.maxAccounts) this.#meta.delete(this.#meta.keys().next().value!);
    this.#dirty = true;
  }

  clusters(minSize = 2): Cluster[] {
    this.#relinkIfStale();
    return this.#clusters.filter((cluster) => cluster.accounts.length >= minSize);
  }

  clusterOf(accountId: string): Cluster | null {
    this.#relinkIfStale();
    return this.#clusterByAccount.get(accountId) ?? null;
  }

  stats(): { accounts: number; links: number; clusters: number } {
    return { accounts: this.#profiles.size, links: this.#links, clusters: this.#clusters.length };
  }

  /** Recomputes every link and cluster from the current profiles now. */
  relink(): void {
    this.#dirty = false;
    this.#eventsSinceRelink = 0;
    this.#lastRelinkAt = this.#lastEventAt;
    const shapes = new Map<string, string | null>();
    const meta = (id: string): AccountMeta | undefined => this.#meta.get(id) ?? this.#options.accountMeta?.(id);
    const shapeOf = (id: string): string | null => {
      if (!shapes.has(id)) {
        const name = meta(id)?.name;
        shapes.set(id, name ? nameSkeleton(name) : null);
      }
      return shapes.get(id) ?? null;
    };
    const links: Link[] = [];
    const seen = new Set<string>();
    const unionFind = new UnionFind();
    const buckets = this.#candidateBuckets(shapeOf);
    const subnetAccounts = (subnet: string): number => buckets.get(`s:${subnet}`)?.length ?? 1;
    for (const members of buckets.values()) {
      if (members.length < 2) continue;
      const window = this.#options.neighbourWindow;
      for (let i = 0; i < members.length; i++) {
        for (let j = i + 1; j <= i + window && j < members.length; j++) {
          const [a, b] = members[i]! < members[j]! ? [members[i]!, members[j]!] : [members[j]!, members[i]!];
          const key = `${a}\u0000${b}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const evidence = pairEvidence(
            this.#profiles.get(a)!,
            this.#profiles.get(b)!,
            meta(a),
            meta(b),
            shapeOf(a),
            shapeOf(b),
            subnetAccounts,
            this.#options,
          );
          if (evidence.weight < this.#options.linkWeight) continue;
          links.push({ a, b, kinds: evidence.kinds, reasons: evidence.reasons });
          unionFind.union(a, b);
        }
      }
    }
    this.#links = links.length;
    this.#buildClusters(unionFind, links);
  }

  #relinkIfStale(): void {
    if (!this.#dirty) return;
    const due =
      this.#eventsSinceRelink >= this.#options.relinkEveryEvents ||
      this.#lastEventAt - this.#lastRelinkAt >= this.#options.relinkIntervalMs;
    if (due) this.relink();
  }

  /**
   * Accounts sharing a subnet, a template LSH band or a creation name shape, each bucket ordered so likely partners
   * sit side by side (same template first value, then first seen). Timing alone never proposes a pair: it cannot link
   * on its own anyway, and every account is "co-active" with thousands of others at busy hours.
   */
  #candidateBuckets(shapeOf: (id: string) => string | null): Map<string, string[]> {
    const buckets = new Map<string, string[]>();
    const add = (key: string, id: string): void => {
      const members = buckets.get(key);
      if (members) members.push(id);
      else buckets.set(key, [id]);
    };
    for (const [id, profile] of this.#profiles) {
      for (const subnet of profile.subnets.keys()) add(`s:${subnet}`, id);
      const template = profile.templateSignature();
      if (template) for (const band of bandKeys(template.signature)) add(`t:${band}`, id);
      const shape = shapeOf(id);
      if (shape !== null) add(`c:${shape}`, id);
    }
    const order = (id: string): [number, number] => {
      const profile = this.#profiles.get(id)!;
      return [profile.templateSignature()?.signature[0] ?? 0xffffffff, profile.firstSeen];
    };
    for (const members of buckets.values()) {
      if (members.length < 2) continue;
      const keys = new Map(members.map((id) => [id, order(id)]));
      members.sort((x, y) => {
        const [kx, ky] = [keys.get(x)!, keys.get(y)!];
        return kx[0] - ky[0] || kx[1] - ky[1] || (x < y ? -1 : 1);
      });
    }
    return buckets;
  }

  #buildClusters(unionFind: UnionFind, links: Link[]): void {
    const linksByRoot = new Map<string, Link[]>();
    for (const link of links) {
      const root = unionFind.find(link.a);
      const list = linksByRoot.get(root);
      if (list) list.push(link);
      else linksByRoot.set(root, [link]);
    }
    this.#clusters = [];
    this.#clusterByAccount = new Map();
    for (const [root, members] of unionFind.groups()) {
      if (members.length < 2) continue;
      members.sort();
      const cluster: Cluster = {
        id: `cl-${fnv1a(members[0]!).toString(16).padStart(8, '0')}`,
        accounts: members,
        evidence: this.#describe(linksByRoot.get(root) ?? []),
      };
      this.#clusters.push(cluster);
      for (const id of members) this.#clusterByAccount.set(id, cluster);
    }
    this.#clusters.sort((x, y) => y.accounts.length - x.accounts.length || (x.id < y.id ? -1 : 1));
  }

  /** A summary line (links per evidence kind), then the strongest links' reasons (most kinds first). */
  #describe(links: Link[]): string[] {
    const perKind = new Map<EvidenceKind, number>();
    for (const link of links) for (const kind of link.kinds) perKind.set(kind, (perKind.get(kind) ?? 0) + 1);
    const summary = [...perKind].map(([kind, count]) => `${kind} ×${count}`).join(', ');
    const strongest = [...links].sort((x, y) => y.kinds.length - x.kinds.length);
    const lines = [`${links.length} links (${summary})`];
    for (const link of strongest.slice(0, this.#options.maxEvidence - 1)) {
      lines.push(`${link.a} ~ ${link.b}: ${link.reasons.join('; ')}`);
    }
    return lines;
  }

  #evictOldest(): void {
    const oldest = this.#profiles.keys().next().value;
    if (oldest !== undefined) this.#profiles.delete(oldest);
  }
}
