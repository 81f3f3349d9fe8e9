import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseConfig } from '../../config/load.ts';
import { WatermarkKeyring } from '../keys.ts';
import { normalUpperTail } from '../stats.ts';
import { readRecords, SuspectUnreachable } from './prober.ts';
import { renderMarkdown, writeReport } from './report.ts';
import { type FakeSuspect, startFakeSuspect } from './testing.ts';
import { createTextVerifyMethod } from './text-method.ts';
import { runVerify, type VerifyOptions } from './verify.ts';

const SECRET = 'verify-test-master-secret-0123456789abcdef';
const ring = new WatermarkKeyring({ secret: SECRET, currentVersion: 1 });
const config = parseConfig({ watermark: { secret: SECRET } });
const method = createTextVerifyMethod(config);
const alice = ring.keyIdFor('acct_alice');
const accounts = ['acct_alice', 'acct_bob', 'acct_carol', 'acct_dave'].map((a) => ring.keyIdFor(a));
const fast = { backoffMs: 10, maxAttempts: 2, maxConsecutiveFailures: 5, timeoutMs: 5_000 };

function options(url: string, overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return { method, keyring: ring, keyIds: [alice], rankAccounts: false, suspect: { url }, model: 'suspect', probes: 150, outDir: mkdtempSync(join(tmpdir(), 'moat-verify-')), nullKeys: 200, prober: fast, ...overrides };
}

describe('moat verify (text)', () => {
  const suspects: FakeSuspect[] = [];
  after(async () => {
    for (const s of suspects) await s.close();
  });
  const start = async (o: Parameters<typeof startFakeSuspect>[0]) => {
    const s = await startFakeSuspect(o);
    suspects.push(s);
    return s;
  };

  it("identifies a suspect carrying alice's mark, calibrates on independent keys and references, and ranks alice first", async () => {
    const marked = await start({ markKey: ring.resolveKey(alice).key });
    const independent = await start({});
    const o = options(marked.url, { keyIds: accounts, rankAccounts: true, references: [{ url: independent.url }] });
    const report = await runVerify(o);
    assert.ok(report.result.pValue < 1e-6, `p = ${report.result.pValue}`);
    assert.equal(report.accounts?.[0].accountId, 'acct_alice');
    assert.ok((report.accounts?.[1].pValue ?? 0) > 1e-3);
    assert.equal(report.probes.answered, 150);
    assert.ok(report.calibration.independentKeys.pValueUniformity.pValue > 0.001, JSON.stringify(report.calibration.independentKeys));
    assert.ok(report.calibration.independentKeys.falseAlarmRateAt001 <= 0.03);
    assert.ok(report.calibrated.calibratedPValue < 1e-6);
    assert.ok((report.calibration.referenceModels[0].result?.pValue ?? 0) > 1e-3, 'the independent reference does not carry the mark');
    assert.match(report.verdict, /detected/);
    const files = writeReport(o.outDir, report);
    assert.match(readFileSync(files.markdown, 'utf8'), /Accounts ranked[\s\S]*acct_alice/);
    assert.equal(JSON.parse(readFileSync(files.json, 'utf8')).key.accountId, 'acct_alice');
  });

  it('finds no evidence in an independent suspect', async () => {
    const plain = await start({});
    const report = await runVerify(options(plain.url));
    assert.ok(report.result.pValue > 0.01, `p = ${report.result.pValue}`);
    assert.match(report.verdict, /no evidence/);
  });

  it('waits out 429 Retry-After, counts garbage answers, and keeps going', async () => {
    const s = await start({ markKey: ring.resolveKey(alice).key, rateLimitEvery: 40, retryAfterSeconds: 1, garbageEvery: 10 });
    const report = await runVerify(options(s.url, { probes: 120, prober: { ...fast, concurrency: 1 } }));
    assert.ok(s.waitsAfter429.length >= 2);
    for (const wait of s.waitsAfter429) assert.ok(wait >= 950, `retried after ${wait} ms`);
    assert.ok(report.probes.garbage > 3 && report.probes.garbage < 30, `garbage ${report.probes.garbage}`);
    assert.equal(report.probes.answered + report.probes.garbage, 120);
    assert.match(report.probes.garbageExamples[0], /not JSON/);
    assert.ok(report.result.pValue < 1e-4);
  });

  it('stops with a clear error when the suspect goes away, keeps the answers, and resumes without asking them again', async () => {
    const s = await start({ markKey: ring.resolveKey(alice).key, failAfter: 50 });
    const o = options(s.url, { prober: { ...fast, concurrency: 2 } });
    await assert.rejects(runVerify(o), (err: Error) => err instanceof SuspectUnreachable && /resume/.test(err.message));
    const kept = [...readRecords(join(o.outDir, 'answers-suspect.jsonl')).values()].filter((r) => r.status === 'ok').length;
    assert.equal(kept, 50);
    s.options.failAfter = undefined;
    const report = await runVerify(o);
    assert.equal(report.probes.answered, 150);
    assert.equal(s.served, 150, 'the 50 kept answers were not asked again');
    assert.ok(report.complete);
  });

  it('refuses a key id from another secret, and an --out holding another run', async () => {
    const s = await start({});
    const foreign = new WatermarkKeyring({ secret: 'z'.repeat(40), currentVersion: 1 }).keyIdFor('acct_alice');
    await assert.rejects(runVerify(options(s.url, { keyIds: [foreign] })), /refusing to verify.*fingerprint/);
    const o = options(s.url, { probes: 20 });
    await runVerify(o);
    assert.ok(existsSync(join(o.outDir, 'run.json')));
    await assert.rejects(runVerify({ ...o, probes: 30 }), /other settings/);
  });
});

describe('moat verify --accounts: the verdict on the best of K keys', () => {
  // A method that scores every key near the null except one, at p = 1e-4: significant alone at α = 1e-3, not as
  // the best of 20 (20 · 1e-4 = 2e-3), which is how often an innocent model would show such a best key by chance.
  const special = accounts[2] as string;
  const fixed: VerifyOptions['method'] = {
    ...method,
    score(_answers, key) {
      const z = key.keyId === special ? normalUpperTailInverse(1e-4) : (key.key.readUInt32BE(0) / 2 ** 32 - 0.5) * 2;
      return { statisticName: 'z', statistic: z, pValue: normalUpperTail(z), scored: 1, details: {} };
    },
  };
  const many = [...accounts, ...Array.from({ length: 16 }, (_, i) => ring.keyIdFor(`acct_extra_${i}`))];

  it('adjusts the top account for the number of keys ranked (Bonferroni), and not a single key', async () => {
    const plain = await startFakeSuspect({});
    try {
      const ranked = await runVerify(options(plain.url, { method: fixed, keyIds: many, rankAccounts: true, probes: 20 }));
      assert.equal(ranked.accounts?.[0].keyId, special);
      assert.ok(Math.abs((ranked.result.pValue - 1e-4) / 1e-4) < 1e-6);
      assert.deepEqual({ keys: ranked.familywise?.keys, method: ranked.familywise?.method }, { keys: 20, method: 'Bonferroni' });
      assert.ok(Math.abs(((ranked.familywise?.pValue ?? 0) - 2e-3) / 2e-3) < 1e-6);
      assert.match(ranked.verdict, /^no evidence of the top-ranked account's key's watermark: p = 0\.0020 \(best of 20, Bonferroni-adjusted\) ≥ α/);
      assert.match(renderMarkdown(ranked), /best of 20 keys, so the verdict uses its p-values multiplied by 20/);
      const single = await runVerify(options(plain.url, { method: fixed, keyIds: [special], probes: 20 }));
      assert.equal(single.familywise, null);
      assert.match(single.verdict, /^watermark of this key detected/);
    } finally {
      await plain.close();
    }
  });
});

function normalUpperTailInverse(p: number): number {
  let lo = 0;
  let hi = 40;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (normalUpperTail(mid) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
