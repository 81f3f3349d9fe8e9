/**
 * Detection routes: what detection thinks of an account (scores, each detector's contribution and reasons, level,
 * action in force, linked cluster, history), the linked clusters, and the admin's reversal of an automatic action
 * (lifts the detector's ban, removes the throttle/degrade, and makes detection start the account afresh).
 */
import { z } from 'zod';
import type { DetectionService } from '../detect/service.ts';
import { MoatError } from '../http/errors.ts';
import type { AdminContext, AdminRoute } from './context.ts';
import { requireAccount } from './lookup.ts';
import { reason } from './schemas.ts';

const ShowQuery = z.strictObject({ history: z.coerce.number().int().min(0).max(1000).default(20) });
const ClearBody = z.strictObject({ reason: reason.optional() });

/** The detection routes, mounted under /admin/v1. */
export function detectRoutes(): AdminRoute[] {
  return [
    { method: 'GET', pattern: '/detect/accounts/:id', handle: showAccount },
    { method: 'DELETE', pattern: '/detect/accounts/:id/action', handle: clearAction },
    { method: 'GET', pattern: '/detect/clusters', handle: listClusters },
  ];
}

function detection(ctx: AdminContext): DetectionService {
  const service = ctx.deps.detection;
  if (!service) throw new MoatError('conflict', 'detection is not running in this process (detection.enabled is false in the configuration)');
  return service;
}

async function showAccount(ctx: AdminContext, params: Record<string, string>) {
  const query = ctx.queryAs(ShowQuery);
  const service = detection(ctx);
  const account = await requireAccount(ctx, params.id);
  return { status: 200, body: await service.accountView(account.id, query.history) };
}

async function clearAction(ctx: AdminContext, params: Record<string, string>) {
  const body = await ctx.body(ClearBody, { optional: true });
  const service = detection(ctx);
  const account = await requireAccount(ctx, params.id);
  const result = await service.clearAction(account.id, ctx.actor, body.reason ?? null);
  if (result.previous === null) throw new MoatError('conflict', `account '${account.id}' has no detection action to clear`);
  return { status: 200, body: { accountId: account.id, ...result } };
}

async function listClusters(ctx: AdminContext) {
  ctx.queryAs(z.strictObject({}));
  return { status: 200, body: { items: await detection(ctx).clusterViews() } };
}
