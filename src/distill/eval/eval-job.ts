/**
 * `moat distill eval` as a function: load the student, open the teacher, score the held-out records, optionally
 * draw the queries-to-fidelity curve, and write `eval.json`, `curve.json` and `curve.svg` into the output directory.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initEngine } from '../../ml/engine/init.ts';
import { spamAssassinData } from '../../ml/models/classifier/family.ts';
import { loadTrainableModel } from '../../ml/registry.ts';
import { readHarvestSplit } from '../train/harvest-data.ts';
import type { DistillLoss } from '../train/objectives.ts';
import { type CurvePoint, curveBudgets, fidelityCurve } from './curve.ts';
import { type EvalReport, evaluateStudent, type LabelledExample } from './evaluate.ts';
import { linePlotSvg } from './svg-plot.ts';
import { openTeacher } from './teacher.ts';

export interface EvalJobSpec {
  student: string;
  teacher: string;
  data: string;
  key?: string;
  model?: string;
  /** Where the report files go (default: the student's directory). */
  out?: string;
  /** Labelled data for the classifier's quality: `spam` (SpamAssassin test split) or `none`. */
  labelled?: 'spam' | 'none';
  /** At most this many labelled examples (evenly spaced). */
  labelledMax?: number;
  /** Labelled texts are cut to this many characters (a model server refuses longer inputs; default 8000). */
  labelledMaxChars?: number;
  curve?: boolean;
  /** Steps per curve student (default: the student's own distill-log steps, else 200). */
  curveSteps?: number;
  curveBudgets?: number[];
  seed?: number;
}

export interface EvalJobResult {
  report: EvalReport;
  curve: CurvePoint[] | null;
  files: string[];
}

export type EvalJobProgress = { kind: 'evaluated'; report: EvalReport } | { kind: 'curve-start'; budgets: number[] } | { kind: 'curve-point'; point: CurvePoint };

/** Runs the evaluation and writes its files. */
export async function runEvalJob(spec: EvalJobSpec, onProgress: (p: EvalJobProgress) => void = () => {}): Promise<EvalJobResult> {
  await initEngine();
  const student = await loadTrainableModel(spec.student);
  const out = spec.out ?? spec.student;
  const files: string[] = [];
  try {
    const split = readHarvestSplit(spec.data, student.family);
    const teacher = await openTeacher(spec.teacher, { key: spec.key, model: spec.model, family: student.family });
    const labelled = student.family === 'classifier' && (spec.labelled ?? 'spam') === 'spam' ? spamTest(spec.labelledMax, spec.labelledMaxChars) : undefined;
    const report = await evaluateStudent(student, teacher, split, { labelled });
    onProgress({ kind: 'evaluated', report });
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'eval.json'), `${JSON.stringify(report, null, 2)}\n`);
    files.push(join(out, 'eval.json'));
    let curve: CurvePoint[] | null = null;
    if (spec.curve ?? true) {
      const trained = await distillLog(spec.student);
      const budgets = spec.curveBudgets ?? curveBudgets(split.train.records.length);
      onProgress({ kind: 'curve-start', budgets });
      curve = await fidelityCurve(
        split,
        student.family,
        student.size,
        budgets,
        { seed: spec.seed ?? trained?.settings.seed ?? 1, steps: spec.curveSteps ?? trained?.settings.steps ?? 200, loss: trained?.settings.loss, alpha: trained?.settings.alpha, temperature: trained?.settings.temperature },
        (point) => onProgress({ kind: 'curve-point', point }),
      );
      files.push(...(await writeCurve(out, curve, report)));
    }
    return { report, curve, files };
  } finally {
    student.dispose();
  }
}

/** Writes `curve.json` and `curve.svg`; returns their paths. */
export async function writeCurve(out: string, curve: readonly CurvePoint[], report: Pick<EvalReport, 'family' | 'student' | 'teacher'>, extra: { name: string; points: CurvePoint[] }[] = []): Promise<string[]> {
  const json = join(out, 'curve.json');
  const svg = join(out, 'curve.svg');
  await writeFile(json, `${JSON.stringify({ family: report.family, student: report.student.size, teacher: report.teacher.name, points: curve, extra }, null, 2)}\n`);
  const metric = report.family === 'lm' ? 'next-token agreement' : report.family === 'embedder' ? 'neighbour agreement' : 'top-1 agreement';
  const series = [{ name: `${report.student.size} student`, points: curve.map((p) => ({ x: p.queries, y: p.agreement })) }, ...extra.map((e) => ({ name: e.name, points: e.points.map((p) => ({ x: p.queries, y: p.agreement })) }))];
  await writeFile(svg, linePlotSvg(series, { title: `Queries to fidelity: ${report.teacher.name} → ${report.student.size}`, xLabel: 'teacher queries (training records)', yLabel: metric, yRange: [0, 1] }));
  return [json, svg];
}

interface SavedDistillLog {
  settings: { loss: DistillLoss; alpha: number; temperature: number; steps: number; seed: number };
}

async function distillLog(dir: string): Promise<SavedDistillLog | null> {
  try {
    return JSON.parse(await readFile(join(dir, 'distill-log.json'), 'utf8')) as SavedDistillLog;
  } catch {
    return null;
  }
}

function spamTest(max = Number.POSITIVE_INFINITY, maxChars = 8000): LabelledExample[] {
  const test = spamAssassinData().test;
  const n = Math.min(max, test.length);
  // Cut to what a model server accepts in one input (serve.maxInputChars); both models see the same text.
  return Array.from({ length: n }, (_, i) => test[Math.floor((i * test.length) / n)]).map((e) => ({ text: e.text.slice(0, maxChars), label: e.label }));
}
