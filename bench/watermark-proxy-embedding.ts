/**
 * The embedding mark end to end on the built-in models: embedder-teacher served by the model server behind a real
 * gateway with the embedding mark on; one of ten accounts harvests `queries` State of the Union passages with
 * `moat distill`'s harvester; an embedder student-m is distilled from that harvest; `runVerify` probes it (served by
 * a model server) and ranks the ten accounts, with embedder-student-m trained from scratch as the independent
 * reference.
 */
import type { EmbeddingMarkParams } from '../src/watermark/embedding/marker.ts';
import { createEmbeddingVerifyMethod } from '../src/watermark/verify/embedding-method.ts';
import { harvestDistilVerify, startMarkedStack } from './watermark-proxy-stack.ts';

const MASTER = 'bench-embedding-master-secret-0123456789abcd';

export async function embeddingEndToEnd(options: { queries: number; accounts: number; steps: number; probes: number; mark: EmbeddingMarkParams; trial?: number }): Promise<Record<string, unknown>> {
  const model = 'moat-embedder-teacher';
  const stack = await startMarkedStack({
    tmpPrefix: 'moat-wm-embed-',
    // Another trial = another master: new trigger words, new account keys and directions.
    master: options.trial ? `${MASTER}/trial-${options.trial}` : MASTER,
    teacherDir: 'models/embedder-teacher',
    model,
    kind: 'embedding',
    marks: { embedding: { enabled: true, ...options.mark } },
    accounts: options.accounts,
  });
  try {
    return await harvestDistilVerify(stack, {
      model,
      leaked: 6 % options.accounts,
      modality: 'embedding',
      corpus: 'sotu',
      queries: options.queries,
      distil: { family: 'embedder', steps: options.steps, batchSize: 32, referenceDir: 'models/embedder-student-m' },
      method: createEmbeddingVerifyMethod(stack.config),
      probes: options.probes,
    });
  } finally {
    await stack.close();
  }
}
