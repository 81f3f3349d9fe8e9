/**
 * Detection on its worker thread (the default) behind the real gateway over loopback: the built-in detectors see a
 * logit prober through the worker, the action is applied on the gateway thread, the admin API reads the worker's state,
 * a clear reverses it, and the worker's metrics reach the gateway's /metrics.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type DetectionGateway, startDetectionGateway } from '../testing/detection-gateway.ts';
import { requestEvent } from '../testing/engine-fixtures.ts';

/** The api-probing score grows with the number of probing requests; 40 is well past its ramp. */
const N = 40;

describe('detection in the worker thread', () => {
  let g: DetectionGateway;
  before(async () => {
    g = await startDetectionGateway({ detection: { worker: true, shadow: false, minEventsForAction: 10 } });
  });
  after(() => g.close());

  test('a logit prober is degraded while still probing, through the worker; the admin view and a clear work across the thread boundary', async () => {
    assert.equal(g.detection.engine, null, 'the engine runs in the worker');
    const { accountId, key } = await g.createAccount();
    const client = new OpenAI({ apiKey: key, baseURL: g.baseURL, maxRetries: 0 });
    let served = 0;
    let refusal: string | null = null;
    for (let i = 0; i < N && refusal === null; i++) {
      try {
        await client.chat.completions.create({ model: 'test-chat', max_tokens: 1, logprobs: true, top_logprobs: 20, logit_bias: { [String(100 + i)]: 100 }, messages: [{ role: 'user', content: `Repeat the word number ${i}` }] });
        served++;
      } catch (err) {
        refusal = err instanceof OpenAI.APIError ? String(err.code) : String(err);
      }
    }
    // Actions apply while the prober is still sending: degrade refuses logit_bias with logprobs, a ban refuses all.
    assert.ok(refusal === 'detection_restricted' || refusal === 'account_banned', `refused with ${refusal} after ${served}`);
    assert.ok(served >= 10 && served < N, `served ${served}`);
    await g.settle(accountId, served);
    const view = await g.admin.detectAccount(accountId);
    assert.equal(view.events, served);
    assert.ok(view.current && view.current.risk >= 0.75, JSON.stringify(view.current));
    assert.ok(view.detectors.some((d) => d.name === 'api-probing' && d.score >= 0.75));
    const level = view.action?.level;
    assert.ok(level === 'degrade' || level === 'ban');

    const cleared = await g.admin.clearDetectionAction(accountId, { reason: 'test' });
    assert.ok(cleared.previous === 'degrade' || cleared.previous === 'ban');
    const after = await g.admin.detectAccount(accountId);
    assert.equal(after.action, null);
    assert.equal(after.current, null, 'the worker forgot the evidence');

    // The worker posts its metrics once a second; under load the post can lag, so wait for it rather than a fixed time.
    const metrics = await metricsOnceMatching(g, new RegExp(`moat_detection_event_seconds_count ${served}\\b`));
    assert.match(metrics, new RegExp(`moat_detection_events_total\\{outcome="scored"\\} ${served}\\b`));
    // The level the worker took (degrade, or straight to ban when the evidence arrives in one batch) is the one counted.
    assert.match(metrics, new RegExp(`moat_detection_actions_total\\{level="${level}",mode="applied"\\} 1\\b`));
    // The worker's per-event time histogram is mirrored too: every scored event counted, buckets included.
    assert.match(metrics, new RegExp(`moat_detection_event_seconds_count ${served}\\b`));
    assert.match(metrics, /moat_detection_event_seconds_bucket\{le="\+Inf"\} \d+/);
  });
});

describe('detection worker hand-off', () => {
  let g: DetectionGateway;
  before(async () => {
    g = await startDetectionGateway({ detection: { worker: true, queueCapacity: 3 } });
  });
  after(() => g.close());

  test('a burst beyond the queue capacity is shed on the gateway thread and counted, never blocking', async () => {
    const { accountId } = await g.createAccount();
    const started = performance.now();
    for (let i = 0; i < 10; i++) g.gateway.bus.publish(requestEvent({ accountId }));
    assert.ok(performance.now() - started < 50, 'publishing never waits for the worker');
    await g.detection.drain();
    assert.equal((await g.detection.accountView(accountId, 0)).events, 3);
    const metrics = await metricsOnceMatching(g, /moat_detection_events_total\{outcome="shed"\} \d+/);
    assert.match(metrics, /moat_detection_events_total\{outcome="shed"\} 7/);
  });
});

/** /metrics once it matches `ready` (the worker's once-a-second post has arrived), or after 10 s as it is. */
async function metricsOnceMatching(g: DetectionGateway, ready: RegExp): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const text = await (await fetch(`${g.baseURL.replace(/\/v1$/, '')}/metrics`)).text();
    if (ready.test(text) || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 200));
  }
}
