/**
 * Detection through the real gateway over loopback with the official OpenAI SDK: graduated actions change what a
 * client gets, an admin reverses them through the admin API, and shadow mode changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type DetectionGateway, startDetectionGateway } from './testing/detection-gateway.ts';
import { dialFake } from './testing/engine-fixtures.ts';

const dial = dialFake('api-probing');

const EVENTS = 5;
const DETECTION = { minEventsForAction: EVENTS, thresholds: { throttle: 0.5, degrade: 0.7, ban: 0.9 }, actions: { throttleFactor: 0.25, throttleUnlimitedRpm: 1000, degrade: { maxN: 1, maxTokens: 32 } } };

async function send(client: OpenAI, temperature: number, times: number, extra: Record<string, unknown> = {}) {
  for (let i = 0; i < times; i++) await client.chat.completions.create({ model: 'test-chat', temperature, messages: [{ role: 'user', content: `question ${i}` }], ...extra });
}

async function statusOf(promise: Promise<unknown>): Promise<{ status: number; code: string | null }> {
  try {
    await promise;
    return { status: 200, code: null };
  } catch (err) {
    if (err instanceof OpenAI.APIError) return { status: err.status ?? 0, code: (err.code as string | null) ?? null };
    throw err;
  }
}

const sdk = (g: DetectionGateway, key: string) => new OpenAI({ apiKey: key, baseURL: g.baseURL, maxRetries: 0 });
const probing = { logprobs: true, top_logprobs: 5, n: 4, max_tokens: 500 };

describe('detection enforced through the gateway', () => {
  let g: DetectionGateway;
  before(async () => {
    g = await startDetectionGateway({ detection: { shadow: false, ...DETECTION }, detectors: [dial] });
  });
  after(() => g.close());

  test('throttle multiplies the account limits', async () => {
    const { accountId, key } = await g.createAccount({ requestsPerMinute: 8 });
    const client = sdk(g, key);
    await send(client, 0.55, EVENTS);
    await g.settle(accountId, EVENTS);
    assert.equal(g.detection.actions.get(accountId)?.level, 'throttle');
    // 8 rpm × 0.25 = 2 per minute, and 5 were already sent this minute.
    assert.deepEqual(await statusOf(send(client, 0, 1)), { status: 429, code: 'rate_limit_exceeded' });
  });

  test('degrade strips logprobs, caps n and max_tokens, and refuses logit_bias with logprobs', async () => {
    const { accountId, key } = await g.createAccount();
    const client = sdk(g, key);
    await send(client, 0.75, EVENTS);
    await g.settle(accountId, EVENTS);
    assert.equal(g.detection.actions.get(accountId)?.level, 'degrade');
    await send(client, 0, 1, probing);
    const seen = g.upstream.received.at(-1)?.body ?? {};
    assert.equal(seen.logprobs, undefined);
    assert.equal(seen.top_logprobs, undefined);
    assert.equal(seen.n, 1);
    assert.equal(seen.max_tokens, 32);
    const refused = await statusOf(send(client, 0, 1, { ...probing, logit_bias: { '50256': -100 } }));
    assert.deepEqual(refused, { status: 403, code: 'detection_restricted' });
  });

  test('ban goes through the ban store; the admin API shows why and reverses it', async () => {
    const { accountId, key } = await g.createAccount();
    const client = sdk(g, key);
    await send(client, 0.95, EVENTS);
    await g.settle(accountId, EVENTS);
    assert.deepEqual(await statusOf(send(client, 0, 1)), { status: 403, code: 'account_banned' });

    const view = await g.admin.detectAccount(accountId);
    assert.equal(view.current?.level, 'ban');
    assert.equal(view.action?.level, 'ban');
    assert.match(view.current?.reasons[0] ?? '', /dialled to 0\.95/);
    assert.equal(view.detectors[0].name, 'api-probing');
    assert.ok(view.history.length >= 1);
    const bans = await g.admin.listBans({ accountId });
    assert.equal(bans.items[0].actor, 'detector');

    const cleared = await g.admin.clearDetectionAction(accountId, { reason: 'reviewed: benign' });
    assert.deepEqual(cleared, { accountId, previous: 'ban', unbanned: 1 });
    assert.deepEqual(await statusOf(send(client, 0, 1, probing)), { status: 200, code: null });
    assert.equal(g.upstream.received.at(-1)?.body.top_logprobs, 5, 'nothing degraded after the clear');
    await assert.rejects(g.admin.clearDetectionAction(accountId), /no detection action/);
    const audit = await g.admin.adminActions({ limit: 5 });
    assert.ok(audit.items.some((r) => r.actor === 'alice' && r.action === 'detect.clear'));
    assert.ok(audit.items.some((r) => r.actor === 'detector' && r.action === 'account.ban'));
  });

  test('the clusters route answers and the detection metrics are on /metrics', async () => {
    const clusters = await g.admin.detectClusters();
    assert.ok(Array.isArray(clusters.items));
    const metrics = await (await fetch(`${g.baseURL.replace(/\/v1$/, '')}/metrics`)).text();
    assert.match(metrics, /moat_detection_events_total\{outcome="scored"\} \d+/);
    assert.match(metrics, /moat_detection_actions_total\{level="ban",mode="applied"\} 1/);
  });
});

describe('detection in shadow mode', () => {
  let g: DetectionGateway;
  before(async () => {
    g = await startDetectionGateway({ detection: { shadow: true, ...DETECTION }, detectors: [dial] });
  });
  after(() => g.close());

  test('decides and records a ban but changes nothing a client sees', async () => {
    const { accountId, key } = await g.createAccount({ requestsPerMinute: 8 });
    const client = sdk(g, key);
    await send(client, 0.95, EVENTS);
    await g.settle(accountId, EVENTS);
    await send(client, 0.95, 1, { ...probing, logit_bias: { '50256': -100 } });
    await g.settle(accountId, EVENTS + 1);
    const seen = g.upstream.received.at(-1)?.body ?? {};
    assert.equal(seen.top_logprobs, 5);
    assert.equal(seen.n, 4);
    assert.equal(seen.max_tokens, 500);
    const view = await g.admin.detectAccount(accountId);
    assert.equal(view.shadow, true);
    assert.equal(view.shadowLevel, 'ban');
    assert.equal(view.action, null);
    assert.equal(view.current?.level, 'ban');
    assert.equal((await g.admin.listBans({ accountId })).items.length, 0);
    assert.equal(g.detection.actions.size, 0);
  });
});
