/**
 * IP rule routes. Rules are stored under their canonical CIDR (see cidr.ts); the gateway polls the store's version
 * and applies a change within a second. One rule per network: a second rule for the same CIDR would make the outcome
 * depend on the tie-break (allow wins on equal prefix), so adding one is a conflict until the first is deleted.
 */
import { z } from 'zod';
import { MoatError } from '../http/errors.ts';
import { IpRuleActionSchema } from '../store/types.ts';
import { newId } from '../store/ids.ts';
import { normaliseCidr } from '../net/ip.ts';
import type { AdminContext, AdminRoute } from './context.ts';
import { expiresIn, expiryFrom, reason } from './schemas.ts';

const CIDR_HINT = 'must be an IPv4/IPv6 address or CIDR such as 10.0.0.0/8 or 2001:db8::/32';

const AddRuleBody = z.strictObject({
  cidr: z.string().transform((text, ctx) => {
    const normal = normaliseCidr(text);
    if (normal === null) {
      ctx.addIssue({ code: 'custom', message: CIDR_HINT });
      return z.NEVER;
    }
    return normal;
  }),
  action: IpRuleActionSchema,
  reason,
  expiresIn: expiresIn.optional(),
});

/** The IP rule routes, mounted under /admin/v1. */
export function ipRuleRoutes(): AdminRoute[] {
  return [
    { method: 'POST', pattern: '/ip-rules', handle: addRule },
    { method: 'GET', pattern: '/ip-rules', handle: listRules },
    { method: 'DELETE', pattern: '/ip-rules/:idOrCidr', handle: removeRule },
  ];
}

async function addRule(ctx: AdminContext) {
  const body = await ctx.body(AddRuleBody);
  const { stores } = ctx.deps;
  const now = ctx.deps.now();
  const existing = (await stores.ipRules.list()).find((r) => r.cidr === body.cidr && (r.expiresAt === null || r.expiresAt > now));
  if (existing) {
    throw new MoatError('conflict', `a ${existing.action} rule for ${body.cidr} already exists (${existing.id}); delete it first with DELETE /admin/v1/ip-rules/${existing.id}`, { param: 'cidr' });
  }
  const rule = { id: newId('ipr'), cidr: body.cidr, action: body.action, reason: body.reason, actor: ctx.actor, createdAt: now, expiresAt: expiryFrom(now, body.expiresIn) };
  const saved = await stores.ipRules.add(rule, ctx.action(`ip_rule.${body.action}`, rule.cidr, { ruleId: rule.id, reason: rule.reason, expiresAt: rule.expiresAt }));
  return { status: 201, body: { rule: saved } };
}

async function listRules(ctx: AdminContext) {
  ctx.queryAs(z.strictObject({}));
  const now = ctx.deps.now();
  const rules = await ctx.deps.stores.ipRules.list();
  const items = rules.map((r) => ({ ...r, expired: r.expiresAt !== null && r.expiresAt <= now })).sort((a, b) => a.createdAt - b.createdAt);
  return { status: 200, body: { items } };
}

async function removeRule(ctx: AdminContext, params: Record<string, string>) {
  const raw = params.idOrCidr;
  const { stores } = ctx.deps;
  // A CIDR is matched in canonical form, so `10.1.2.3/8` deletes the rule stored as `10.0.0.0/8`.
  const target = raw.startsWith('ipr_') ? raw : (normaliseCidr(raw) ?? raw);
  // Checked first so a miss answers 404 without writing an audit row for a change that did not happen.
  const matching = (await stores.ipRules.list()).filter((r) => r.id === target || r.cidr === target);
  if (matching.length === 0) throw new MoatError('not_found', `no IP rule with id or CIDR '${raw}'; list rules with GET /admin/v1/ip-rules`);
  const details = { rules: matching.map((r) => ({ id: r.id, cidr: r.cidr, action: r.action })) };
  const removed = await stores.ipRules.remove(target, ctx.action('ip_rule.remove', target, details));
  return { status: 200, body: { removed, target } };
}
