/** Phase 1: gives every request an id, echoed in `x-request-id` and in every error body, log line and audit row. */
import { randomUUID } from 'node:crypto';
import type { Policy } from '../context.ts';

/**
 * @example assignRequestId()
 */
export function assignRequestId(): Policy {
  return async function assignRequestId(ctx, next) {
    ctx.requestId = `req_${randomUUID().replaceAll('-', '')}`;
    ctx.responseHeaders['x-request-id'] = ctx.requestId;
    await next();
  };
}
