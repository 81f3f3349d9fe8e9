/**
 * Active-selection target: queries needed to reach 90% top-1 agreement when the student's own uncertainty picks
 * the next inputs, against the same inputs taken in random (harvest) order. Both pick from the same pool (the
 * classifier harvest's training part) and are measured on the same held-out answers; at every query count a fresh
 * student is trained the same way, so the only difference is which answers it saw. Active queries are harvested
 * through the server into their own store, so each one is really paid for.
 */
import { join } from 'node:path';
import { agreementOf } from '../../src/distill/eval/curve.ts';
import { classifierUncertainty, createActiveSelector } from '../../src/distill/harvest/active-selector.ts';
import { harvestActively } from '../../src/distill/harvest/active-harvest.ts';
import { openHarvestSession } from '../../src/distill/harvest/session.ts';
import type { ClassifierRecord } from '../../src/distill/harvest/types.ts';
import { distillInto, type RecordsFor } from '../../src/distill/train/distill.ts';
import type { HarvestSplit } from '../../src/distill/train/harvest-data.ts';
import type { ModelSize } from '../../src/ml/engine/module.ts';
import type { ClassifierNetwork } from '../../src/ml/models/classifier/network.ts';
import { asTextClassifier } from '../../src/ml/models/classifier/text-classifier.ts';
import { createModel } from '../../src/ml/registry.ts';
import { log, round } from './common.ts';

export interface CurvePointResult {
  queries: number;
  agreement: number;
}

export interface ActiveTargetResult {
  student: string;
  batch: number;
  stepsPerStudent: number;
  explore: number;
  random: CurvePointResult[];
  active: CurvePointResult[];
  threshold: number;
  randomQueriesToThreshold: number | null;
  activeQueriesToThreshold: number | null;
  /** active / random queries to the threshold (target ≤ 0.5). */
  ratio: number | null;
  met: boolean;
}

const EMPTY: RecordsFor = { family: 'classifier', records: [] };

async function trainAndMeasure(records: ClassifierRecord[], heldOut: RecordsFor, size: ModelSize, steps: number): Promise<{ agreement: number; student: ClassifierNetwork }> {
  const student = (await createModel('classifier', size, 1)) as unknown as ClassifierNetwork;
  await distillInto(student, { family: 'classifier', records }, EMPTY, { seed: 1, steps, batchSize: 32 });
  return { agreement: agreementOf(student, heldOut), student };
}

/** Runs both curves up to `maxQueries` in steps of `batch`. */
export async function activeTarget(opts: { url: string; dir: string; split: HarvestSplit; size: ModelSize; batch: number; maxQueries: number; steps: number; explore: number; threshold?: number }): Promise<ActiveTargetResult> {
  const threshold = opts.threshold ?? 0.9;
  const pool = opts.split.train.records as ClassifierRecord[];
  const budgets: number[] = [];
  for (let q = opts.batch; q <= Math.min(opts.maxQueries, pool.length); q += opts.batch) budgets.push(q);

  const random: CurvePointResult[] = [];
  for (const q of budgets) {
    const { agreement, student } = await trainAndMeasure(pool.slice(0, q), opts.split.heldOut, opts.size, opts.steps);
    student.dispose();
    random.push({ queries: q, agreement: round(agreement) });
    log(`random ${q}: agreement ${agreement.toFixed(3)}`);
    if (agreement >= threshold && random.filter((p) => p.agreement >= threshold).length >= 2) break;
  }

  const active: CurvePointResult[] = [];
  const session = await openHarvestSession({
    teacher: opts.url,
    keys: ['bench-active'],
    model: 'moat-classifier-teacher',
    modality: 'classifier',
    source: { kind: 'synthetic' },
    count: 1,
    out: join(opts.dir, 'classifier-active'),
    runId: 'active',
  });
  let current: ClassifierNetwork | null = null;
  const harvested: ClassifierRecord[] = [];
  const selector = createActiveSelector({
    // An untrained student scores everything alike, so the first round is a random pick (ties break at random).
    score: classifierUncertainty((texts) => (current === null ? texts.map(() => [0.5, 0.5]) : asTextClassifier(current).predict(texts)), 'margin'),
    explore: opts.explore,
    seed: 1,
  });
  try {
    await harvestActively(session.harvester, {
      selector,
      pool: pool.map((r) => ({ text: r.input })),
      batchSize: opts.batch,
      rounds: budgets.length,
      run: { concurrency: 8 },
      afterRound: async () => {
        // Every answer this active run has paid for so far, read back from its own store.
        harvested.length = 0;
        for (const r of session.store.reader.records('classifier', { runId: 'active' })) harvested.push(r.record);
        current?.dispose();
        const { agreement, student } = await trainAndMeasure(harvested, opts.split.heldOut, opts.size, opts.steps);
        current = student;
        active.push({ queries: harvested.length, agreement: round(agreement) });
        log(`active ${harvested.length}: agreement ${agreement.toFixed(3)}`);
        if (active.filter((p) => p.agreement >= threshold).length >= 2) throw new StopRounds();
      },
    }).catch((err: unknown) => {
      if (!(err instanceof StopRounds)) throw err;
    });
  } finally {
    (current as ClassifierNetwork | null)?.dispose();
    await session.close();
  }
  const first = (curve: CurvePointResult[]) => curve.find((p) => p.agreement >= threshold)?.queries ?? null;
  const r = first(random);
  const a = first(active);
  const ratio = r !== null && a !== null ? round(a / r) : null;
  return {
    student: opts.size,
    batch: opts.batch,
    stepsPerStudent: opts.steps,
    explore: opts.explore,
    random,
    active,
    threshold,
    randomQueriesToThreshold: r,
    activeQueriesToThreshold: a,
    ratio,
    met: ratio !== null && ratio <= 0.5,
  };
}

class StopRounds extends Error {}
