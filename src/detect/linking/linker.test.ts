import assert from 'node:assert/strict';
import { test } from 'node:test';
import { corpusPrompts } from '../../distill/harvest/corpus-source.ts';
import { itemText } from '../../distill/harvest/types.ts';
import { createRng, type Rng } from '../../ml/engine/rng.ts';
import type { DetectionEvent } from '../types.ts';
import { ActorLinker } from './linker.ts';

const TEXTS = corpusPrompts('moby-dick', { count: 4000, seed: 7 }).map(itemText);
const START = Date.UTC(2026, 0, 5, 9);
const MINUTE = 60_000;

function event(accountId: string, at: number, ip: string, promptText: string): DetectionEvent {
  const subnet = `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  return {
    requestId: `${accountId}-${at}`,
    at,
    accountId,
    keyId: null,
    clientIp: ip,
    subnet,
    route: 'chat',
    model: 'm',
    params: { n: null, logprobs: null, topLogprobs: null, logitBias: false, maxTokens: null, temperature: null, stream: false },
    promptText,
    status: 200,
    decision: 'allow',
    tokensIn: 10,
    tokensOut: 10,
    responseBytes: 100,
    latencyMs: 5,
    embedding: null,
    followUp: false,
  };
}

const text = (rng: Rng): string => TEXTS[rng.int(TEXTS.length)]!;
const BENIGN_WRAPPERS = [
  (t: string) => `Summarise this: ${t}`,
  (t: string) => `What does this passage mean? ${t}`,
  (t: string) => t,
  (t: string) => `Can you rewrite "${t.slice(0, 40)}" in plain English? ${t}`,
  (t: string) => `Translate to French: ${t}`,
];
const SWARM_TEMPLATE = (t: string) =>
  `You are a data labelling assistant. Read the passage and give a detailed answer with reasoning.\nPassage: ${t}\nAnswer in full sentences:`;
const EVAL_TEMPLATE = (t: string) =>
  `The following is a multiple choice question about literature.\n${t}\nA) true B) false C) unknown D) both\nAnswer:`;

/** 60 swarm accounts on 60 IPs in 12 subnets firing in waves, among 400 benign accounts (150 behind one NAT). */
function plantedTraffic(seed: number): { events: DetectionEvent[]; swarm: string[]; benign: string[] } {
  const rng = createRng(seed);
  const events: DetectionEvent[] = [];
  const swarm = Array.from({ length: 60 }, (_, i) => `swarm-${i}`);
  swarm.forEach((id, i) => {
    const ip = `203.0.${i % 12}.${10 + Math.floor(i / 12)}`;
    for (let wave = 0; wave < 40; wave++) {
      const at = START + wave * 3 * MINUTE + rng.int(20_000);
      events.push(event(id, at, ip, SWARM_TEMPLATE(text(rng))));
    }
  });
  const benign = Array.from({ length: 400 }, (_, i) => `user-${i}`);
  benign.forEach((id, i) => {
    const behindNat = i < 150;
    const ip = behindNat ? `198.51.100.${1 + rng.int(4)}` : `100.${64 + rng.int(50)}.${rng.int(256)}.${1 + rng.int(250)}`;
    const researcher = i % 15 === 0;
    const count = 5 + rng.int(60);
    for (let k = 0; k < count; k++) {
      const at = START + rng.int(120 * MINUTE);
      const prompt = researcher ? EVAL_TEMPLATE(text(rng)) : BENIGN_WRAPPERS[rng.int(BENIGN_WRAPPERS.length)]!(text(rng));
      events.push(event(id, at, ip, prompt));
    }
  });
  events.sort((a, b) => a.at - b.at);
  return { events, swarm, benign };
}

test('recovers a planted swarm of 60 accounts over 60 IPs in 12 subnets without gluing benign accounts', () => {
  const { events, swarm, benign } = plantedTraffic(1);
  const linker = new ActorLinker({ bucketMs: 30_000 });
  for (const e of events) linker.observe(e);
  linker.relink();
  const cluster = linker.clusterOf(swarm[0]!);
  assert.ok(cluster, 'the swarm forms a cluster');
  assert.deepEqual([...cluster.accounts].sort(), [...swarm].sort());
  assert.match(cluster.evidence[0]!, /links \(/);
  assert.ok(cluster.evidence.some((line) => line.includes('shared prompt template')));
  // Links per evidence kind, for the cluster's campaign signature: every link here carries a template.
  assert.ok((cluster.linkKinds.template ?? 0) >= cluster.accounts.length - 1, JSON.stringify(cluster.linkKinds));
  const gluedBenign = benign.filter((id) => linker.clusterOf(id) !== null);
  assert.deepEqual(gluedBenign, [], 'no benign account is linked to anyone');
  assert.equal(linker.clusters().length, 1);
});

test('accounts sharing only a subnet, or a subnet and a public eval template, stay apart', () => {
  const rng = createRng(3);
  const linker = new ActorLinker({ bucketMs: 30_000 });
  for (let i = 0; i < 40; i++) {
    for (let k = 0; k < 30; k++) {
      const at = START + rng.int(120 * MINUTE);
      const prompt = i < 20 ? EVAL_TEMPLATE(text(rng)) : `Summarise this: ${text(rng)}`;
      linker.observe(event(`nat-${i}`, at, `198.51.100.${1 + (i % 3)}`, prompt));
    }
  }
  linker.relink();
  assert.deepEqual(linker.clusters(), []);
});

test('shared template plus synchronised timing links accounts on unrelated subnets; timing is measured against chance', () => {
  const rng = createRng(5);
  const linker = new ActorLinker({ bucketMs: 10_000 });
  for (let wave = 0; wave < 20; wave++) {
    for (const [id, ip] of [
      ['a', '1.2.3.4'],
      ['b', '5.6.7.8'],
    ] as const) {
      linker.observe(event(id, START + wave * 5 * MINUTE + rng.int(5000), ip, SWARM_TEMPLATE(text(rng))));
    }
  }
  // Always-on accounts are co-active with everyone: no lift over chance, so no timing evidence.
  for (let s = 0; s < 600; s++) {
    linker.observe(event('always-1', START + s * 10_000, '9.9.9.9', `Summarise this: ${text(rng)}`));
    linker.observe(event('always-2', START + s * 10_000, '9.9.9.10', `Summarise this: ${text(rng)}`));
  }
  linker.relink();
  const cluster = linker.clusterOf('a');
  assert.deepEqual(cluster?.accounts, ['a', 'b']);
  assert.ok(cluster?.evidence.some((line) => /synchronised activity/.test(line)));
  assert.equal(linker.clusterOf('always-1'), null);
});

test('creation pattern: accounts created minutes apart with the same name shape, on a shared subnet', () => {
  const linker = new ActorLinker();
  const rng = createRng(9);
  for (let i = 0; i < 5; i++) {
    linker.noteAccount(`acct-${i}`, { createdAt: START + i * MINUTE, name: `harvest-bot-${1000 + i}` });
    linker.observe(event(`acct-${i}`, START + i * 97_000, `7.7.${i}.1`, text(rng)));
    linker.observe(event(`acct-${i}`, START + i * 97_000 + 1, '8.8.8.8', text(rng)));
  }
  linker.noteAccount('other', { createdAt: START, name: 'alice.smith' });
  linker.observe(event('other', START, '8.8.8.9', text(rng)));
  linker.relink();
  assert.equal(linker.clusterOf('acct-0')?.accounts.length, 5);
  assert.equal(linker.clusterOf('other'), null);
});

test('memory is bounded: the least recently seen accounts are evicted past maxAccounts', () => {
  const linker = new ActorLinker({ maxAccounts: 100 });
  for (let i = 0; i < 1000; i++) linker.observe(event(`u${i}`, START + i, `10.0.${i % 256}.1`, 'hello there'));
  assert.equal(linker.stats().accounts, 100);
});

test('a swarm behind a rotating proxy pool (every account on every crowded subnet) is joined by subnets plus template', () => {
  const rng = createRng(21);
  const linker = new ActorLinker({ bucketMs: 30_000 });
  const pool = Array.from({ length: 40 }, (_, i) => `185.9.${i % 8}.${10 + Math.floor(i / 8)}`);
  for (let k = 0; k < 30 * 40; k++) {
    const id = `rot-${k % 30}`;
    linker.observe(event(id, START + rng.int(120 * MINUTE), pool[rng.int(pool.length)]!, SWARM_TEMPLATE(text(rng))));
  }
  for (let i = 0; i < 200; i++) {
    for (let k = 0; k < 20; k++) linker.observe(event(`b-${i}`, START + rng.int(120 * MINUTE), `100.${64 + (i % 50)}.${i}.9`, `Summarise this: ${text(rng)}`));
  }
  linker.relink();
  assert.equal(linker.clusterOf('rot-0')?.accounts.length, 30);
  assert.ok(linker.clusterOf('rot-0')?.evidence.some((line) => /crowded/.test(line)));
  assert.equal(linker.clusters().length, 1);
});

test('busy accounts whose activity clumps because the whole population stalls are not "synchronised"', () => {
  const rng = createRng(33);
  const linker = new ActorLinker({ bucketMs: 500 });
  const JOB = (t: string) => `Classify this support e-mail as spam or not spam. Reply with one word.\n\n${t}`;
  for (let bucket = 0; bucket < 400; bucket++) {
    // The provider is up in about a third of the buckets; then everyone's requests complete together.
    if (rng.next() > 0.3) continue;
    const at = START + bucket * 500;
    for (let i = 0; i < 60; i++) linker.observe(event(`bg-${i}`, at + rng.int(400), `100.${70 + i}.1.9`, `Summarise this: ${text(rng)}`));
    linker.observe(event('batch-a', at + rng.int(400), '31.1.1.1', JOB(text(rng))));
    linker.observe(event('batch-b', at + rng.int(400), '62.2.2.2', JOB(text(rng))));
  }
  linker.relink();
  assert.equal(linker.clusterOf('batch-a'), null, 'same template, same stalls, but no coordination beyond the population rhythm');
});
