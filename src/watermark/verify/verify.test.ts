import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseConfig } from '../../config/load.ts';
import { WatermarkKeyring } from '../keys.ts';
import { readRecords, SuspectUnreachable } from './prober.ts';
import { writeReport } from './report.ts';
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
