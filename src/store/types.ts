/**
 * Domain records shared by every store adapter. Times are epoch milliseconds; `null` means "never" for
 * expiries and "not happened" for revocations.
 */
import { z } from 'zod';
import type { LimitSet } from '../config/schema.ts';

export const AccountStatusSchema = z.enum(['active', 'suspended']);
export type AccountStatus = z.infer<typeof AccountStatusSchema>;

export const MetadataSchema = z.record(z.string().max(64), z.union([z.string().max(1024), z.number(), z.boolean()]));
export type Metadata = z.infer<typeof MetadataSchema>;

const limitOverride = z.number().int().min(0).optional();

/**
 * Per-account overrides; a field left out falls back to `limits.account` in the config. Spelled out rather than
 * `LimitSetSchema.partial()`: zod keeps the 0 defaults through `.partial()`, which would turn every omitted field
 * into an explicit "no limit".
 */
export const LimitOverridesSchema = z.strictObject({
  requestsPerMinute: limitOverride,
  tokensPerMinute: limitOverride,
  requestsPerDay: limitOverride,
  concurrentRequests: limitOverride,
} satisfies Record<keyof LimitSet, unknown>);
export type LimitOverrides = z.infer<typeof LimitOverridesSchema>;

export interface Account {
  id: string;
  name: string;
  metadata: Metadata;
  status: AccountStatus;
  limits: LimitOverrides;
  /** Models this account may call; `null` means every configured model. */
  allowedModels: string[] | null;
  createdAt: number;
}

export interface ApiKey {
  id: string;
  accountId: string;
  /** Public lookup prefix, also shown in listings so an owner can tell keys apart. */
  prefix: string;
  /** HMAC-SHA-256(server secret, full key), hex. The key itself is never stored. */
  hash: string;
  name: string | null;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  /** Set on a key that was rotated: the id of its successor. */
  replacedBy: string | null;
}

export interface Ban {
  id: string;
  accountId: string;
  reason: string;
  actor: string;
  createdAt: number;
  expiresAt: number | null;
  liftedAt: number | null;
  liftedBy: string | null;
}

export const IpRuleActionSchema = z.enum(['allow', 'deny']);
export type IpRuleAction = z.infer<typeof IpRuleActionSchema>;

export interface IpRule {
  id: string;
  cidr: string;
  action: IpRuleAction;
  reason: string;
  actor: string;
  createdAt: number;
  expiresAt: number | null;
}

export type Decision = 'allow' | 'deny' | 'error';

/** One row per data-plane request, written after the response ends. */
export interface RequestAuditRecord {
  ts: number;
  requestId: string;
  accountId: string | null;
  keyId: string | null;
  clientIp: string;
  subnet: string;
  model: string | null;
  route: string;
  status: number;
  tokensIn: number;
  tokensOut: number;
  latencyMs: number;
  upstreamMs: number | null;
  decision: Decision;
  reason: string | null;
  promptHash: string | null;
  completionHash: string | null;
  promptText: string | null;
  completionText: string | null;
}

/** One row per admin change, written in the same transaction as the change itself. */
export interface AdminAction {
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

export interface AdminAuditRecord extends AdminAction {
  id: number;
  ts: number;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}
