/**
 * DAWN end to end on the built-in models: classifier-teacher served by the model server behind a real gateway with
 * DAWN on; ten accounts send SpamAssassin traffic, one of them harvests `queries` answers with `moat distill`'s
 * harvester; a student-m is distilled from that harvest (Hinton KD, as `moat distill`); then `runVerify` asks the
 * student (served by a model server) about the ledger's inputs, with classifier-student-m (trained from scratch on
 * the same corpus) as the independent reference, and ranks the ten accounts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../src/config/load.ts';
import { distillInto } from '../src/distill/train/distill.ts';
import { readHarvestSplit } from '../src/distill/train/harvest-data.ts';
import { startGateway } from '../src/gateway/server.ts';
import { ApiKeyHasher } from '../src/keys/api-key.ts';
import { spamAssassinData } from '../src/ml/models/classifier/family.ts';
import { createModel, loadModel, loadTrainableModel, saveModel } from '../src/ml/registry.ts';
import { startModelServer } from '../src/serve/server.ts';
import { openMemoryStores } from '../src/store/memory/index.ts';
import { WatermarkKeyring } from '../src/watermark/keys.ts';
import { createClassifierVerifyMethod } from '../src/watermark/verify/classifier-method.ts';
import { runVerify } from '../src/watermark/verify/verify.ts';
import { harvestInto } from './distill-bench/common.ts';

const MASTER = 'bench-dawn-master-secret-0123456789abcdefgh';
const API_SECRET = 'bench-dawn-api-secret-0123456789abcdefghij';
const ACTION = { actor: 'bench', action: 'setup', target: '-', details: {} };

export async function dawnEndToEnd(options: { queries: number; accounts: number; steps: number }): Promise<Record<string, unknown>> {
  const work = mkdtempSync(join(tmpdir(), 'moat-wm-dawn-'));
  const silent = pino({ level: 'silent' });
  const teacher = await loadModel('models/classifier-teacher');
  const teacherServer = await startModelServer({ config: parseConfig({ serve: { host: '127.0.0.1', port: 0 } }), models: [teacher], logger: silent });
  const config = parseConfig({
    dataDir: join(work, 'gateway'),
    gateway: { port: 0 },
    limits: { account: { requestsPerMinute: 1_000_000, tokensPerMinute: 1_000_000_000 }, ip: {}, subnet: {} },
    watermark: { secret: MASTER, classifier: { enabled: true } },
    models: [{ name: 'moat-classifier-teacher', kinds: ['classification'], baseUrl: `${teacherServer.url}/v1`, tokenizer: 'chars', timeoutMs: 60_000 }],
  });
  const stores = openMemoryStores();
  const gateway = await startGateway({ config, stores, secret: API_SECRET, logger: silent });
  const hasher = new ApiKeyHasher(API_SECRET);
  const servers: { close(ms?: number): Promise<void> }[] = [];
  try {
    const accounts: { id: string; key: string }[] = [];
    for (let a = 0; a < options.accounts; a++) {
      const account = await stores.accounts.create({ name: `bench-${a}`, limits: {}, allowedModels: null }, ACTION);
      const issued = hasher.issue();
      await stores.keys.create({ id: `key_${a}`, accountId: account.id, prefix: issued.prefix, hash: issued.hash, name: null, createdAt: Date.now(), expiresAt: null }, ACTION);
      accounts.push({ id: account.id, key: issued.key });
    }
    const leaked = 3 % options.accounts;
    // The other accounts' own traffic: each a different slice of the training corpus, in batches of 50.
    const corpus = spamAssassinData().train.map((e) => e.text.slice(0, 4000));
    for (const [a, account] of accounts.entries()) {
      if (a === leaked) continue;
      const start = (a * 397) % corpus.length;
      const slice = [...corpus.slice(start), ...corpus.slice(0, start)].slice(0, options.queries);
      for (let i = 0; i < slice.length; i += 50) {
        const res = await fetch(`${gateway.url}/v1/classifications`, {
          method: 'POST',
          headers: { authorization: `Bearer ${account.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'moat-classifier-teacher', input: slice.slice(i, i + 50) }),
        });
        if (res.status !== 200) throw new Error(`traffic for account ${a}: ${res.status} ${await res.text()}`);
      }
    }
    const harvestDir = join(work, 'harvest');
    const harvest = await harvestInto(
      { teacher: `${gateway.url}/v1`, keys: [accounts[leaked]?.key ?? ''], model: 'moat-classifier-teacher', modality: 'classifier', source: { kind: 'corpus', corpus: 'spam' }, count: options.queries, out: harvestDir, seed: 1 },
      8,
    );
    const split = readHarvestSplit(harvestDir, 'classifier');
    const student = await createModel('classifier', 'student-m', 1, 'suspect');
    const trained = await distillInto(student, split.train, split.heldOut, { seed: 1, steps: options.steps, batchSize: 64, patience: 6 });
    await saveModel(student, join(work, 'student'), 'suspect');
    student.dispose();
    const reference = await loadTrainableModel('models/classifier-student-m');
    await saveModel(reference, join(work, 'reference'), 'suspect');
    reference.dispose();
    const serveOne = async (dir: string) => {
      const server = await startModelServer({ config: parseConfig({ serve: { host: '127.0.0.1', port: 0 } }), models: [await loadModel(dir)], logger: silent });
      servers.push(server);
      return `${server.url}/v1`;
    };
    const suspectUrl = await serveOne(join(work, 'student'));
    const referenceUrl = await serveOne(join(work, 'reference'));
    const keyring = new WatermarkKeyring({ secret: MASTER, currentVersion: 1 });
    const report = await runVerify({
      method: createClassifierVerifyMethod(config),
      keyring,
      keyIds: accounts.map((a) => keyring.keyIdFor(a.id)),
      rankAccounts: true,
      suspect: { url: suspectUrl },
      references: [{ url: referenceUrl }],
      model: 'suspect',
      probes: 1000,
      outDir: join(work, 'verify'),
      nullKeys: 200,
    });
    const leakedId = accounts[leaked]?.id;
    const result = report.result;
    return {
      queries: harvest.paid,
      accounts: options.accounts,
      trainRecords: split.train.records.length,
      steps: trained.result.steps,
      probesAnswered: report.probes.answered,
      leakedAccountRank: (report.accounts ?? []).findIndex((a) => a.accountId === leakedId) + 1,
      suspect: { pValue: result.pValue, details: result.details },
      reference: report.calibration.referenceModels.map((r) => ({ pValue: r.result?.pValue ?? null, details: r.result?.details ?? null })),
      nullKeys: { falseAlarmRateAt001: report.calibration.independentKeys.falseAlarmRateAt001, ksPValue: report.calibration.independentKeys.pValueUniformity.pValue },
      otherAccountsMinPValue: Math.min(...(report.accounts ?? []).filter((a) => a.accountId !== leakedId).map((a) => a.pValue)),
      verdict: report.verdict,
    };
  } finally {
    for (const s of servers) await s.close(1000);
    await gateway.close();
    await teacherServer.close(1000);
    await stores.close();
  }
}
