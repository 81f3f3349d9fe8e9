/**
 * The embedding mark end to end on the built-in models: embedder-teacher served by the model server behind a real
 * gateway with the embedding mark on; one of ten accounts harvests `queries` State of the Union passages with
 * `moat distill`'s harvester; an embedder student-m is distilled from that harvest; `runVerify` probes it (served by
 * a model server) and ranks the ten accounts, with embedder-student-m trained from scratch as the independent
 * reference.
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
import { createModel, loadModel, loadTrainableModel, saveModel } from '../src/ml/registry.ts';
import { startModelServer } from '../src/serve/server.ts';
import { openMemoryStores } from '../src/store/memory/index.ts';
import { WatermarkKeyring } from '../src/watermark/keys.ts';
import { createEmbeddingVerifyMethod } from '../src/watermark/verify/embedding-method.ts';
import { runVerify } from '../src/watermark/verify/verify.ts';
import { harvestInto } from './distill-bench/common.ts';

const MASTER = 'bench-embedding-master-secret-0123456789abcd';
const API_SECRET = 'bench-embedding-api-secret-0123456789abcdefg';
const ACTION = { actor: 'bench', action: 'setup', target: '-', details: {} };

export async function embeddingEndToEnd(options: { queries: number; accounts: number; steps: number; probes: number }): Promise<Record<string, unknown>> {
  const work = mkdtempSync(join(tmpdir(), 'moat-wm-embed-'));
  const silent = pino({ level: 'silent' });
  const teacherServer = await startModelServer({ config: parseConfig({ serve: { host: '127.0.0.1', port: 0 } }), models: [await loadModel('models/embedder-teacher')], logger: silent });
  const config = parseConfig({
    dataDir: join(work, 'gateway'),
    gateway: { port: 0 },
    limits: { account: { requestsPerMinute: 1_000_000, tokensPerMinute: 1_000_000_000 }, ip: {}, subnet: {} },
    watermark: { secret: MASTER, embedding: { enabled: true } },
    models: [{ name: 'moat-embedder-teacher', kinds: ['embedding'], baseUrl: `${teacherServer.url}/v1`, tokenizer: 'chars', timeoutMs: 60_000 }],
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
    const leaked = 6 % options.accounts;
    const harvestDir = join(work, 'harvest');
    const harvest = await harvestInto(
      { teacher: `${gateway.url}/v1`, keys: [accounts[leaked]?.key ?? ''], model: 'moat-embedder-teacher', modality: 'embedding', source: { kind: 'corpus', corpus: 'sotu' }, count: options.queries, out: harvestDir, seed: 1 },
      8,
    );
    const split = readHarvestSplit(harvestDir, 'embedder');
    const student = await createModel('embedder', 'student-m', 1, 'suspect');
    const trained = await distillInto(student, split.train, split.heldOut, { seed: 1, steps: options.steps, batchSize: 32, patience: 6 });
    await saveModel(student, join(work, 'student'), 'suspect');
    student.dispose();
    const reference = await loadTrainableModel('models/embedder-student-m');
    await saveModel(reference, join(work, 'reference'), 'suspect');
    reference.dispose();
    const serveOne = async (dir: string) => {
      const server = await startModelServer({ config: parseConfig({ serve: { host: '127.0.0.1', port: 0 } }), models: [await loadModel(dir)], logger: silent });
      servers.push(server);
      return `${server.url}/v1`;
    };
    const keyring = new WatermarkKeyring({ secret: MASTER, currentVersion: 1 });
    const report = await runVerify({
      method: createEmbeddingVerifyMethod(config),
      keyring,
      keyIds: accounts.map((a) => keyring.keyIdFor(a.id)),
      rankAccounts: true,
      suspect: { url: await serveOne(join(work, 'student')) },
      references: [{ url: await serveOne(join(work, 'reference')) }],
      model: 'suspect',
      probes: options.probes,
      outDir: join(work, 'verify'),
      nullKeys: 200,
    });
    const leakedId = accounts[leaked]?.id;
    return {
      queries: harvest.paid,
      accounts: options.accounts,
      trainRecords: split.train.records.length,
      steps: trained.result.steps,
      probesAnswered: report.probes.answered,
      leakedAccountRank: (report.accounts ?? []).findIndex((a) => a.accountId === leakedId) + 1,
      suspect: { pValue: report.result.pValue, details: report.result.details },
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
