/** Loads the record a route is about or answers 404 with a message that says where to look instead. */
import { MoatError } from '../http/errors.ts';
import type { Account, ApiKey } from '../store/types.ts';
import type { AdminContext } from './context.ts';

export async function requireAccount(ctx: AdminContext, id: string): Promise<Account> {
  const account = await ctx.deps.stores.accounts.get(id);
  if (!account) throw accountNotFound(id);
  return account;
}

export function accountNotFound(id: string): MoatError {
  return new MoatError('not_found', `account '${id}' does not exist; list accounts with GET /admin/v1/accounts`);
}

export async function requireKey(ctx: AdminContext, id: string): Promise<ApiKey> {
  const key = await ctx.deps.stores.keys.get(id);
  if (!key) throw keyNotFound(id);
  return key;
}

export function keyNotFound(id: string): MoatError {
  return new MoatError('not_found', `key '${id}' does not exist; list an account's keys with GET /admin/v1/accounts/:id/keys`);
}
