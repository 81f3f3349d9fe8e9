/**
 * Read-only audit routes: the per-request log the gateway writes and the log of admin changes. Both page newest
 * first with an opaque cursor. Stored prompt/completion text is part of a request row only when
 * `audit.storeText` is on, and then only until the retention job erases it.
 */
import { z } from 'zod';
import type { AdminContext, AdminRoute } from './context.ts';
import { pageQuery, queryTime } from './schemas.ts';

const RequestAuditQuery = z
  .strictObject({
    ...pageQuery,
    accountId: z.string().min(1).optional(),
    keyId: z.string().min(1).optional(),
    clientIp: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    decision: z.enum(['allow', 'deny', 'error']).optional(),
    status: z.coerce.number().int().min(100).max(599).optional(),
    since: queryTime.optional(),
    until: queryTime.optional(),
  })
  .refine((q) => q.since === undefined || q.until === undefined || q.since <= q.until, { message: 'must not be after until', path: ['since'] });

const AdminActionQuery = z.strictObject({
  ...pageQuery,
  actor: z.string().min(1).optional(),
  action: z.string().min(1).optional(),
});

/** The audit routes, mounted under /admin/v1. */
export function auditRoutes(): AdminRoute[] {
  return [
    { method: 'GET', pattern: '/audit', handle: queryRequests },
    { method: 'GET', pattern: '/admin-actions', handle: queryAdminActions },
  ];
}

async function queryRequests(ctx: AdminContext) {
  const query = ctx.queryAs(RequestAuditQuery);
  // Rows are batched before they reach the store; flushing first means a request that has just ended is visible.
  await ctx.deps.stores.audit.flush();
  return { status: 200, body: await ctx.deps.stores.audit.query(query) };
}

async function queryAdminActions(ctx: AdminContext) {
  const query = ctx.queryAs(AdminActionQuery);
  return { status: 200, body: await ctx.deps.stores.audit.adminActions(query) };
}
