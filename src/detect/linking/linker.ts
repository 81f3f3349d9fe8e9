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
 * Cost: `observe` is O(prompt length) plus small constant work; the pairwise pass (`relink`) runs lazily when asked
 * for clusters, at most every max(`relinkEveryEvents`, 4 × tracked accounts, its last cost) events or `relinkIntervalMs` of event time, comparing each account only with its nearest
 * `neighbourWindow` peers in each shared bucket (O(accounts × keys × window)). Memory: ≤ `maxAccounts` profiles of
 * ≤ ~8 KB each (least recently seen evicted), the links of the last pass, and ≤ 100,000 cached pair evaluations.
 */
import type { DetectionEvent } from '../types.ts';
import { BucketActivity } from './activity.ts';
import type { AccountMeta, EvidenceKind, EvidenceThresholds } from './evidence.ts';
import { type Link, linkPass, PairCache, type PassResult } from './link-pass.ts';
import { AccountProfile } from './profile.ts';
import { fnv1a, nameSkeleton } from './skeleton.ts';

export type { AccountMeta } from './evidence.ts';

export interface Cluster {
  id: string;
  accounts: string[];
  evidence: string[];
  /** How many of the cluster's links carry each kind of evidence. */
  linkKinds: Partial<Record<EvidenceKind, number>>;
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
  maxDutyCycle: 0.5,
  creationWindowMs: 3_600_000,
};

/** Amortised pair evaluations per observed event that relinking may spend (each ~1–3 µs). */
const PAIRS_PER_EVENT = 2;
const VISITS_PER_EVENT = 16;
/** A pass costs ~20 µs per tracked account (buckets, sorting): space passes by this many events per account. */
const ACCOUNT_VISITS_PER_PASS_EVENT = 4;


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
  /** Pair evaluations (cache misses) of the last pass: its cost, which spaces the next one. */
  #evaluations = 0;
  /** Candidate pairs visited in the last pass (cheap, but there are many). */
  #visits = 0;
  readonly #pairCache = new PairCache();
  /** Accounts active per time bucket: the baseline timing evidence is measured against. */
  readonly #activity = new BucketActivity();

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
    const newBucket = profile.observe(event.at, event.subnet, event.promptText, this.#options.bucketMs);
    if (newBucket !== null) this.#activity.note(newBucket);
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
    const ids = [...this.#profiles.keys()];
    const meta = ids.map((id) => this.#meta.get(id) ?? this.#options.accountMeta?.(id));
    const pass = linkPass(
      { ids, profiles: [...this.#profiles.values()], meta, shapes: meta.map((m) => (m?.name ? nameSkeleton(m.name) : null)) },
      this.#options,
      this.#pairCache,
      this.#activity.snapshot(),
    );
    this.#links = pass.links.length;
    this.#evaluations = pass.evaluations;
    this.#visits = pass.visits;
    this.#buildClusters(ids, pass);
  }

  #relinkIfStale(): void {
    if (!this.#dirty) return;
    // Enough events between passes that a pass costs at most PAIRS_PER_EVENT evaluations, VISITS_PER_EVENT candidate
    // visits and a quarter of an account's bucketing per event; the interval only brings a pass forward when traffic is light.
    const threshold = Math.max(
      this.#options.relinkEveryEvents,
      ACCOUNT_VISITS_PER_PASS_EVENT * this.#profiles.size,
      Math.ceil(this.#evaluations / PAIRS_PER_EVENT),
      Math.ceil(this.#visits / VISITS_PER_EVENT),
    );
    const due =
      this.#eventsSinceRelink >= threshold ||
      (this.#lastEventAt - this.#lastRelinkAt >= this.#options.relinkIntervalMs && this.#eventsSinceRelink >= threshold / 2);
    if (due) this.relink();
  }

  #buildClusters(ids: readonly string[], pass: PassResult): void {
    const linksByRoot = new Map<number, Link[]>();
    pass.links.forEach((link, i) => {
      const root = pass.linkRoots[i]!;
      const list = linksByRoot.get(root);
      if (list) list.push(link);
      else linksByRoot.set(root, [link]);
    });
    this.#clusters = [];
    this.#clusterByAccount = new Map();
    for (const { root, members: numbers } of pass.groups) {
      const members = numbers.map((i) => ids[i]!).sort();
      const links = linksByRoot.get(root) ?? [];
      const linkKinds: Partial<Record<EvidenceKind, number>> = {};
      for (const link of links) for (const kind of link.kinds) linkKinds[kind] = (linkKinds[kind] ?? 0) + 1;
      const cluster: Cluster = {
        id: `cl-${fnv1a(members[0]!).toString(16).padStart(8, '0')}`,
        accounts: members,
        evidence: this.#describe(links),
        linkKinds,
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
