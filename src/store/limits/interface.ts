/**
 * The limit store port. One `acquire` checks every scope of a request (account, client IP, subnet) and, only if all
 * pass, records the request in all of them — atomically, so 500 concurrent requests can never slip past a limit
 * between a check and its record. Tokens are reserved up front (prompt + max completion) and settled later with the
 * upstream's real usage; `release` frees the concurrency slot.
 *
 * The memory adapter is exact on one node (Node runs the check-and-record without interleaving). A Redis adapter for
 * several gateway nodes will implement the same port with a Lua script.
 */
import type { LimitSet } from '../../config/schema.ts';

export type ScopeKind = 'account' | 'ip' | 'subnet';

export interface LimitScope {
  kind: ScopeKind;
  /** e.g. the account id, `203.0.113.7`, `203.0.113.0/24`. */
  key: string;
  limits: LimitSet;
}

export interface LimitRequest {
  scopes: LimitScope[];
  /** Tokens to reserve: prompt tokens + the most the completion may use. */
  tokens: number;
  now: number;
}

/** What the response headers report for the tightest scope (OpenAI's `x-ratelimit-*`). */
export interface LimitSnapshot {
  limitRequests: number;
  remainingRequests: number;
  resetRequestsMs: number;
  limitTokens: number;
  remainingTokens: number;
  resetTokensMs: number;
}

export type LimitDimension = 'requests_per_minute' | 'tokens_per_minute' | 'requests_per_day' | 'concurrent_requests';

export type AcquireResult =
  | { ok: true; lease: Lease; snapshot: LimitSnapshot | null }
  | { ok: false; scope: LimitScope; dimension: LimitDimension; retryAfterMs: number; message: string; snapshot: LimitSnapshot | null };

/** A granted request: which scopes it counted in and how many tokens it holds. */
export interface Lease {
  readonly id: number;
  readonly scopes: readonly LimitScope[];
  readonly reservedTokens: number;
  readonly at: number;
}

export interface LimitStore {
  acquire(request: LimitRequest): AcquireResult | Promise<AcquireResult>;
  /** Replaces the lease's reservation with the tokens really used (refunds the rest, or charges the excess). */
  settle(lease: Lease, usedTokens: number): void | Promise<void>;
  /** Frees the concurrency slot; idempotent. */
  release(lease: Lease): void | Promise<void>;
  /** Sets today's (UTC) request count for a scope, e.g. replayed from the audit log after a restart. */
  restoreDaily(kind: ScopeKind, key: string, requests: number, now: number): void | Promise<void>;
  close(): Promise<void>;
}
