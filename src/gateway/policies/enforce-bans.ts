/** Refuses every key of a banned account with 403 `account_banned`, the reason and, if any, when the ban ends. */
import { MoatError } from '../../http/errors.ts';
import type { Policy } from '../context.ts';
import type { CachedLookups } from '../lookup-cache.ts';

export function enforceBans(options: { lookups: CachedLookups; onBanned?: () => void }): Policy {
  const { lookups, onBanned = () => {} } = options;
  return async function enforceBans(ctx, next) {
    const account = ctx.principal?.account;
    const ban = account ? await lookups.activeBan(account.id, ctx.receivedAt) : null;
    if (ban) {
      onBanned();
      const until = ban.expiresAt ? ` until ${new Date(ban.expiresAt).toISOString()}` : '';
      throw new MoatError('account_banned', `account ${ban.accountId} is banned${until}: ${ban.reason}`);
    }
    await next();
  };
}
