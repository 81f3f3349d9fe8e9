/**
 * The shared stage of the proxy-watermark end-to-end benches: a built-in teacher served by the model server behind a
 * real gateway with one proxy mark on, N accounts with keys, then (after a harvest) a distilled student and a
 * from-scratch reference served for `runVerify`, and the summary every end-to-end entry reports.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../src/config/load.ts';
import type { Config } from '../src/config/schema.ts';
import { distillInto } from '../src/distill/train/distill.ts';
import { type HarvestSplit, readHarvestSplit } from '../src/distill/train/harvest-data.ts';
import { startGateway } from '../src/gateway/server.ts';
import { ApiKeyHasher } from '../src/keys/api-key.ts';
import type { ModelFamilyName } from '../src/ml/engine/module.ts';
import { createModel, loadModel, loadTrainableModel, saveModel } from '../src/ml/registry.ts';
import { startModelServer } from '../src/serve/server.ts';
import { openMemoryStores } from '../src/store/memory/index.ts';
import { WatermarkKeyring } from '../src/watermark/keys.ts';
import type { VerifyMethod } from '../src/watermark/verify/method.ts';
import type { EvidenceReport } from '../src/watermark/verify/report.ts';
import { runVerify } from '../src/watermark/verify/verify.ts';
import { harvestInto } from './distill-bench/common.ts';

const API_SECRET = 'bench-watermark-api-secret-0123456789abcdefg';
const ACTION = { actor: 'bench', action: 'setup', target: '-', details: {} };
const silent = pino({ level: 'silent' });

export interface MarkedStack {
  work: string;
  config: Config;
  gatewayUrl: string;
  accounts: { id: string; key: string }[];
  keyring: WatermarkKeyring;
  /** Serves a saved model directory under the name `suspect`; closed with the stack. */
  serveOne(dir: string): Promise<string>;
  close(): Promise<void>;
}

export async function startMarkedStack(o: {
  tmpPrefix: string;
  master: string;
  teacherDir: string;
  model: string;
  kind: 'embedding' | 'classification';
  /** The mark's watermark sub-section, e.g. `{ embedding: { enabled: true } }`. */
  marks: Record<string, unknown>;
  accounts: number;
}): Promise<MarkedStack> {
  const work = mkdtempSync(join(tmpdir(), o.tmpPrefix));
  const serve = () => parseConfig({ serve: { host: '127.0.0.1', port: 0 } });
  const teacherServer = await startModelServer({ config: serve(), models: [await loadModel(o.teacherDir)], logger: silent });
  const config = parseConfig({
    dataDir: join(work, 'gateway'),
    gateway: { port: 0 },
    limits: { account: { requestsPerMinute: 1_000_000, tokensPerMinute: 1_000_000_000 }, ip: {}, subnet: {} },
    watermark: { secret: o.master, ...o.marks },
    models: [{ name: o.model, kinds: [o.kind], baseUrl: `${teacherServer.url}/v1`, tokenizer: 'chars', timeoutMs: 60_000 }],
  });
  const stores = openMemoryStores();
  const gateway = await startGateway({ config, stores, secret: API_SECRET, logger: silent });
  const servers: { close(ms?: number): Promise<void> }[] = [];
  const close = async () => {
    for (const s of servers) await s.close(1000);
    await gateway.close();
    await teacherServer.close(1000);
    await stores.close();
  };
  try {
    const hasher = new ApiKeyHasher(API_SECRET);
    const accounts: { id: string; key: string }[] = [];
    for (let a = 0; a < o.accounts; a++) {
      const account = await stores.accounts.create({ name: `bench-${a}`, limits: {}, allowedModels: null }, ACTION);
      const issued = hasher.issue();
      await stores.keys.create({ id: `key_${a}`, accountId: account.id, prefix: issued.prefix, hash: issued.hash, name: null, createdAt: Date.now(), expiresAt: null }, ACTION);
      accounts.push({ id: account.id, key: issued.key });
    }
    const serveOne = async (dir: string) => {
      const server = await startModelServer({ config: serve(), models: [await loadModel(dir)], logger: silent });
      servers.push(server);
      return `${server.url}/v1`;
    };
    return { work, config, gatewayUrl: gateway.url, accounts, keyring: new WatermarkKeyring({ secret: o.master, currentVersion: 1 }), serveOne, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Distils a fresh student-m from the harvest in `<work>/harvest` and copies the from-scratch `referenceDir` beside
 * it, both saved as `suspect`; returns the split and the training steps.
 */
export async function distilSuspect(
  stack: MarkedStack,
  o: { family: ModelFamilyName; steps: number; batchSize: number; referenceDir: string },
): Promise<{ split: HarvestSplit; steps: number; studentDir: string; referenceDir: string }> {
  const split = readHarvestSplit(join(stack.work, 'harvest'), o.family);
  const student = await createModel(o.family, 'student-m', 1, 'suspect');
  const trained = await distillInto(student, split.train, split.heldOut, { seed: 1, steps: o.steps, batchSize: o.batchSize, patience: 6 });
  const studentDir = join(stack.work, 'student');
  await saveModel(student, studentDir, 'suspect');
  student.dispose();
  const reference = await loadTrainableModel(o.referenceDir);
  const referenceDir = join(stack.work, 'reference');
  await saveModel(reference, referenceDir, 'suspect');
  reference.dispose();
  return { split, steps: trained.result.steps, studentDir, referenceDir };
}

/**
 * The end-to-end stage both proxy marks share: the leaking account harvests `queries` answers with `moat distill`'s
 * harvester, a student is distilled from them, and `runVerify` ranks every account's key on the student, with the
 * from-scratch reference probed alongside. Returns the entry the bench records.
 */
export async function harvestDistilVerify(
  stack: MarkedStack,
  o: {
    model: string;
    leaked: number;
    modality: 'classifier' | 'embedding';
    corpus: 'spam' | 'sotu';
    queries: number;
    distil: { family: ModelFamilyName; steps: number; batchSize: number; referenceDir: string };
    method: VerifyMethod;
    probes: number;
  },
): Promise<Record<string, unknown>> {
  const { accounts } = stack;
  const harvest = await harvestInto(
    { teacher: `${stack.gatewayUrl}/v1`, keys: [accounts[o.leaked]?.key ?? ''], model: o.model, modality: o.modality, source: { kind: 'corpus', corpus: o.corpus }, count: o.queries, out: join(stack.work, 'harvest'), seed: 1 },
    8,
  );
  const suspect = await distilSuspect(stack, o.distil);
  const report = await runVerify({
    method: o.method,
    keyring: stack.keyring,
    keyIds: accounts.map((a) => stack.keyring.keyIdFor(a.id)),
    rankAccounts: true,
    suspect: { url: await stack.serveOne(suspect.studentDir) },
    references: [{ url: await stack.serveOne(suspect.referenceDir) }],
    model: 'suspect',
    probes: o.probes,
    outDir: join(stack.work, 'verify'),
    nullKeys: 200,
  });
  return { queries: harvest.paid, accounts: accounts.length, trainRecords: suspect.split.train.records.length, steps: suspect.steps, ...summariseVerify(report, accounts[o.leaked]?.id) };
}

/** What each end-to-end entry reports: the suspect's and reference's p-values, the null, and the leaker's rank. */
export function summariseVerify(report: EvidenceReport, leakedId: string | undefined): Record<string, unknown> {
  const accounts = report.accounts ?? [];
  return {
    probesAnswered: report.probes.answered,
    leakedAccountRank: accounts.findIndex((a) => a.accountId === leakedId) + 1,
    suspect: { pValue: report.result.pValue, details: report.result.details },
    reference: report.calibration.referenceModels.map((r) => ({ pValue: r.result?.pValue ?? null, details: r.result?.details ?? null })),
    nullKeys: { falseAlarmRateAt001: report.calibration.independentKeys.falseAlarmRateAt001, ksPValue: report.calibration.independentKeys.pValueUniformity.pValue },
    otherAccountsMinPValue: Math.min(...accounts.filter((a) => a.accountId !== leakedId).map((a) => a.pValue)),
    verdict: report.verdict,
  };
}
