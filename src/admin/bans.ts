/**
 * Ban routes. A ban stops an account at the gateway (403 account_banned) until it expires or is lifted. One ban is
 * in force at a time: banning a banned account is a conflict, so an expiry is changed by unbanning and banning again,
 * which leaves both decisions in the admin audit log.
 */
import { z } from 'zod';
import { MoatError } from '../http/errors.ts';
import { newId } from '../store/ids.ts';
import type { AdminContext, AdminRoute } from './context.ts';
import { requireAccount } from './lookup.ts';
import { expiresIn, expiryFrom, pageQuery, queryBoolean, reason } from './schemas.ts';

const BanBody = z
  .strictObject({
    reason,
    /** Seconds from now. */
    expiresIn: expiresIn.optional(),
    /** Epoch milliseconds or an ISO-8601 date. */
    expiresAt: z.union([z.number().int().positive(), z.iso.datetime({ offset: true })]).optional(),
  })
  .refine((b) => b.expiresIn === undefined || b.expiresAt === undefined, { message: 'give expiresIn or expiresAt, not both', path: ['expiresAt'] });

const UnbanBody = z.strictObject({ reason: reason.optional() });

const ListQuery = z.strictObject({
  ...pageQuery,
  accountId: z.string().min(1).optional(),
  /** true: only bans in force now; otherwise every ban, lifted and expired included. */
  active: queryBoolean.optional(),
});

/** The ban routes, mounted under /admin/v1. */
export function banRoutes(): AdminRoute[] {
  return [
    { method: 'POST', pattern: '/accounts/:id/ban', handle: banAccount },
    { method: 'POST', pattern: '/accounts/:id/unban', handle: unbanAccount },
    { method: 'GET', pattern: '/bans', handle: listBans },
  ];
}

async function banAccount(ctx: AdminContext, params: Record<string, string>) {
  const body = await ctx.body(BanBody);
  const { stores } = ctx.deps;
  const now = ctx.deps.now();
  const account = await requireAccount(ctx, params.id);
  const expiresAt = body.expiresAt === undefined ? expiryFrom(now, body.expiresIn) : toEpochMs(body.expiresAt);
  if (expiresAt !== null && expiresAt <= now) {
    throw new MoatError('invalid_request', `invalid 'expiresAt': ${new Date(expiresAt).toISOString()} is in the past`, { param: 'expiresAt' });
  }
  const current = await stores.bans.activeBan(account.id, now);
  if (current) {
    const until = current.expiresAt === null ? 'indefinitely' : `until ${new Date(current.expiresAt).toISOString()}`;
    throw new MoatError('conflict', `account '${account.id}' is already banned ${until} (ban ${current.id}); unban it first to change the ban`);
  }
  const id = newId('ban');
  const ban = await stores.bans.ban(
    { id, accountId: account.id, reason: body.reason, actor: ctx.actor, createdAt: now, expiresAt },
    ctx.action('account.ban', account.id, { banId: id, reason: body.reason, expiresAt }),
  );
  return { status: 201, body: { ban } };
}

async function unbanAccount(ctx: AdminContext, params: Record<string, string>) {
  const body = await ctx.body(UnbanBody, { optional: true });
  const { stores } = ctx.deps;
  const now = ctx.deps.now();
  const account = await requireAccount(ctx, params.id);
  const current = await stores.bans.activeBan(account.id, now);
  if (!current) throw new MoatError('conflict', `account '${account.id}' is not banned`);
  const lifted = await stores.bans.unban(account.id, ctx.actor, now, ctx.action('account.unban', account.id, { banId: current.id, reason: body.reason ?? null }));
  return { status: 200, body: { accountId: account.id, lifted } };
}

async function listBans(ctx: AdminContext) {
  const query = ctx.queryAs(ListQuery);
  const page = await ctx.deps.stores.bans.list({
    accountId: query.accountId,
    activeAt: query.active ? ctx.deps.now() : undefined,
    limit: query.limit,
    cursor: query.cursor,
  });
  return { status: 200, body: page };
}

function toEpochMs(value: number | string): number {
  return typeof value === 'number' ? value : Date.parse(value);
}
