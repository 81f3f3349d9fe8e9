import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ActiveActions } from '../../detect/active-actions.ts';
import type { ActiveAction } from '../../detect/types.ts';
import { MoatError } from '../../http/errors.ts';
import type { GatewayContext } from '../context.ts';
import { applyDetectionActions, throttledLimits } from './apply-detection-actions.ts';

const degrade: ActiveAction = {
  accountId: 'acct_a',
  level: 'degrade',
  limitFactor: 0.25,
  degrade: { stripLogprobs: true, maxN: 1, maxTokens: 64, refuseLogitBiasWithLogprobs: true },
  reasons: ['test'],
  since: 0,
  clusterId: null,
};

function ctxWith(body: Record<string, unknown>, accountId = 'acct_a', routeName: 'chat' | 'embeddings' = 'chat') {
  return {
    routeName,
    principal: { account: { id: accountId } },
    request: { body, bodyChanged: false, maxCompletionTokens: 4000 },
  } as unknown as GatewayContext;
}

async function run(actions: ActiveActions, ctx: GatewayContext): Promise<boolean> {
  let reached = false;
  await applyDetectionActions({ actions })(ctx, async () => {
    reached = true;
  });
  return reached;
}

describe('applyDetectionActions', () => {
  const actions = new ActiveActions();
  actions.set(degrade);

  test('degrade strips logprobs, caps n and max_tokens, and keeps the reservation in step', async () => {
    const ctx = ctxWith({ logprobs: true, top_logprobs: 5, n: 8, max_tokens: 500 });
    assert.equal(await run(actions, ctx), true);
    assert.deepEqual(ctx.request?.body, { n: 1, max_tokens: 64 });
    assert.equal(ctx.request?.bodyChanged, true);
    assert.equal(ctx.request?.maxCompletionTokens, 64);
  });

  test('degrade sets a cap when none was asked, using the field the client used', async () => {
    const absent = ctxWith({});
    await run(actions, absent);
    assert.equal(absent.request?.body.max_tokens, 64);
    const newer = ctxWith({ max_completion_tokens: 1000 });
    await run(actions, newer);
    assert.deepEqual(newer.request?.body, { max_completion_tokens: 64 });
  });

  test('logit_bias with logprobs is refused with 403 detection_restricted; alone it passes', async () => {
    await assert.rejects(run(actions, ctxWith({ logprobs: true, logit_bias: { 1: 5 } })), (err: unknown) => {
      assert.ok(err instanceof MoatError);
      assert.equal(err.code, 'detection_restricted');
      assert.equal(err.status, 403);
      return true;
    });
    assert.equal(await run(actions, ctxWith({ logit_bias: { 1: 5 }, max_tokens: 10 })), true);
  });

  test('other accounts and non-generating routes are untouched', async () => {
    const other = ctxWith({ logprobs: true, n: 8 }, 'acct_b');
    await run(actions, other);
    assert.deepEqual(other.request?.body, { logprobs: true, n: 8 });
    assert.equal(other.request?.bodyChanged, false);
    const embed = ctxWith({ input: 'x' }, 'acct_a', 'embeddings');
    await run(actions, embed);
    assert.equal(embed.request?.bodyChanged, false);
  });
});

describe('throttledLimits', () => {
  const limits = { requestsPerMinute: 100, tokensPerMinute: 10_000, requestsPerDay: 0, concurrentRequests: 3 };
  test('scales set limits (at least 1), keeps unlimited dimensions, and caps an unlimited rpm', () => {
    assert.equal(throttledLimits(limits, undefined, 60), limits);
    assert.deepEqual(throttledLimits(limits, degrade, 60), { requestsPerMinute: 25, tokensPerMinute: 2500, requestsPerDay: 0, concurrentRequests: 1 });
    assert.equal(throttledLimits({ ...limits, requestsPerMinute: 0 }, degrade, 60).requestsPerMinute, 60);
  });
});
