/**
 * Account routes. An account is created together with its first API key, because an account without a key cannot
 * call anything; the full key appears only in that response. PATCH follows JSON merge-patch (RFC 7396) for `limits`
 * and `metadata`: a field set to null removes the override, so the account falls back to `limits.account`.
 */
import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import { MoatError } from '../http/errors.ts';
import type { AccountPatch } from '../store/interfaces.ts';
import { AccountStatusSchema, type LimitOverrides, type Metadata, MetadataSchema } from '../store/types.ts';
import type { AdminContext, AdminRoute } from './context.ts';
import { issueKey } from './keys.ts';
import { accountNotFound, requireAccount } from './lookup.ts';
import { expiresIn, keyName, pageQuery } from './schemas.ts';
import { keyView } from './views.ts';

const limitValue = z.number().int('must be a whole number').min(0, 'must be ≥ 0 (0 means no limit)');
const LIMIT_FIELDS = ['requestsPerMinute', 'tokensPerMinute', 'requestsPerDay', 'concurrentRequests'] as const;

const LimitsInput = z.strictObject(Object.fromEntries(LIMIT_FIELDS.map((f) => [f, limitValue.optional()])) as Record<(typeof LIMIT_FIELDS)[number], z.ZodOptional<typeof limitValue>>);
const LimitsPatch = z.strictObject(Object.fromEntries(LIMIT_FIELDS.map((f) => [f, limitValue.nullable().optional()])) as Record<(typeof LIMIT_FIELDS)[number], z.ZodOptional<z.ZodNullable<typeof limitValue>>>);
const accountName = z.string().trim().min(1, 'must not be empty').max(128);
const modelList = z.array(z.string().min(1).max(128)).max(256);

const CreateAccountBody = z.strictObject({
  name: accountName,
  metadata: MetadataSchema.optional(),
  limits: LimitsInput.optional(),
  /** Omitted or null: every configured model. */
  allowedModels: modelList.nullable().optional(),
  /** Options for the first key. */
  keyName: keyName.optional(),
  keyExpiresIn: expiresIn.optional(),
});

const PatchAccountBody = z
  .strictObject({
    name: accountName.optional(),
    status: AccountStatusSchema.optional(),
    metadata: z.record(z.string().max(64), z.union([z.string().max(1024), z.number(), z.boolean(), z.null()])).optional(),
    limits: LimitsPatch.optional(),
    allowedModels: modelList.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'send at least one of name, status, metadata, limits, allowedModels');

const ListQuery = z.strictObject({ ...pageQuery, status: AccountStatusSchema.optional() });

/** The account routes, mounted under /admin/v1. */
export function accountRoutes(): AdminRoute[] {
  return [
    { method: 'POST', pattern: '/accounts', handle: createAccount },
    { method: 'GET', pattern: '/accounts', handle: listAccounts },
    { method: 'GET', pattern: '/accounts/:id', handle: showAccount },
    { method: 'PATCH', pattern: '/accounts/:id', handle: patchAccount },
  ];
}

async function createAccount(ctx: AdminContext) {
  const { stores, config, now } = ctx.deps;
  const body = await ctx.body(CreateAccountBody);
  if (body.allowedModels) checkModels(config, body.allowedModels);
  const input = { name: body.name, metadata: body.metadata ?? {}, limits: body.limits ?? {}, allowedModels: body.allowedModels ?? null };
  // The store assigns the id and fills it in as the audit row's target.
  const account = await stores.accounts.create(input, ctx.action('account.create', '', { ...input }));
  const key = await issueKey(ctx, account.id, body.keyName ?? null, body.keyExpiresIn, now());
  return { status: 201, body: { account, key } };
}

async function listAccounts(ctx: AdminContext) {
  const query = ctx.queryAs(ListQuery);
  return { status: 200, body: await ctx.deps.stores.accounts.list(query) };
}

async function showAccount(ctx: AdminContext, params: Record<string, string>) {
  const { stores, now } = ctx.deps;
  const account = await requireAccount(ctx, params.id);
  const at = now();
  const [keys, ban] = await Promise.all([stores.keys.listByAccount(account.id), stores.bans.activeBan(account.id, at)]);
  return { status: 200, body: { account, keys: keys.map((k) => keyView(k, at)), ban } };
}

async function patchAccount(ctx: AdminContext, params: Record<string, string>) {
  const body = await ctx.body(PatchAccountBody);
  const current = await requireAccount(ctx, params.id);
  if (body.allowedModels) checkModels(ctx.deps.config, body.allowedModels);
  const patch: AccountPatch = {};
  if (body.name !== undefined) patch.name = body.name;
  if (body.status !== undefined) patch.status = body.status;
  if (body.allowedModels !== undefined) patch.allowedModels = body.allowedModels;
  if (body.limits !== undefined) patch.limits = mergePatch(current.limits, body.limits) as LimitOverrides;
  if (body.metadata !== undefined) patch.metadata = mergePatch(current.metadata, body.metadata) as Metadata;
  const account = await ctx.deps.stores.accounts.update(current.id, patch, ctx.action('account.update', current.id, { ...patch }));
  if (!account) throw accountNotFound(params.id);
  return { status: 200, body: { account } };
}

/** A typo in a model name would silently lock the account out, so names must be configured models (if any are). */
function checkModels(config: Config, models: readonly string[]): void {
  if (config.models.length === 0) return;
  const known = new Set(config.models.map((m) => m.name));
  const unknown = models.filter((m) => !known.has(m));
  if (unknown.length > 0) {
    const list = [...known].join(', ');
    throw new MoatError('invalid_request', `invalid 'allowedModels': unknown model '${unknown[0]}'; configured models: ${list}`, { param: 'allowedModels' });
  }
}

/** RFC 7396 on a flat object: null deletes a field, anything else replaces it. */
function mergePatch<T>(base: Record<string, T>, patch: Record<string, T | null | undefined>): Record<string, T> {
  const out: Record<string, T> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (value !== undefined) out[key] = value;
  }
  return out;
}
