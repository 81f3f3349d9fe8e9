/**
 * The queries-to-fidelity curve: how much teacher access a copy needs. For each budget b, a fresh student learns from
 * the first b training records in harvest order (the queries a distiller would have paid for by then) and its
 * fidelity is measured on the same held-out records.
 */
import type { ModelFamilyName, ModelSize, TrainableModel } from '../../ml/engine/module.ts';
import type { CharLm } from '../../ml/models/lm/model.ts';
import { createModel, getFamily } from '../../ml/registry.ts';
import { type DistillSettings, distillInto, type RecordsFor } from '../train/distill.ts';
import type { HarvestSplit } from '../train/harvest-data.ts';
import { classifierFidelity, embedderFidelity, lmFidelity } from './fidelity.ts';

export interface CurvePoint {
  queries: number;
  agreement: number;
  steps: number;
}

/** The budgets when the harvest is big enough, else 1/8, 1/4, 1/2 and all of what there is. */
export function curveBudgets(available: number, full: readonly number[] = [1000, 2000, 5000, 10_000, 20_000, 50_000]): number[] {
  const fits = full.filter((b) => b <= available);
  const out = fits.length >= 2 ? fits : [available / 8, available / 4, available / 2].map((b) => Math.round(b)).filter((b) => b >= 1);
  return [...new Set([...out, available])].sort((a, b) => a - b);
}

/** Headline agreement of a student with the teacher on `heldOut`. */
export function agreementOf(student: TrainableModel, heldOut: RecordsFor): number {
  const builtin = getFamily(student.family).toBuiltin(student);
  switch (heldOut.family) {
    case 'classifier':
      return builtin.family === 'classifier' ? classifierFidelity(builtin.model, heldOut.records).agreement : Number.NaN;
    case 'lm':
      return lmFidelity(student as unknown as CharLm, heldOut.records).nextTokenAgreement;
    case 'embedder':
      return builtin.family === 'embedder' ? embedderFidelity(builtin.model, heldOut.records).neighbourAgreement : Number.NaN;
  }
}

/**
 * Trains one fresh student per budget and measures it. `settings` (steps, loss, …) are the same for every budget,
 * so the only thing that varies is how many queries the student saw.
 *
 * @example const curve = await fidelityCurve(split, 'classifier', 'student-s', [100, 200, 400], { seed: 1, steps: 200 });
 */
export async function fidelityCurve(
  split: HarvestSplit,
  family: ModelFamilyName,
  size: ModelSize,
  budgets: readonly number[],
  settings: DistillSettings,
  onPoint: (p: CurvePoint) => void = () => {},
): Promise<CurvePoint[]> {
  const points: CurvePoint[] = [];
  for (const queries of budgets) {
    const prefix = { ...split.train, records: split.train.records.slice(0, queries) } as RecordsFor;
    const student = await createModel(family, size, settings.seed);
    try {
      const outcome = await distillInto(student, prefix, split.heldOut, { ...settings, checkpointDir: undefined });
      const point = { queries, agreement: agreementOf(student, split.heldOut), steps: outcome.result.steps };
      points.push(point);
      onPoint(point);
    } finally {
      student.dispose();
    }
  }
  return points;
}
