/**
 * The engine with the built-in detectors (createDetectors) on crafted traffic: a logit-probing templated harvester,
 * a benign chat user and a hard negative (a bulk customer running one legitimate template on a schedule). Shadow mode,
 * so the levels are decisions only.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createBuiltinDetectors } from './builtin-detectors.ts';
import type { RequestEvent } from './bus.ts';
import { createRng, DAY, exponentialGap, humanFollowUp, humanPrompt, randomWords, T0 } from './detectors/testing/traffic.ts';
import { HashedNgramEmbedder } from './embedding/hashed-embedder.ts';
import { engineFixture, requestEvent } from './testing/engine-fixtures.ts';

const N = 300;

function harvester(): RequestEvent[] {
  const rng = createRng(11);
  return Array.from({ length: N }, (_, i) =>
    requestEvent({
      accountId: 'attacker',
      at: T0 + i * 1000,
      promptText: `Answer precisely and show your reasoning step by step: ${randomWords(rng, 8)}?`,
      params: { n: 8, logprobs: true, topLogprobs: 20, logitBias: true, maxTokens: 1, temperature: i % 5 === 0 ? 0 : 1.5, stream: false },
    }),
  );
}

function chatUser(): RequestEvent[] {
  const rng = createRng(12);
  let at = T0 + 8 * 3_600_000;
  const events: RequestEvent[] = [];
  for (let i = 0; i < N; i++) {
    // Awake 08:00–22:00 UTC: 60 requests a day at random times.
    at += exponentialGap(rng, (14 * 3_600_000) / 60);
    const hour = new Date(at).getUTCHours();
    if (hour >= 22 || hour < 8) at = Math.ceil((at - 8 * 3_600_000) / DAY) * DAY + 8 * 3_600_000 + exponentialGap(rng, 600_000);
    const followUp = i > 0 && rng.next() < 0.35;
    events.push(requestEvent({ accountId: 'benign', at, promptText: followUp ? humanFollowUp(rng) : humanPrompt(rng, ['cooking', 'code', 'travel']), assistantTurns: followUp ? 1 : 0 }));
  }
  return events;
}

function bulkCustomer(): RequestEvent[] {
  const rng = createRng(13);
  return Array.from({ length: N }, (_, i) =>
    requestEvent({
      accountId: 'bulk',
      at: T0 + 2 * 3_600_000 + i * 30_000 + Math.floor(rng.next() * 5_000),
      promptText: `Summarise this support ticket in one line. Ticket #${1000 + i}: customer reports ${randomWords(rng, 5)} after the update.`,
    }),
  );
}

async function run() {
    const f = engineFixture({ detectors: await createBuiltinDetectors(new HashedNgramEmbedder()), detection: { shadow: true, minEventsForAction: 30, idleEvictSeconds: 30 * 86_400 }, defaultWeights: true });
    const streams = [harvester(), chatUser(), bulkCustomer()];
    const all = streams.flat().sort((a, b) => a.at - b.at);
    for (const e of all) {
      f.engine.enqueue(e);
      if (f.engine.queueSize > 200) await f.engine.drain();
    }
    await f.engine.drain();
  return f;
}

const summaryOf = (f: Awaited<ReturnType<typeof run>>) =>
  ['attacker', 'benign', 'bulk'].map((id) => { const a = f.engine.account(id)?.assessment; return `${id}: ${a?.risk.toFixed(2)} ${a?.level} ${a?.reasons.slice(0, 2).join(' | ')}`; }).join('\n');

describe('DetectionEngine with the built-in detectors (default weights and thresholds)', () => {
  test('the harvester reaches ban; the chat user is only observed; the bulk customer is not banned', async () => {
    const f = await run();
    const level = (id: string) => f.engine.account(id)?.assessment;
    const summary = summaryOf(f);
    assert.equal(level('attacker')?.level, 'ban', summary);
    assert.equal(level('benign')?.level, 'observe', summary);
    assert.notEqual(level('bulk')?.level, 'ban', summary);
    assert.equal(f.executor.shadowLevelOf('benign'), null, summary);
  });

  // Once a known false positive (templating 1.0 + MMD 1.0 reached degrade, ~0.77): a single skeleton now scores at most
  // 0.6 and a window far narrower than benign traffic counts half in MMD, so the job stays at observe.
  test('the bulk customer is not acted on at all', async () => {
    const f = await run();
    assert.equal(f.engine.account('bulk')?.assessment?.level, 'observe', summaryOf(f));
  });
});
