/**
 * `npm run bench -- watermark-dawn-margin [--trials=12] [--queries=2000] [--steps=600]`: why DAWN selects from a
 * teacher-margin band, measured in-process without the gateway. Per trial, one account key picks watermark and
 * control inputs from `queries` SpamAssassin harvest prompts under two selections with the product's own code —
 * classic DAWN (every margin) and the default band — and a student-m is distilled from each marked harvest (the
 * distillation's 20% held-out split, as `moat distill`). Reported per selection: the Fisher p-value DAWN's verify
 * would compute on the account's own inputs, hits and control errors, the flipped share, and by teacher-margin bin
 * how many trained flips the copy reproduced and where its control errors fell (trained vs held-out inputs). Both
 * selections see the same prompts, key, split and training seed in the same trial. Writes
 * bench/results/watermark-dawn-margin.json.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../src/config/load.ts';
import { corpusPrompts } from '../src/distill/harvest/corpus-source.ts';
import type { ClassifierRecord } from '../src/distill/harvest/types.ts';
import { distillInto } from '../src/distill/train/distill.ts';
import type { TextClassifier } from '../src/ml/contracts.ts';
import { initEngine } from '../src/ml/engine/init.ts';
import { createModel, getFamily, loadModel } from '../src/ml/registry.ts';
import { type DawnSelection, dawnRole, flipAnswer, keyedWrongLabel, teacherMargin } from '../src/watermark/classifier/dawn.ts';
import { type DawnOutcome, scoreDawn } from '../src/watermark/classifier/detect.ts';

const BINS = [0, 0.2, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 1];
const log = (m: string) => process.stderr.write(`[dawn-margin] ${m}\n`);
const flag = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const unit = (text: string) => createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32;

interface Bin {
  from: number;
  trainedFlips: number;
  reproduced: number;
  controlsTrained: number;
  errorsTrained: number;
  controlsHeldOut: number;
  errorsHeldOut: number;
}

interface Served {
  input: string;
  role: 'watermark' | 'control' | 'none';
  margin: number;
  trueLabel: string;
  served: string;
  heldOut: boolean;
  record: ClassifierRecord;
}

export async function runWatermarkDawnMarginBench(): Promise<unknown> {
  const trials = flag('trials', 12);
  const queries = flag('queries', 2000);
  const steps = flag('steps', 600);
  await initEngine();
  const loaded = await loadModel('models/classifier-teacher');
  if (loaded.family !== 'classifier') throw new Error('models/classifier-teacher is not a classifier');
  const teacher = loaded.model;
  const band = parseConfig({}).watermark.classifier;
  const selections: Record<string, DawnSelection> = {
    classic: { ...band, marginBand: { min: 0, max: 1 }, bandShare: 1 },
    band,
  };
  const results: Record<string, { trials: Record<string, unknown>[]; bins: Bin[] }> = {};
  for (const name of Object.keys(selections)) results[name] = { trials: [], bins: BINS.slice(0, -1).map((from) => ({ from, trainedFlips: 0, reproduced: 0, controlsTrained: 0, errorsTrained: 0, controlsHeldOut: 0, errorsHeldOut: 0 })) };

  for (let t = 0; t < trials; t++) {
    const key = createHash('sha256').update(`dawn-margin-account-${t}`).digest();
    const prompts = corpusPrompts('spam', { seed: t + 1, count: queries }).map((p) => ('text' in p ? p.text : ''));
    const probabilities = teacher.predict(prompts);
    for (const [name, selection] of Object.entries(selections)) {
      const served = serve(teacher, prompts, probabilities, key, selection, t);
      const said = await distilAndAsk(served, steps, served.filter((s) => s.role !== 'none').map((s) => s.input));
      const chosen = served.filter((s) => s.role !== 'none');
      const outcomes: DawnOutcome[] = chosen.map((s, i) => ({ role: s.role as 'watermark' | 'control', served: s.served, suspect: said[i] ?? '' }));
      const score = scoreDawn(outcomes);
      const bins = results[name]?.bins ?? [];
      chosen.forEach((s, i) => {
        const bin = bins[binOf(s.margin)];
        if (!bin) return;
        const agrees = said[i] === s.served;
        if (s.role === 'watermark' && !s.heldOut) {
          bin.trainedFlips++;
          if (agrees) bin.reproduced++;
        } else if (s.role === 'control') {
          if (s.heldOut) {
            bin.controlsHeldOut++;
            if (!agrees) bin.errorsHeldOut++;
          } else {
            bin.controlsTrained++;
            if (!agrees) bin.errorsTrained++;
          }
        }
      });
      const trained = chosen.filter((s) => s.role === 'watermark' && !s.heldOut);
      const row = {
        trial: t,
        flippedShare: Math.round((score.watermarkInputs / queries) * 1e5) / 1e5,
        watermarkInputs: score.watermarkInputs,
        hits: score.hits,
        trainedWatermarkInputs: trained.length,
        trainedHits: trained.filter((s) => said[chosen.indexOf(s)] === s.served).length,
        controlInputs: score.controlInputs,
        controlErrors: score.controlErrors,
        pValue: score.pValue,
      };
      results[name]?.trials.push(row);
      log(`trial ${t + 1}/${trials} ${name}: hits ${row.hits}/${row.watermarkInputs}, control errors ${row.controlErrors}/${row.controlInputs}, p ${row.pValue.toExponential(2)}`);
    }
  }
  const summary = Object.fromEntries(
    Object.entries(results).map(([name, r]) => {
      const p = r.trials.map((x) => x.pValue as number);
      const sorted = [...p].sort((a, b) => a - b);
      return [name, { selection: selections[name], belowOneInAMillion: p.filter((x) => x < 1e-6).length, medianPValue: sorted[Math.floor(sorted.length / 2)], worstPValue: sorted.at(-1), trials: r.trials, byMargin: r.bins }];
    }),
  );
  const result = { command: `npm run bench -- watermark-dawn-margin --trials=${trials} --queries=${queries} --steps=${steps}`, trials, queries, steps, ...summary };
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(join('bench', 'results', 'watermark-dawn-margin.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** The bin a margin falls in: the last lower edge at or below it (a margin of exactly 1 joins the top bin). */
function binOf(margin: number): number {
  let j = 0;
  while (j + 1 < BINS.length - 1 && margin >= (BINS[j + 1] ?? 1)) j++;
  return j;
}

/** What the account would have been served: the teacher's answers with DAWN applied, and the held-out split. */
function serve(teacher: TextClassifier, prompts: readonly string[], rows: readonly number[][], key: Buffer, selection: DawnSelection, trial: number): Served[] {
  return prompts.map((input, i) => {
    const probabilities = Object.fromEntries(teacher.labels.map((l, k) => [l, rows[i]?.[k] ?? 0]));
    const trueLabel = teacher.labels[(rows[i] ?? []).indexOf(Math.max(...(rows[i] ?? [])))] ?? '';
    const margin = teacherMargin(probabilities);
    const role = dawnRole(key, input, margin, selection);
    const answer = role === 'watermark' ? flipAnswer({ label: trueLabel, probabilities }, keyedWrongLabel(key, input, teacher.labels, trueLabel)) : { label: trueLabel, probabilities };
    const record: ClassifierRecord = { modality: 'classifier', input, probabilities: answer.probabilities, label: answer.label };
    return { input, role, margin, trueLabel, served: answer.label, heldOut: unit(`held-out/${trial}/${input}`) < 0.2, record };
  });
}

/** Distils a fresh student-m from the served records (held-out split for early stopping) and asks it about `ask`. */
async function distilAndAsk(served: readonly Served[], steps: number, ask: readonly string[]): Promise<string[]> {
  const student = await createModel('classifier', 'student-m', 1, 'suspect');
  try {
    const records = (heldOut: boolean) => ({ family: 'classifier' as const, records: served.filter((s) => s.heldOut === heldOut).map((s) => s.record) });
    await distillInto(student, records(false), records(true), { seed: 1, steps, batchSize: 64, patience: 6 });
    const built = getFamily('classifier').toBuiltin(student);
    if (built.family !== 'classifier') throw new Error('student is not a classifier');
    return built.model.predict(ask).map((row) => built.model.labels[row.indexOf(Math.max(...row))] ?? '');
  } finally {
    student.dispose();
  }
}
