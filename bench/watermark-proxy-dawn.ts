/**
 * DAWN end to end on the built-in models: classifier-teacher served by the model server behind a real gateway with
 * DAWN on; ten accounts send SpamAssassin traffic, one of them harvests `queries` answers with `moat distill`'s
 * harvester; a student-m is distilled from that harvest (Hinton KD, as `moat distill`); then `runVerify` asks the
 * student (served by a model server) about the ledger's inputs, with classifier-student-m (trained from scratch on
 * the same corpus) as the independent reference, and ranks the ten accounts.
 */
import { spamAssassinData } from '../src/ml/models/classifier/family.ts';
import { createClassifierVerifyMethod } from '../src/watermark/verify/classifier-method.ts';
import { harvestDistilVerify, startMarkedStack } from './watermark-proxy-stack.ts';

const MASTER = 'bench-dawn-master-secret-0123456789abcdefgh';

export async function dawnEndToEnd(options: {
  queries: number;
  accounts: number;
  steps: number;
  fraction: number;
  controlFraction: number;
  marginBand: { min: number; max: number };
  bandShare: number;
}): Promise<Record<string, unknown>> {
  const model = 'moat-classifier-teacher';
  const stack = await startMarkedStack({
    tmpPrefix: 'moat-wm-dawn-',
    master: MASTER,
    teacherDir: 'models/classifier-teacher',
    model,
    kind: 'classification',
    marks: { classifier: { enabled: true, fraction: options.fraction, controlFraction: options.controlFraction, marginBand: options.marginBand, bandShare: options.bandShare } },
    accounts: options.accounts,
  });
  try {
    const { accounts } = stack;
    const leaked = 3 % options.accounts;
    // The other accounts' own traffic: each a different slice of the training corpus, in batches of 50.
    const corpus = spamAssassinData().train.map((e) => e.text.slice(0, 4000));
    for (const [a, account] of accounts.entries()) {
      if (a === leaked) continue;
      const start = (a * 397) % corpus.length;
      const slice = [...corpus.slice(start), ...corpus.slice(0, start)].slice(0, options.queries);
      for (let i = 0; i < slice.length; i += 50) {
        const res = await fetch(`${stack.gatewayUrl}/v1/classifications`, {
          method: 'POST',
          headers: { authorization: `Bearer ${account.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model, input: slice.slice(i, i + 50) }),
        });
        if (res.status !== 200) throw new Error(`traffic for account ${a}: ${res.status} ${await res.text()}`);
      }
    }
    return await harvestDistilVerify(stack, {
      model,
      leaked,
      modality: 'classifier',
      corpus: 'spam',
      queries: options.queries,
      distil: { family: 'classifier', steps: options.steps, batchSize: 64, referenceDir: 'models/classifier-student-m' },
      method: createClassifierVerifyMethod(stack.config),
      probes: 1000,
    });
  } finally {
    await stack.close();
  }
}
