/**
 * API-key routes. A key is shown in full exactly once, in the response that creates it; afterwards only its id and
 * public prefix exist. Rotation issues a successor and lets the old key live for a grace period, so a client can
 * switch without an outage; revocation is immediate.
 */
import { z } from 'zod';
import { MoatError } from '../http/errors.ts';
import { newId } from '../store/ids.ts';
import type { AdminContext, AdminRoute } from './context.ts';
import { keyNotFound, requireAccount, requireKey } from './lookup.ts';
import { expiresIn, expiryFrom, keyName } from './schemas.ts';
import { keyStatus, keyView } from './views.ts';

/** The one response that carries a full key. */
export interface IssuedKeyView {
  id: string;
  /** The full key: shown once, never stored. */
  key: string;
  prefix: string;
  accountId: string;
  name: string | null;
  expiresAt: number | null;
}

const CreateKeyBody = z.strictObject({ name: keyName.optional(), expiresIn: expiresIn.optional() });
const RotateBody = z.strictObject({
  /** Seconds the old key keeps working; defaults to gateway.keyRotationGraceSeconds. 0 ends it now. */
  graceSeconds: z.number().int('must be a whole number of seconds').min(0).max(365 * 86_400, 'must be at most 365 days').optional(),
});

/** The key routes, mounted under /admin/v1. */
export function keyRoutes(): AdminRoute[] {
  return [
    { method: 'POST', pattern: '/accounts/:id/keys', handle: createKey },
    { method: 'GET', pattern: '/accounts/:id/keys', handle: listKeys },
    { method: 'POST', pattern: '/keys/:id/revoke', handle: revokeKey },
    { method: 'POST', pattern: '/keys/:id/rotate', handle: rotateKey },
  ];
}

/** Issues and stores a new key for `accountId` (also used when an account is created). */
export async function issueKey(ctx: AdminContext, accountId: string, name: string | null, expiresInSeconds: number | undefined, now: number): Promise<IssuedKeyView> {
  const { hasher, stores } = ctx.deps;
  const issued = hasher.issue();
  const id = newId('key');
  const expiresAt = expiryFrom(now, expiresInSeconds);
  await stores.keys.create(
    { id, accountId, prefix: issued.prefix, hash: issued.hash, name, createdAt: now, expiresAt },
    ctx.action('key.create', id, { accountId, prefix: issued.prefix, name, expiresAt }),
  );
  return { id, key: issued.key, prefix: issued.prefix, accountId, name, expiresAt };
}

async function createKey(ctx: AdminContext, params: Record<string, string>) {
  const body = await ctx.body(CreateKeyBody, { optional: true });
  const account = await requireAccount(ctx, params.id);
  return { status: 201, body: await issueKey(ctx, account.id, body.name ?? null, body.expiresIn, ctx.deps.now()) };
}

async function listKeys(ctx: AdminContext, params: Record<string, string>) {
  const account = await requireAccount(ctx, params.id);
  const now = ctx.deps.now();
  const keys = await ctx.deps.stores.keys.listByAccount(account.id);
  return { status: 200, body: { items: keys.map((k) => keyView(k, now)) } };
}

async function revokeKey(ctx: AdminContext, params: Record<string, string>) {
  await ctx.body(z.strictObject({}), { optional: true });
  const now = ctx.deps.now();
  const key = await requireKey(ctx, params.id);
  if (key.revokedAt !== null) throw new MoatError('conflict', `key '${key.id}' was already revoked at ${new Date(key.revokedAt).toISOString()}`);
  const revoked = await ctx.deps.stores.keys.revoke(key.id, now, ctx.action('key.revoke', key.id, { accountId: key.accountId, prefix: key.prefix }));
  if (!revoked) throw keyNotFound(key.id);
  return { status: 200, body: { key: keyView(revoked, now) } };
}

async function rotateKey(ctx: AdminContext, params: Record<string, string>) {
  const body = await ctx.body(RotateBody, { optional: true });
  const { hasher, stores, config } = ctx.deps;
  const now = ctx.deps.now();
  const old = await requireKey(ctx, params.id);
  const status = keyStatus(old, now);
  if (status === 'revoked' || status === 'expired') throw new MoatError('conflict', `key '${old.id}' is ${status} and cannot be rotated; create a new key instead`);
  if (old.replacedBy !== null) throw new MoatError('conflict', `key '${old.id}' was already rotated; its successor is '${old.replacedBy}'`);

  const graceSeconds = body.graceSeconds ?? config.gateway.keyRotationGraceSeconds;
  // Rotation must never lengthen a key's life: the old key ends at the earlier of its own expiry and the grace end,
  // and the successor inherits the old key's absolute expiry.
  const graceEnd = now + graceSeconds * 1000;
  const oldExpiresAt = old.expiresAt === null ? graceEnd : Math.min(old.expiresAt, graceEnd);
  const issued = hasher.issue();
  const next = { id: newId('key'), accountId: old.accountId, prefix: issued.prefix, hash: issued.hash, name: old.name, createdAt: now, expiresAt: old.expiresAt };
  const details = { accountId: old.accountId, successor: next.id, prefix: issued.prefix, oldExpiresAt };
  const rotated = await stores.keys.rotate(old.id, next, oldExpiresAt, ctx.action('key.rotate', old.id, details));
  if (!rotated) throw keyNotFound(old.id);
  const view: IssuedKeyView = { id: next.id, key: issued.key, prefix: issued.prefix, accountId: next.accountId, name: next.name, expiresAt: next.expiresAt };
  return { status: 201, body: { ...view, replaces: { id: old.id, prefix: old.prefix, expiresAt: oldExpiresAt } } };
}
