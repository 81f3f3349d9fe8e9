/**
 * The embedding mark end to end on the built-in models: embedder-teacher served by the model server behind a real
 * gateway with the embedding mark on; one of ten accounts harvests `queries` State of the Union passages with
 * `moat distill`'s harvester; an embedder student-m is distilled from that harvest; `runVerify` probes it (served by
 * a model server) and ranks the ten accounts, with embedder-student-m trained from scratch as the independent
 * reference.
 */
import { join } from 'node:path';
import { createEmbeddingVerifyMethod } from '../src/watermark/verify/embedding-method.ts';
import { runVerify } from '../src/watermark/verify/verify.ts';
import { harvestInto } from './distill-bench/common.ts';
import { distilSuspect, startMarkedStack, summariseVerify } from './watermark-proxy-stack.ts';

const MASTER = 'bench-embedding-master-secret-0123456789abcd';

export async function embeddingEndToEnd(options: { queries: number; accounts: number; steps: number; probes: number }): Promise<Record<string, unknown>> {
  const model = 'moat-embedder-teacher';
  const stack = await startMarkedStack({
    tmpPrefix: 'moat-wm-embed-',
    master: MASTER,
    teacherDir: 'models/embedder-teacher',
    model,
    kind: 'embedding',
    marks: { embedding: { enabled: true } },
    accounts: options.accounts,
  });
  try {
    const { accounts } = stack;
    const leaked = 6 % options.accounts;
    const harvest = await harvestInto(
      { teacher: `${stack.gatewayUrl}/v1`, keys: [accounts[leaked]?.key ?? ''], model, modality: 'embedding', source: { kind: 'corpus', corpus: 'sotu' }, count: options.queries, out: join(stack.work, 'harvest'), seed: 1 },
      8,
    );
    const suspect = await distilSuspect(stack, { family: 'embedder', steps: options.steps, batchSize: 32, referenceDir: 'models/embedder-student-m' });
    const report = await runVerify({
      method: createEmbeddingVerifyMethod(stack.config),
      keyring: stack.keyring,
      keyIds: accounts.map((a) => stack.keyring.keyIdFor(a.id)),
      rankAccounts: true,
      suspect: { url: await stack.serveOne(suspect.studentDir) },
      references: [{ url: await stack.serveOne(suspect.referenceDir) }],
      model: 'suspect',
      probes: options.probes,
      outDir: join(stack.work, 'verify'),
      nullKeys: 200,
    });
    return { queries: harvest.paid, accounts: options.accounts, trainRecords: suspect.split.train.records.length, steps: suspect.steps, ...summariseVerify(report, accounts[leaked]?.id) };
  } finally {
    await stack.close();
  }
}
