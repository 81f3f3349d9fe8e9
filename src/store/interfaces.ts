/**
 * Store ports. Adapters (memory/, sqlite/; Postgres and Redis later) each implement these; `openStores()` in
 * index.ts picks them from config. Every mutating call that an admin makes takes the `AdminAction` and writes it in
 * the same transaction as the change, so no change exists without its audit row and vice versa. A call that changes
 * nothing (unknown id, already revoked, nothing to lift or remove) writes no audit row. Bad input is refused with a
 * MoatError (`invalid_request`, `not_found` for a missing account, `conflict` for a duplicate id).
 */
import type { DetectionStore } from './detections.ts';
import type {
  Account,
  AccountStatus,
  AdminAction,
  AdminAuditRecord,
  ApiKey,
  Ban,
  IpRule,
  LimitOverrides,
  Metadata,
  Page,
  RequestAuditRecord,
} from './types.ts';

export interface NewAccount {
  name: string;
  metadata?: Metadata;
  limits?: LimitOverrides;
  allowedModels?: string[] | null;
}

export interface AccountPatch {
  name?: string;
  metadata?: Metadata;
  status?: AccountStatus;
  limits?: LimitOverrides;
  allowedModels?: string[] | null;
}

export interface AccountStore {
  create(input: NewAccount, audit: AdminAction): Promise<Account>;
  get(id: string): Promise<Account | null>;
  /** Creation order. */
  list(query: { limit: number; cursor?: string; status?: AccountStatus }): Promise<Page<Account>>;
  update(id: string, patch: AccountPatch, audit: AdminAction): Promise<Account | null>;
}

export type NewApiKey = Omit<ApiKey, 'revokedAt' | 'replacedBy'>;

export interface KeyStore {
  create(key: NewApiKey, audit: AdminAction): Promise<ApiKey>;
  get(id: string): Promise<ApiKey | null>;
  /** Hot path: every key with this public prefix (normally one). */
  findByPrefix(prefix: string): Promise<ApiKey[]>;
  listByAccount(accountId: string): Promise<ApiKey[]>;
  /** null for an unknown id; revoking an already revoked key keeps its first `revokedAt`. */
  revoke(id: string, at: number, audit: AdminAction): Promise<ApiKey | null>;
  /**
   * Atomically adds `next` and makes `oldId` expire at `oldExpiresAt` (or its own earlier expiry) with
   * `replacedBy = next.id`. null for an unknown id; `conflict` for a revoked or already rotated key.
   */
  rotate(oldId: string, next: NewApiKey, oldExpiresAt: number, audit: AdminAction): Promise<{ old: ApiKey; next: ApiKey } | null>;
}

export interface BanStore {
  ban(input: { id: string; accountId: string; reason: string; actor: string; createdAt: number; expiresAt: number | null }, audit: AdminAction): Promise<Ban>;
  /** Lifts every active ban on the account; returns how many were lifted. */
  unban(accountId: string, actor: string, at: number, audit: AdminAction): Promise<number>;
  /** Hot path: the ban in force at `now` (created at or before, not expired, not lifted), the most severe first. */
  activeBan(accountId: string, now: number): Promise<Ban | null>;
  /** Newest first. */
  list(query: { accountId?: string; activeAt?: number; limit: number; cursor?: string }): Promise<Page<Ban>>;
}

export interface IpRuleStore {
  add(rule: IpRule, audit: AdminAction): Promise<IpRule>;
  /** Removes by id or by exact CIDR; returns how many rules were removed. */
  remove(idOrCidr: string, audit: AdminAction): Promise<number>;
  list(): Promise<IpRule[]>;
  /**
   * A number that changes whenever any rule changes, from this process or another one sharing the store; the
   * gateway polls it to rebuild its compiled rule set within a second without re-reading rules on every request.
   */
  version(): Promise<number>;
}

export interface AuditQuery {
  accountId?: string;
  keyId?: string;
  clientIp?: string;
  model?: string;
  decision?: string;
  status?: number;
  since?: number;
  until?: number;
  limit: number;
  /** Opaque; from a previous page. Pages run newest first. */
  cursor?: string;
}

export interface AuditStore {
  /** Queued and committed in batches (WAL); `flush()` forces it, and `close()` flushes. */
  append(record: RequestAuditRecord): void;
  flush(): Promise<void>;
  query(query: AuditQuery): Promise<Page<RequestAuditRecord & { id: number }>>;
  adminActions(query: { actor?: string; action?: string; limit: number; cursor?: string }): Promise<Page<AdminAuditRecord>>;
  /** Erases stored prompt/completion text older than `before`; hashes and metadata stay. */
  purgeText(before: number): Promise<number>;
  /**
   * Model requests admitted since `since` (every decision but `deny`), per account, client IP and subnet: what the
   * gateway replays into its daily counters at start-up, so a restart does not hand out a fresh daily quota.
   */
  admittedSince(since: number): Promise<AdmittedCount[]>;
}

export interface AdmittedCount {
  scope: 'account' | 'ip' | 'subnet';
  key: string;
  requests: number;
}

export interface Stores {
  accounts: AccountStore;
  keys: KeyStore;
  bans: BanStore;
  ipRules: IpRuleStore;
  audit: AuditStore;
  detections: DetectionStore;
  close(): Promise<void>;
}
