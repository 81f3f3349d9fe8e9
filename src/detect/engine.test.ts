import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Stores } from '../store/interfaces.ts';
import { openMemoryStores } from '../store/memory/index.ts';
import { dialFake, engineFixture, fixedLinker, metricValue, probingFake, requestEvent, throwingFake } from './testing/engine-fixtures.ts';
import type { Detector } from './types.ts';

const SETUP = { actor: 'test', action: 'setup', target: '-', details: {} };
const probe = { n: null, logprobs: true, topLogprobs: 5, logitBias: true, maxTokens: 1, temperature: 0, stream: false };

const dial = dialFake('volume-pacing');

async function accounts(stores: Stores, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await stores.accounts.create({ name: `acct-${i}` }, SETUP)).id);
  return ids;
}

const dialled = (accountId: string, temperature: number) => requestEvent({ accountId, params: { ...probe, logprobs: null, logitBias: false, temperature } });

describe('DetectionEngine', () => {
  test('a logit prober is banned with reasons; a benign account on the same engine is only observed', async () => {
    const f = engineFixture({ detectors: [probingFake()] });
    const [attacker, benign] = await accounts(f.stores, 2);
    for (let i = 0; i < 10; i++) {
      f.engine.enqueue(requestEvent({ accountId: attacker, params: probe }));
      f.engine.enqueue(requestEvent({ accountId: benign }));
    }
    await f.engine.drain();
    const a = f.engine.account(attacker)?.assessment;
    assert.equal(a?.risk, 1);
    assert.equal(a?.level, 'ban');
    assert.match(a?.reasons[0] ?? '', /api-probing \(1\.00\): 10 of 10 requests probe logits/);
    assert.equal(f.engine.account(benign)?.assessment?.level, 'observe');
    const ban = await f.stores.bans.activeBan(attacker, Date.now());
    assert.equal(ban?.actor, 'detector');
    assert.match(ban?.reason ?? '', /risk 1\.00.*probe logits/);
    assert.equal(await f.stores.bans.activeBan(benign, Date.now()), null);
    assert.equal(f.actions.get(benign), undefined);
    const history = await f.stores.detections.history(`account:${attacker}`, 10);
    assert.ok(history.length >= 1 && history[0].level === 'ban');
  });

  test('graduated actions fire in order, each audited, and an admin clear reverses them all', async () => {
    const f = engineFixture({ detectors: [dial] });
    const [id] = await accounts(f.stores, 1);
    const levels: string[] = [];
    for (const t of [0.1, 0.55, 0.75, 0.95]) {
      for (let i = 0; i < 5; i++) f.engine.enqueue(dialled(id, t));
      await f.engine.drain();
      levels.push(f.actions.get(id)?.level ?? 'none');
    }
    assert.deepEqual(levels, ['none', 'throttle', 'degrade', 'ban']);
    assert.equal(f.actions.get(id)?.limitFactor, f.config.actions.throttleFactor);
    assert.deepEqual(f.actions.get(id)?.degrade, f.config.actions.degrade);
    const audit = (await f.stores.audit.adminActions({ limit: 50 })).items.reverse().filter((r) => r.actor === 'detector');
    assert.deepEqual(audit.map((r) => r.action), ['detect.throttle', 'detect.degrade', 'account.ban', 'detect.ban']);
    assert.deepEqual((audit[0].details as { reasons: string[] }).reasons, ['volume-pacing (0.55): dialled to 0.55']);

    // Risk falling does not lower the level: only an admin does.
    for (let i = 0; i < 5; i++) f.engine.enqueue(dialled(id, 0));
    await f.engine.drain();
    assert.equal(f.actions.get(id)?.level, 'ban');

    const cleared = await f.executor.clear(id, 'alice', 'false positive');
    f.engine.pardon(id);
    assert.deepEqual(cleared, { previous: 'ban', unbanned: 1 });
    assert.equal(f.actions.get(id), undefined);
    assert.equal(await f.stores.bans.activeBan(id, Date.now()), null);
    assert.deepEqual((await f.stores.detections.actions()).length, 0);
    const last = (await f.stores.audit.adminActions({ limit: 2 })).items.map((r) => `${r.actor}:${r.action}`);
    assert.deepEqual(last, ['alice:detect.clear', 'alice:account.unban']);
  });

  test('shadow mode decides, persists and counts, but applies nothing', async () => {
    const f = engineFixture({ detectors: [probingFake()], detection: { shadow: true } });
    const [id] = await accounts(f.stores, 1);
    for (let i = 0; i < 10; i++) f.engine.enqueue(requestEvent({ accountId: id, params: probe }));
    await f.engine.drain();
    assert.equal(f.engine.account(id)?.assessment?.level, 'ban');
    assert.equal(f.executor.shadowLevelOf(id), 'ban');
    assert.equal(f.actions.size, 0);
    assert.equal(await f.stores.bans.activeBan(id, Date.now()), null);
    assert.deepEqual(await f.stores.detections.actions(), []);
    // The only trace in the admin audit is the decision itself, for an operator to review: no ban, no action rows.
    const audit = (await f.stores.audit.adminActions({ limit: 10 })).items.filter((r) => r.actor === 'detector');
    assert.deepEqual(
      audit.map((r) => `${r.action}:${r.target}`),
      [`detect.shadow.ban:${id}`],
    );
    assert.match(JSON.stringify(audit[0].details), /"risk":1.*"reasons":\[/);
    assert.equal((await f.stores.detections.history(`account:${id}`, 5))[0].level, 'ban');
    assert.equal(await metricValue(f.registry, 'moat_detection_actions_total', { level: 'ban', mode: 'shadow' }), 1);
  });

  test('a throwing detector is isolated and counted; fail-closed makes it count as evidence', async () => {
    const open = engineFixture({ detectors: [throwingFake('mmd'), probingFake()] });
    const [attacker, benign] = await accounts(open.stores, 2);
    for (let i = 0; i < 6; i++) {
      open.engine.enqueue(requestEvent({ accountId: attacker, params: probe }));
      open.engine.enqueue(requestEvent({ accountId: benign }));
    }
    await open.engine.drain();
    assert.equal(open.engine.account(attacker)?.assessment?.level, 'ban', 'the working detector still acts');
    assert.equal(open.engine.account(benign)?.assessment?.risk, 0, 'fail-open: the broken one adds nothing');
    assert.ok((await metricValue(open.registry, 'moat_detection_detector_errors_total', { detector: 'mmd', phase: 'observe' })) >= 12);

    const closed = engineFixture({ detectors: [throwingFake('mmd'), probingFake()], detection: { detectors: { mmd: { failOpen: false, weight: 1 }, 'api-probing': { weight: 1 } }, shadow: true } });
    const [other] = await accounts(closed.stores, 1);
    for (let i = 0; i < 6; i++) closed.engine.enqueue(requestEvent({ accountId: other }));
    await closed.engine.drain();
    assert.equal(closed.engine.account(other)?.assessment?.risk, 1);
    assert.match(closed.engine.account(other)?.assessment?.reasons[0] ?? '', /fail closed/);
  });

  test('a full queue sheds with a metric instead of blocking', async () => {
    const f = engineFixture({ detectors: [probingFake()], detection: { queueCapacity: 3 } });
    const [id] = await accounts(f.stores, 1);
    const accepted = Array.from({ length: 10 }, () => f.engine.enqueue(requestEvent({ accountId: id })));
    assert.deepEqual(accepted, [true, true, true, false, false, false, false, false, false, false]);
    assert.equal(await metricValue(f.registry, 'moat_detection_events_total', { outcome: 'shed' }), 7);
    await f.engine.drain();
    assert.equal(f.engine.account(id)?.events, 3);
    assert.equal(f.engine.enqueue(requestEvent({ accountId: id })), true, 'room again once drained');
  });

  test('malformed events and unknown accounts are rejected with a reason', async () => {
    const f = engineFixture({ detectors: [probingFake(), throwingFake('prada', 'reject')], knownAccounts: ['acct_known'] });
    f.engine.enqueue(requestEvent({ accountId: 'acct_ghost' }));
    f.engine.enqueue({ ...requestEvent({ accountId: 'acct_known' }), accountId: null });
    f.engine.enqueue({ ...requestEvent({ accountId: 'acct_known' }), at: Number.NaN });
    f.engine.enqueue(requestEvent({ accountId: 'acct_known' }));
    await f.engine.drain();
    assert.equal(await metricValue(f.registry, 'moat_detection_rejected_total', { reason: 'unknown account' }), 1);
    assert.equal(await metricValue(f.registry, 'moat_detection_rejected_total', { reason: 'no account' }), 1);
    assert.equal(await metricValue(f.registry, 'moat_detection_rejected_total', { reason: 'bad timestamp' }), 1);
    assert.equal(await metricValue(f.registry, 'moat_detection_rejected_total', { reason: 'detector:prada' }), 1);
    assert.equal(f.engine.account('acct_ghost'), undefined);
    assert.equal(f.engine.account('acct_known')?.events, 1);
  });

  test('a linked cluster is scored from merged states and banned as a whole, evidence attached', async () => {
    const stores = openMemoryStores();
    const ids = await accounts(stores, 4);
    const swarm = ids.slice(0, 3);
    const linker = fixedLinker([{ id: 'c1', accounts: swarm, evidence: ['shared subnet 10.1.2.0/24', 'shared template'] }]);
    const g = engineFixture({ detectors: [dial], stores, linker, detection: { minEventsForAction: 6, clusterRescoreMs: 0 } });
    // Each member alone has 2 events (under minEventsForAction); one member's traffic is damning, the merged state shows it.
    for (const id of swarm) for (let i = 0; i < 2; i++) g.engine.enqueue(dialled(id, id === swarm[0] ? 0.95 : 0.1));
    g.engine.enqueue(dialled(ids[3], 0.95));
    await g.engine.drain();
    assert.equal(linker.observed, 7);
    const clusters = g.engine.clusters();
    assert.equal(clusters[0].assessment?.level, 'ban');
    assert.ok(clusters[0].assessment?.reasons.some((r) => r.includes('shared subnet')));
    for (const id of swarm) {
      const ban = await g.stores.bans.activeBan(id, Date.now());
      assert.ok(ban, `${id} banned with its cluster`);
      assert.match(ban.reason, /linked cluster c1 \(3 accounts\): shared subnet/);
    }
    assert.equal(await g.stores.bans.activeBan(ids[3], Date.now()), null, 'an unlinked account with one event is left alone');
  });

  test('events are enriched off the request path: a unit embedding of the prompt, and followUp from assistant turns', async () => {
    const seen: { followUp: boolean; norm: number | null }[] = [];
    const recorder: Detector<object> = {
      name: 'coverage',
      maxStateBytes: 0,
      create: () => ({}),
      observe: (_s, e) => {
        seen.push({ followUp: e.followUp, norm: e.embedding ? Math.round(e.embedding.reduce((sum, x) => sum + x * x, 0) * 1000) / 1000 : null });
      },
      score: () => ({ score: 0, reasons: [], features: {} }),
      merge: () => ({}),
    };
    const f = engineFixture({ detectors: [recorder] });
    f.engine.enqueue(requestEvent({ accountId: 'a', promptText: 'first question', assistantTurns: 0 }));
    f.engine.enqueue(requestEvent({ accountId: 'a', promptText: 'and a follow-up', assistantTurns: 2 }));
    f.engine.enqueue(requestEvent({ accountId: 'a', promptText: '' }));
    await f.engine.drain();
    assert.deepEqual(seen, [
      { followUp: false, norm: 1 },
      { followUp: true, norm: 1 },
      { followUp: false, norm: null },
    ]);
  });

  test('events carry sharedBy: how many other accounts sent the exact prompt before (public material)', async () => {
    const seen: number[] = [];
    const recorder: Detector<object> = {
      name: 'coverage',
      maxStateBytes: 0,
      create: () => ({}),
      observe: (_s, e) => {
        seen.push(e.sharedBy ?? -1);
      },
      score: () => ({ score: 0, reasons: [], features: {} }),
      merge: () => ({}),
    };
    const f = engineFixture({ detectors: [recorder] });
    for (const id of ['a', 'a', 'b', 'c', 'd']) f.engine.enqueue(requestEvent({ accountId: id, promptText: 'Q1. Which word best summarises the passage? Answer:' }));
    f.engine.enqueue(requestEvent({ accountId: 'e', promptText: 'my own question' }));
    await f.engine.drain();
    assert.deepEqual(seen, [0, 0, 1, 2, 3, 0]);
  });

  test("a linked cluster's campaign signature (many accounts, three kinds of links, fresh single-shot traffic) adds to its risk", async () => {
    const stores = openMemoryStores();
    const ids = await accounts(stores, 20);
    const linker = fixedLinker([{ id: 'c2', accounts: ids, evidence: ['19 links (template ×19, timing ×19, subnet ×5)'], linkKinds: { template: 19, timing: 19, subnet: 5 } }]);
    const g = engineFixture({ detectors: [dial], stores, linker, detection: { clusterRescoreMs: 0, shadow: true } });
    // Each member looks mild (0.3, observe); 20 members × 20 events of fresh prompts are a campaign.
    for (let round = 0; round < 20; round++) for (const id of ids) g.engine.enqueue(dialled(id, 0.3));
    await g.engine.drain();
    const assessment = g.engine.clusters()[0].assessment;
    const campaign = assessment?.contributions.find((c) => c.detector === 'campaign');
    assert.equal(campaign?.score, 1);
    assert.equal(campaign?.weight, 0.8);
    assert.ok(Math.abs((assessment?.risk ?? 0) - (1 - 0.7 * 0.2)) < 1e-9, `${assessment?.risk}`);
    assert.equal(assessment?.level, 'degrade', 'linking alone cannot ban: its weight stays under the ban threshold');
    assert.ok(assessment?.reasons.some((r) => /campaign \(1\.00\): 20 accounts linked by 3 kinds of evidence/.test(r)), assessment?.reasons.join('\n'));
    assert.equal(g.engine.account(ids[0])?.assessment?.level, 'observe');
  });

  test('account state is bounded: the least recently seen account is evicted', async () => {
    const f = engineFixture({ detectors: [probingFake()], detection: { maxAccounts: 2 } });
    for (const id of ['a', 'b', 'c']) f.engine.enqueue(requestEvent({ accountId: id }));
    await f.engine.drain();
    assert.equal(f.engine.account('a'), undefined);
    assert.ok(f.engine.account('b') && f.engine.account('c'));
    assert.equal(await metricValue(f.registry, 'moat_detection_accounts'), 2);
  });
});
