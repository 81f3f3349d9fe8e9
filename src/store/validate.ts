/**
 * Write-side checks shared by every adapter. The admin API validates requests at its edge; these checks make the
 * stores safe on their own, so a bad value is refused with `invalid_request` instead of being written and then
 * failing every later read of the row.
 */
import { z } from 'zod';
import { MoatError } from '../http/errors.ts';
import type { AccountPatch, NewAccount, NewApiKey } from './interfaces.ts';
import { type AdminAction, type IpRule, IpRuleActionSchema, LimitOverridesSchema, MetadataSchema } from './types.ts';

export const AllowedModelsSchema = z.array(z.string().min(1).max(128)).max(1000).nullable();
export const DetailsSchema = z.record(z.string(), z.unknown());

const NameSchema = z.string().min(1).max(200);
const nullableTime = z.number().int().min(0).nullable();

const NewAccountSchema = z.object({
  name: NameSchema,
  metadata: MetadataSchema.optional(),
  limits: LimitOverridesSchema.optional(),
  allowedModels: AllowedModelsSchema.optional(),
});

const AccountPatchSchema = z.object({
  name: NameSchema.optional(),
  metadata: MetadataSchema.optional(),
  status: z.enum(['active', 'suspended']).optional(),
  limits: LimitOverridesSchema.optional(),
  allowedModels: AllowedModelsSchema.optional(),
});

const NewApiKeySchema = z.object({
  id: z.string().min(1).max(64),
  accountId: z.string().min(1),
  prefix: z.string().min(1).max(64),
  hash: z.string().min(1),
  name: z.string().max(200).nullable(),
  createdAt: z.number().int().min(0),
  expiresAt: nullableTime,
});

const NewBanSchema = z.object({
  id: z.string().min(1).max(64),
  accountId: z.string().min(1),
  reason: z.string().max(1000),
  actor: z.string().min(1),
  createdAt: z.number().int().min(0),
  expiresAt: nullableTime,
});

const IpRuleSchema = z.object({
  id: z.string().min(1).max(64),
  // The watcher skips CIDRs it cannot parse; the admin API checks them properly with the config's `cidr` schema.
  cidr: z.string().min(1).max(64),
  action: IpRuleActionSchema,
  reason: z.string().max(1000),
  actor: z.string().min(1),
  createdAt: z.number().int().min(0),
  expiresAt: nullableTime,
});

const AdminActionSchema = z.object({
  actor: z.string().min(1),
  action: z.string().min(1),
  target: z.string(),
  details: DetailsSchema,
});

function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  throw new MoatError('invalid_request', `invalid ${what}${path ? ` field ${path}` : ''}: ${issue?.message ?? 'invalid value'}`, {
    param: path || undefined,
  });
}

/** Checks a new account. */
export const checkNewAccount = (input: NewAccount): NewAccount => check(NewAccountSchema, input, 'account');
/** Checks an account patch. */
export const checkAccountPatch = (patch: AccountPatch): AccountPatch => check(AccountPatchSchema, patch, 'account patch');
/** Checks a new API key record. */
export const checkNewApiKey = (key: NewApiKey): NewApiKey => check(NewApiKeySchema, key, 'API key');
export type NewBan = z.infer<typeof NewBanSchema>;
/** Checks a new ban. */
export const checkNewBan = (ban: NewBan): NewBan => check(NewBanSchema, ban, 'ban');
/** Checks an IP rule. */
export const checkIpRule = (rule: IpRule): IpRule => check(IpRuleSchema, rule, 'IP rule');

/**
 * Checks an admin action and returns it as it will be stored: `details` goes through JSON so every adapter keeps
 * exactly what a JSON column would (no undefined fields, no class instances).
 */
export function checkAdminAction(audit: AdminAction): AdminAction {
  const valid = check(AdminActionSchema, audit, 'admin action');
  let details: unknown;
  try {
    details = JSON.parse(JSON.stringify(valid.details));
  } catch (err) {
    throw new MoatError('invalid_request', `admin action details are not JSON-serialisable: ${(err as Error).message}`, { cause: err });
  }
  return { ...valid, details: DetailsSchema.parse(details) };
}

/** A deep copy through JSON, so the memory adapter keeps exactly what a JSON column would (undefined fields vanish). */
export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
