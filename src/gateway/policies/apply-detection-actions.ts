/**
 * Applies the detection action in force on the request's account (src/detect/active-actions.ts: one Map lookup).
 * Runs after bans and the body read, before limits:
 * - degrade (and ban, whose refusal itself comes from the BanStore via enforceBans): refuses `logit_bias` together
 *   with logprobs (403 `detection_restricted`), strips `logprobs`/`top_logprobs`, caps `n` and the completion token
 *   limit, and marks the body changed so the upstream phase re-serialises it;
 * - throttle (and the levels above): `throttledLimits` (used by enforceLimits) multiplies the account's limits.
 * Shadow mode never fills ActiveActions, so this phase then changes nothing.
 */
import type { LimitSet } from '../../config/schema.ts';
import type { ActiveActions } from '../../detect/active-actions.ts';
import type { ActiveAction } from '../../detect/types.ts';
import { MoatError } from '../../http/errors.ts';
import type { ModelRequest, Policy } from '../context.ts';

export function applyDetectionActions(options: { actions: ActiveActions; onApplied?: (level: ActiveAction['level']) => void }): Policy {
  const { actions, onApplied = () => {} } = options;
  return async function applyDetectionActions(ctx, next) {
    const account = ctx.principal?.account;
    const action = account ? actions.get(account.id) : undefined;
    if (action?.degrade && ctx.request && (ctx.routeName === 'chat' || ctx.routeName === 'completions')) {
      degrade(ctx.request, action.degrade);
      onApplied(action.level);
    } else if (action) onApplied(action.level);
    await next();
  };
}

type Degrade = NonNullable<ActiveAction['degrade']>;

function degrade(request: ModelRequest, d: Degrade): void {
  const body = request.body;
  const wantsLogprobs = (body.logprobs !== undefined && body.logprobs !== null && body.logprobs !== false && body.logprobs !== 0) || (typeof body.top_logprobs === 'number' && body.top_logprobs > 0);
  const biased = typeof body.logit_bias === 'object' && body.logit_bias !== null && Object.keys(body.logit_bias).length > 0;
  if (d.refuseLogitBiasWithLogprobs && wantsLogprobs && biased) {
    throw new MoatError('detection_restricted', 'this account may not combine logit_bias with logprobs; send one or the other', { param: 'logit_bias' });
  }
  let changed = false;
  if (d.stripLogprobs && ('logprobs' in body || 'top_logprobs' in body)) {
    delete body.logprobs;
    delete body.top_logprobs;
    changed = true;
  }
  const n = typeof body.n === 'number' ? body.n : 1;
  if (n > d.maxN) {
    body.n = d.maxN;
    changed = true;
  }
  const field = body.max_completion_tokens !== undefined && body.max_completion_tokens !== null ? 'max_completion_tokens' : 'max_tokens';
  const asked = typeof body[field] === 'number' ? (body[field] as number) : null;
  if (asked === null || asked > d.maxTokens) {
    body[field] = d.maxTokens;
    changed = true;
  }
  if (!changed) return;
  request.bodyChanged = true;
  // Keep the limits phase's reservation in step with the capped request: max tokens × choices × prompts.
  const prompts = Array.isArray(body.prompt) && typeof body.prompt[0] === 'string' ? body.prompt.length : 1;
  request.maxCompletionTokens = Math.min(request.maxCompletionTokens, (body[field] as number) * Math.min(n, d.maxN) * prompts);
}

/**
 * The account's limits under a throttle: every set limit times the factor (at least 1), and an unlimited
 * requests-per-minute replaced by `unlimitedRpm`, so throttling always bites.
 */
export function throttledLimits(limits: LimitSet, action: ActiveAction | undefined, unlimitedRpm: number): LimitSet {
  if (!action) return limits;
  const scale = (v: number) => (v === 0 ? 0 : Math.max(1, Math.floor(v * action.limitFactor)));
  return {
    requestsPerMinute: limits.requestsPerMinute === 0 ? unlimitedRpm : scale(limits.requestsPerMinute),
    tokensPerMinute: scale(limits.tokensPerMinute),
    requestsPerDay: scale(limits.requestsPerDay),
    concurrentRequests: scale(limits.concurrentRequests),
  };
}
