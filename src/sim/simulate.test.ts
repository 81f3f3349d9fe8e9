import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type EvalStack, startEvalStack } from '../detect/eval/stack.ts';
import { planActors } from './plan.ts';
import { runSimulation, type SimulationResult } from './run.ts';
import { parseScenario } from './scenario.ts';

const SCENARIO = parseScenario({
  name: 'tiny',
  seed: 11,
  durationSeconds: 2,
  maxSeconds: 40,
  maxTokens: 8,
  nat: { groups: 1, accountsPerGroup: 3 },
  benign: [
    { persona: 'chat', accounts: 4, sessions: [1, 1], turns: [3, 3], thinkSeconds: [0.05, 0.1] },
    { persona: 'developer', accounts: 2, bursts: [1, 2], runsPerBurst: [3, 4], thinkSeconds: [0.01, 0.05] },
    { persona: 'batch', accounts: 1, items: [20, 20] },
    { persona: 'researcher', accounts: 1, items: [10, 10] },
  ],
  attackers: [
    { strategy: 'bulk-harvest', queries: 30, startSeconds: 0 },
    { strategy: 'logprob-probing', queries: 10, startSeconds: 0 },
    { strategy: 'sybil-swarm', queries: 24, accounts: 6, ips: 6, subnets: 3, waveSeconds: 0.05, startSeconds: 0 },
  ],
});

describe('moat simulate through the real gateway', () => {
  let stack: EvalStack;
  let result: SimulationResult;
  before(async () => {
    stack = await startEvalStack({ detection: { enabled: false } });
    result = await runSimulation({ scenario: SCENARIO, gatewayUrl: stack.gatewayUrl, admin: stack.admin, model: 'test-lm' });
  });
  after(async () => {
    await stack?.close();
  });

  test('every persona and attacker sends traffic that the gateway serves', () => {
    const personas = new Set(result.actors.map((a) => a.persona));
    assert.deepEqual([...personas].sort(), ['batch', 'bulk-harvest', 'chat', 'developer', 'logprob-probing', 'researcher', 'sybil-swarm']);
    for (const actor of result.actors) assert.ok(actor.outcomes.served > 0, `${actor.persona} #${actor.index} was served`);
    const byPersona = (p: string) => result.actors.filter((a) => a.persona === p);
    assert.equal(byPersona('chat').reduce((s, a) => s + a.outcomes.sent, 0), 4 * 3, 'three turns per chat user');
    assert.equal(byPersona('batch')[0]!.outcomes.served, 20);
    assert.equal(byPersona('bulk-harvest')[0]!.outcomes.served, 30);
    assert.equal(byPersona('sybil-swarm')[0]!.outcomes.served, 24);
    assert.equal(result.accounts.length, 4 + 2 + 1 + 1 + 1 + 1 + 6);
  });

  test('client addresses arrive through the trusted forwarding header, per planned account', async () => {
    await stack.services.stores.audit.flush();
    const swarm = result.accounts.filter((a) => result.actors[a.actor]!.persona === 'sybil-swarm');
    const subnets = new Set<string>();
    for (const account of swarm) {
      const page = await stack.services.stores.audit.query({ accountId: account.id, limit: 100 });
      assert.ok(page.items.length > 0);
      for (const row of page.items) assert.ok(account.ips.includes(row.clientIp), `${row.clientIp} is one of ${account.ips.join(',')}`);
      subnets.add(account.ips[0]!.split('.').slice(0, 3).join('.'));
    }
    assert.equal(subnets.size, 3, 'six accounts over three subnets');
  });

  test('multi-turn chats carry their history (follow-ups), and the ledger has every request', async () => {
    const chatAccount = result.accounts.find((a) => result.actors[a.actor]!.persona === 'chat')!;
    const page = await stack.services.stores.audit.query({ accountId: chatAccount.id, limit: 10 });
    assert.equal(page.items.length, 3);
    const total = result.actors.reduce((s, a) => s + a.outcomes.sent, 0);
    assert.equal(result.ledger.records.length, total);
  });
});

test('planning is seeded: the same seed plans the same accounts and addresses, another seed does not', () => {
  const strip = (s: typeof SCENARIO) => planActors(s).map((p) => ({ persona: p.persona, accounts: p.accounts }));
  assert.deepEqual(strip(SCENARIO), strip(SCENARIO));
  assert.notDeepEqual(strip(SCENARIO), strip({ ...SCENARIO, seed: 12 }));
  const natted = planActors(SCENARIO).filter((p) => p.accounts[0]!.ips[0]!.startsWith('198.18.'));
  assert.equal(natted.length, 3);
});

test('a scenario with an unknown persona or a bad range is rejected with the path', () => {
  assert.throws(() => parseScenario({ benign: [{ persona: 'lurker', accounts: 1 }] }), /benign\.0/);
  assert.throws(() => parseScenario({ benign: [{ persona: 'chat', accounts: 1, turns: [5, 2] }] }), /turns/);
});
