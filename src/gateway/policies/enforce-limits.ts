/**
 * Enforces request, token, daily and concurrency limits per account, client IP and subnet. Tokens are reserved before
 * the upstream is called (prompt + max completion), then settled with what the upstream really used — after the
 * stream ends, or when the client leaves mid-stream, or refunded entirely on an upstream failure — so concurrent
 * requests cannot overrun a token limit the way post-hoc charging allows.
 */
import type { LimitSet } from '../../config/schema.ts';
import { MoatError } from '../../http/errors.ts';
import type { LimitScope, LimitSnapshot, LimitStore } from '../../store/limits/interface.ts';
import type { GatewayContext, Policy } from '../context.ts';

export interface EnforceLimitsOptions {
  store: LimitStore;
  /** Config defaults: `account` is overridden field by field by each account's own limits. */
  defaults: { account: LimitSet; ip: LimitSet; subnet: LimitSet };
  onStoreError: 'deny' | 'allow';
  onRejected?: (scope: LimitScope['kind'], dimension: string) => void;
  onStoreFailure?: (err: unknown) => void;
  /** Adjusts an account's effective limits (detection throttling); identity when absent. */
  adjustAccountLimits?: (accountId: string, limits: LimitSet) => LimitSet;
}

const unlimited = (l: LimitSet) => l.requestsPerMinute === 0 && l.tokensPerMinute === 0 && l.requestsPerDay === 0 && l.concurrentRequests === 0;

export function enforceLimits(options: EnforceLimitsOptions): Policy {
  const { store, defaults, onStoreError, onRejected = () => {}, onStoreFailure = () => {} } = options;
  return async function enforceLimits(ctx, next) {
    const scopes = scopesOf(ctx, defaults, options.adjustAccountLimits);
    if (scopes.length === 0) return next();
    const tokens = ctx.request ? ctx.request.promptTokens + ctx.request.maxCompletionTokens : 0;
    let result: Awaited<ReturnType<LimitStore['acquire']>>;
    try {
      result = await store.acquire({ scopes, tokens, now: ctx.receivedAt });
    } catch (err) {
      onStoreFailure(err);
      if (onStoreError === 'allow') return next();
      throw new MoatError('limit_store_unavailable', 'limits cannot be checked right now; retry shortly', { cause: err, headers: { 'retry-after': '1' } });
    }
    if (result.snapshot) setRateLimitHeaders(ctx.responseHeaders, result.snapshot);
    if (!result.ok) {
      onRejected(result.scope.kind, result.dimension);
      const code = result.dimension === 'concurrent_requests' ? 'concurrency_limit_exceeded' : result.dimension === 'requests_per_day' ? 'daily_quota_exceeded' : 'rate_limit_exceeded';
      throw new MoatError(code, result.message, { headers: { 'retry-after': String(Math.max(1, Math.ceil(result.retryAfterMs / 1000))) } });
    }
    const lease = result.lease;
    ctx.lease = lease;
    try {
      await next();
    } finally {
      // Upstream failures (5xx we produced) generated nothing: tokensIn/out stay 0 and the reservation is refunded.
      const used = ctx.outcome.tokensIn + ctx.outcome.tokensOut;
      await Promise.resolve(store.settle(lease, used)).catch(onStoreFailure);
      await Promise.resolve(store.release(lease)).catch(onStoreFailure);
    }
  };
}

function scopesOf(ctx: GatewayContext, defaults: EnforceLimitsOptions['defaults'], adjust?: EnforceLimitsOptions['adjustAccountLimits']): LimitScope[] {
  const scopes: LimitScope[] = [];
  const account = ctx.principal?.account;
  if (account) {
    const own = { ...defaults.account, ...account.limits };
    const limits = adjust ? adjust(account.id, own) : own;
    if (!unlimited(limits)) scopes.push({ kind: 'account', key: account.id, limits });
  }
  if (ctx.clientIp && !unlimited(defaults.ip)) scopes.push({ kind: 'ip', key: ctx.clientIp.text, limits: defaults.ip });
  if (ctx.subnet && !unlimited(defaults.subnet)) scopes.push({ kind: 'subnet', key: ctx.subnet, limits: defaults.subnet });
  return scopes;
}

/** OpenAI's header names; reset values in its `1m2.5s` duration style. */
function setRateLimitHeaders(headers: Record<string, string>, s: LimitSnapshot): void {
  if (s.limitRequests > 0) {
    headers['x-ratelimit-limit-requests'] = String(s.limitRequests);
    headers['x-ratelimit-remaining-requests'] = String(s.remainingRequests);
    headers['x-ratelimit-reset-requests'] = formatReset(s.resetRequestsMs);
  }
  if (s.limitTokens > 0) {
    headers['x-ratelimit-limit-tokens'] = String(s.limitTokens);
    headers['x-ratelimit-remaining-tokens'] = String(s.remainingTokens);
    headers['x-ratelimit-reset-tokens'] = formatReset(s.resetTokensMs);
  }
}

export function formatReset(ms: number): string {
  const clamped = Math.max(0, ms);
  const minutes = Math.floor(clamped / 60_000);
  const rest = clamped % 60_000;
  // Whole milliseconds (the usual case: times come from Date.now()) already print with at most 3 decimals.
  const s = Number.isInteger(rest) ? `${rest / 1000}s` : `${Number((rest / 1000).toFixed(3))}s`;
  return minutes > 0 ? `${minutes}m${s}` : s;
}
