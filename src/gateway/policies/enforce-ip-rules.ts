/** Refuses clients whose address falls in a deny rule (403 `ip_blocked`), using the watcher's compiled rule set. */
import { MoatError } from '../../http/errors.ts';
import type { Policy } from '../context.ts';
import type { IpRuleWatcher } from '../net/ip-rule-watcher.ts';

export function enforceIpRules(options: { rules: IpRuleWatcher }): Policy {
  const { rules } = options;
  return async function enforceIpRules(ctx, next) {
    const rule = ctx.clientIp ? rules.match(ctx.clientIp, ctx.receivedAt) : null;
    if (rule) {
      const until = rule.expiresAt ? ` until ${new Date(rule.expiresAt).toISOString()}` : '';
      throw new MoatError('ip_blocked', `requests from ${ctx.clientIp?.text} are blocked (${rule.cidr}${until}): ${rule.reason}`);
    }
    await next();
  };
}
