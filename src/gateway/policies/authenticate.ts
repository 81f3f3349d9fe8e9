/**
 * Resolves `Authorization: Bearer <key>` to an account. Unknown, malformed and wrong keys all get the same 401 and
 * cost the same (the HMAC is always computed and compared in constant time), so the answer does not reveal which keys
 * exist. Revoked or expired keys are named as such only to a caller who presented the real key.
 */
import { MoatError } from '../../http/errors.ts';
import { ApiKeyHasher } from '../../keys/api-key.ts';
import type { Policy } from '../context.ts';
import type { CachedLookups } from '../lookup-cache.ts';

const INVALID = 'invalid API key: send a valid key as "Authorization: Bearer <key>"';

export function authenticate(options: { lookups: CachedLookups; hasher: ApiKeyHasher }): Policy {
  const { lookups, hasher } = options;
  return async function authenticate(ctx, next) {
    const header = ctx.req.headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const prefix = ApiKeyHasher.prefixOf(presented);
    const candidates = prefix ? await lookups.keysByPrefix(prefix, ctx.receivedAt) : [];
    const index = hasher.match(presented, candidates.map((k) => k.hash));
    if (index === -1) throw new MoatError('unauthorized', INVALID);
    const key = candidates[index];
    if (key.revokedAt !== null && key.revokedAt <= ctx.receivedAt) throw new MoatError('unauthorized', `API key ${key.prefix}… was revoked`);
    if (key.expiresAt !== null && key.expiresAt <= ctx.receivedAt) {
      const why = key.replacedBy ? 'was rotated and its grace period has ended' : 'has expired';
      throw new MoatError('unauthorized', `API key ${key.prefix}… ${why}`);
    }
    const account = await lookups.account(key.accountId, ctx.receivedAt);
    if (!account) throw new MoatError('unauthorized', INVALID);
    if (account.status === 'suspended') throw new MoatError('account_suspended', `account ${account.id} is suspended`);
    ctx.principal = { account, key };
    await next();
  };
}
