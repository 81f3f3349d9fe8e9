/**
 * End to end on tiny models: a watermarked teacher served behind the gateway → `moat distill` harvest with an
 * account's API key → a tiny student trained on it → `moat verify` against the student finds the account's mark;
 * the student of the same teacher harvested without the mark does not carry it.
 *
 * δ = 4 here: the tiny student (3.8k parameters, a 16-wide tied head) can only represent a small part of a random
 * 96×96 green matrix, so a strong mark keeps this test fast and decisive. The δ for real models is chosen by
 * bench/watermark-text.ts (quality cost) and bench/watermark.ts (radioactivity).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { parseConfig } from '../src/config/load.ts';
import { openHarvestSession } from '../src/distill/harvest/session.ts';
import { trainStudent } from '../src/distill/train/train-student.ts';
import { type RunningGateway, startGateway } from '../src/gateway/server.ts';
import { ApiKeyHasher } from '../src/keys/api-key.ts';
import { initEngine } from '../src/ml/engine/init.ts';
import { loadModel } from '../src/ml/registry.ts';
import { type RunningModelServer, startModelServer } from '../src/serve/server.ts';
import { createBigramLm } from '../src/serve/testing/bigram-lm.ts';
import { openMemoryStores } from '../src/store/memory/index.ts';
import { WatermarkKeyring } from '../src/watermark/keys.ts';
import { createTextVerifyMethod } from '../src/watermark/verify/text-method.ts';
import { runVerify } from '../src/watermark/verify/verify.ts';

const SECRET = 'e2e-watermark-master-secret-0123456789abcdef';
const API_SECRET = 'e2e-api-key-secret-e2e-api-key-secret-0123';
const ACTION = { actor: 'test', action: 'setup', target: '-', details: {} };
const silent = pino({ level: 'silent' });
const config = parseConfig({
  dataDir: '/nonexistent-moat-e2e',
  serve: { host: '127.0.0.1', port: 0, maxTokens: 300 },
  gateway: { port: 0 },
  limits: { account: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentRequests: 0 } },
  watermark: { secret: SECRET, text: { enabled: true, gamma: 0.25, delta: 4 } },
});
const ring = new WatermarkKeyring({ secret: SECRET, currentVersion: 1 });
const dir = mkdtempSync(join(tmpdir(), 'moat-wm-e2e-'));
const servers: { close(): Promise<void> }[] = [];
let teacher: RunningModelServer;
let gateway: RunningGateway;
let apiKey = '';
let accountId = '';

before(async () => {
  await initEngine();
  teacher = await startModelServer({ config, models: [{ family: 'lm', model: createBigramLm({ name: 'teacher-lm', alpha: 0.01 }) }], logger: silent, trustInternalHeaders: true });
  servers.push(teacher);
  const stores = openMemoryStores();
  const routes = [{ name: 'teacher-lm', kinds: ['chat' as const, 'completion' as const], baseUrl: `${teacher.url}/v1`, tokenizer: 'chars' as const, internal: true }];
  gateway = await startGateway({ config: parseConfig({ ...config, models: routes }), stores, secret: API_SECRET, logger: silent });
  servers.push(gateway);
  const account = await stores.accounts.create({ name: 'leaker', limits: {}, allowedModels: null }, ACTION);
  const issued = new ApiKeyHasher(API_SECRET).issue();
  await stores.keys.create({ id: 'key_e2e', accountId: account.id, prefix: issued.prefix, hash: issued.hash, name: null, createdAt: Date.now(), expiresAt: null }, ACTION);
  apiKey = issued.key;
  accountId = account.id;
});
after(async () => {
  for (const s of servers.reverse()) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Harvest → train → serve the student; returns the student's base URL. */
async function distil(name: string, teacherUrl: string, keys: string[]): Promise<{ url: string; model: string }> {
  const data = join(dir, `${name}-harvest`);
  const session = await openHarvestSession({ teacher: teacherUrl, keys, model: 'teacher-lm', modality: 'text', source: { kind: 'corpus', corpus: 'moby-dick' }, count: 400, maxTokens: 80, logprobs: 5, out: data, concurrency: 4, retry: { baseMs: 20, maxMs: 100 } });
  try {
    await session.harvester.run(session.items, { concurrency: 4 });
  } finally {
    await session.close();
  }
  const out = join(dir, `${name}-student`);
  await trainStudent({ data, family: 'lm', student: 'tiny', out, seed: 3, steps: 300, lr: 2e-2 });
  const model = await loadModel(out);
  const student = await startModelServer({ config, models: [model], logger: silent });
  servers.push(student);
  return { url: `${student.url}/v1`, model: model.model.info.name };
}

test("verify finds the leaking account's mark in a student of the watermarked teacher, and none in a student of the unmarked one", async () => {
  const keyId = ring.keyIdFor(accountId);
  const method = createTextVerifyMethod(config);
  const markedStudent = await distil('marked', `${gateway.url}/v1`, [apiKey]);
  const plainStudent = await distil('plain', `${teacher.url}/v1`, ['unused']); // straight to the server: no key header, no mark
  const verify = (student: { url: string; model: string }) =>
    runVerify({ method, keyring: ring, keyIds: [keyId], rankAccounts: false, suspect: { url: student.url }, model: student.model, probes: 100, outDir: join(dir, `verify-${student.model}`), nullKeys: 100 });
  const marked = await verify(markedStudent);
  const plain = await verify(plainStudent);
  const summary = `marked student p = ${marked.result.pValue} (green ${marked.result.details.greenFraction}), plain student p = ${plain.result.pValue} (green ${plain.result.details.greenFraction})`;
  process.stdout.write(`# ${summary}\n`);
  assert.ok(marked.result.pValue < 1e-5, summary);
  // The account id (hence the key) is random per run, so this null check is itself a 0.1% test.
  assert.ok(plain.result.pValue > 1e-3, summary);

  // The reference-weighted test on the same answers (the run directories resume: nothing is asked twice), with the
  // unmarked teacher as the reference. The tiny student (a 16-wide tied head) fits its bigram teacher poorly and learns
  // a key-dependent part of the mark, so here this test is much weaker than the deduplicated one: over random account
  // keys it gave z = 3.0–7.0 with these 100 probes (and 3.3–9.0 with 400). It must point the right way — the marked
  // student's p below 0.01, the plain student's above 0.001; the power test is the bench (docs/watermark.md).
  const referenced = createTextVerifyMethod(config, { name: 'teacher-lm', model: createBigramLm({ name: 'teacher-lm', alpha: 0.01 }) });
  const again = (student: { url: string; model: string }) =>
    runVerify({ method: referenced, keyring: ring, keyIds: [keyId], rankAccounts: false, suspect: { url: student.url }, model: student.model, probes: 100, outDir: join(dir, `verify-${student.model}`), nullKeys: 100 });
  const markedRef = await again(markedStudent);
  const plainRef = await again(plainStudent);
  const refSummary = `reference test: marked z = ${markedRef.result.statistic.toFixed(1)} p = ${markedRef.result.pValue}, plain z = ${plainRef.result.statistic.toFixed(1)} p = ${plainRef.result.pValue}`;
  process.stdout.write(`# ${refSummary}\n`);
  assert.ok(markedRef.result.pValue < 1e-2, refSummary);
  assert.ok(plainRef.result.pValue > 1e-3, refSummary);
  assert.equal(markedRef.probes.answered, marked.probes.answered, 'answers were reused, not asked again');
});
