/**
 * Audit: after the response has ended (or failed), appends one row per request — who, from where, what, the status,
 * the decision and its reason, tokens, latency, and SHA-256 hashes of prompt and completion (their text too when
 * `audit.storeText` is `full`). Runs outside the error handler so refusals are recorded with their final status.
 */
import { hash } from 'node:crypto';
import type { AuditStore } from '../../store/interfaces.ts';
import type { Policy } from '../context.ts';

// One-shot hashing: about a third of the cost of createHash().update().digest() for prompt-sized texts.
const sha256 = (text: string) => hash('sha256', text, 'hex');

export function writeAudit(options: { audit: AuditStore; storeText: 'off' | 'full' }): Policy {
  const { audit, storeText } = options;
  return async function writeAudit(ctx, next) {
    try {
      await next();
    } finally {
      const { outcome, request } = ctx;
      const completion = outcome.completionText;
      audit.append({
        ts: ctx.receivedAt,
        requestId: ctx.requestId,
        accountId: ctx.principal?.account.id ?? null,
        keyId: ctx.principal?.key.id ?? null,
        clientIp: ctx.clientIp?.text ?? ctx.req.socket.remoteAddress ?? '',
        subnet: ctx.subnet,
        model: request?.route.name ?? null,
        route: ctx.routeName ?? (ctx.req.url ?? '').slice(0, 200),
        status: outcome.status || 500,
        tokensIn: outcome.tokensIn,
        tokensOut: outcome.tokensOut,
        latencyMs: Math.round((performance.now() - ctx.startedAt) * 1000) / 1000,
        upstreamMs: outcome.upstreamMs === null ? null : Math.round(outcome.upstreamMs * 1000) / 1000,
        decision: outcome.decision,
        reason: outcome.reason,
        promptHash: request ? sha256(request.promptText) : null,
        completionHash: completion ? sha256(completion) : null,
        promptText: storeText === 'full' && request ? request.promptText : null,
        completionText: storeText === 'full' && completion ? completion : null,
      });
    }
  };
}
