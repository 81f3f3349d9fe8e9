import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ledger } from '../../sim/ledger.ts';
import type { SimulationResult } from '../../sim/run.ts';
import { parseScenario } from '../../sim/scenario.ts';
import { computeMetrics } from './metrics.ts';
import type { AccountOutcome } from './outcomes.ts';
import { rocAuc, rocCurve } from './roc.ts';

test('ROC AUC: perfect ranking 1, reversed 0, all tied 0.5, ties between classes count half', () => {
  assert.equal(rocAuc([0.9, 0.8], [0.1, 0.2, 0.3]), 1);
  assert.equal(rocAuc([0.1], [0.5, 0.9]), 0);
  assert.equal(rocAuc([0.5, 0.5], [0.5, 0.5]), 0.5);
  assert.equal(rocAuc([0.9, 0.4], [0.4, 0.1]), 0.875);
  assert.equal(rocAuc([], [0.1]), null);
  const curve = rocCurve([0.9, 0.4], [0.4, 0.1]);
  assert.deepEqual(curve.at(-1), { threshold: 0.1, fpr: 1, tpr: 1 });
  assert.deepEqual(curve[1], { threshold: 0.9, fpr: 0, tpr: 0.5 });
});

const START = 1_800_000_000_000;

function outcome(accountId: string, over: Partial<AccountOutcome> = {}): AccountOutcome {
  return { accountId, maxLevel: 'observe', firstAt: { throttle: null, degrade: null, ban: null }, peakRisk: 0, events: 10, clusterId: null, ...over };
}

test('served before the first action and before the ban; a swarm counts as banned only when every member is', () => {
  const scenario = parseScenario({
    benign: [{ persona: 'chat', accounts: 2 }],
    attackers: [
      { strategy: 'bulk-harvest', queries: 100 },
      { strategy: 'sybil-swarm', queries: 100, accounts: 2, ips: 2, subnets: 1 },
    ],
  });
  const ledger = new Ledger(START);
  // Attacker (actor 2, account 2): 10 served at t=100..1000 ms; throttled at 350 ms, banned at 750 ms.
  for (let i = 1; i <= 10; i++) ledger.records.push({ actor: 2, account: 2, sentAt: i * 100 - 50, endedAt: i * 100, status: 200, code: null });
  // Swarm (actor 3, accounts 3 and 4): one member banned, the other not.
  for (let i = 1; i <= 4; i++) ledger.records.push({ actor: 3, account: 3 + (i % 2), sentAt: i * 100, endedAt: i * 100 + 10, status: 200, code: null });
  ledger.records.push({ actor: 0, account: 0, sentAt: 0, endedAt: 5, status: 200, code: null });
  const summary = (index: number, kind: 'benign' | 'attacker', persona: string, ids: string[], served: number) => ({
    index,
    kind,
    persona,
    accounts: ids.map((id) => ({ id, name: id, ips: ['1.2.3.4'] })),
    outcomes: { sent: served, served, throttled: 0, refused: 0, banned: 0, errors: 0 },
  });
  const sim: SimulationResult = {
    scenario: 't',
    seed: 1,
    startedAt: START,
    durationMs: 2000,
    actors: [summary(0, 'benign', 'chat', ['b0'], 1), summary(1, 'benign', 'chat', ['b1'], 0), summary(2, 'attacker', 'bulk-harvest', ['a'], 10), summary(3, 'attacker', 'sybil-swarm', ['s1', 's2'], 4)],
    accounts: [],
    ledger,
  };
  const outcomes = new Map([
    ['b0', outcome('b0', { peakRisk: 0.2 })],
    ['b1', outcome('b1', { peakRisk: 0.65, maxLevel: 'throttle', firstAt: { throttle: START + 10, degrade: null, ban: null } })],
    ['a', outcome('a', { peakRisk: 0.95, maxLevel: 'ban', firstAt: { throttle: START + 350, degrade: null, ban: START + 750 } })],
    ['s1', outcome('s1', { peakRisk: 0.9, maxLevel: 'ban', firstAt: { throttle: null, degrade: null, ban: START + 200 } })],
    ['s2', outcome('s2', { peakRisk: 0.3 })],
  ]);
  const clusters = [{ id: 'c1', accounts: ['s1', 's2'], evidence: [], risk: 0.9, level: 'ban' as const, reasons: [] }];
  const m = computeMetrics(sim, scenario, outcomes, clusters);
  const [harvest, swarm] = m.attackers;
  assert.equal(harvest!.servedBeforeFirstAction, 3);
  assert.equal(harvest!.servedBeforeBan, 7);
  assert.equal(harvest!.servedBeforeBanShare, 0.07);
  assert.equal(harvest!.secondsToBan, 0.7);
  assert.ok(harvest!.meetsTarget);
  assert.equal(swarm!.banned, false);
  assert.equal(swarm!.bannedAccounts, 1);
  assert.equal(swarm!.servedBeforeBan, null);
  assert.equal(swarm!.meetsTarget, false);
  assert.equal(swarm!.linkedShare, 1);
  assert.equal(m.benign[0]!.throttled, 1);
  assert.equal(m.benignTotal.throttledOrWorseShare, 0.5);
  assert.equal(m.targets.everyAttackerBannedBefore10Percent, false);
  assert.equal(m.targets.noBenignBanned, true);
  // Attackers 0.95, 0.9, 0.3 against benign 0.2, 0.65: 5 of 6 pairs ranked right.
  assert.equal(m.auc, 5 / 6);
});
