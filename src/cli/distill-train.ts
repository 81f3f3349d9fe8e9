/**
 * `moat distill train` and `moat distill eval`: distil a harvest into a student built from the registry, and score a
 * student against its teacher (fidelity, quality kept, compression, speed-up, queries-to-fidelity curve).
 */
import type { Command } from 'commander';
import type { EvalReport } from '../distill/eval/evaluate.ts';
import { type EvalJobResult, runEvalJob } from '../distill/eval/eval-job.ts';
import { LOSSES } from '../distill/train/objectives.ts';
import { type DistillTrainLog, trainStudent } from '../distill/train/train-student.ts';
import { MODEL_SIZES } from '../ml/engine/module.ts';
import { asExit } from './distill-harvest.ts';
import { type CliIO, defaultIO, ExitError, output, parseCount, progress, table } from './io.ts';

const FAMILIES = ['lm', 'classifier', 'embedder'] as const;

export interface TrainArgs {
  data?: string;
  student?: string;
  family?: string;
  loss?: string;
  steps?: string;
  alpha?: string;
  temperature?: string;
  batchSize?: string;
  lr?: string;
  out?: string;
  seed?: string;
  run?: string;
  resume?: boolean;
}

/** Validates flags, trains with a progress bar, prints the log's summary. */
export async function trainCommand(args: TrainArgs, io: CliIO): Promise<DistillTrainLog> {
  const data = required('--data', args.data);
  const family = oneOf('--family', args.family, FAMILIES);
  const student = oneOf('--student', args.student, MODEL_SIZES);
  const loss = args.loss === undefined ? undefined : oneOf('--loss', args.loss, LOSSES);
  const out = args.out ?? `.moat/distill/student-${family}-${student}`;
  let bar = progress(io, 1, 'train {bar} {value}/{total} | loss {loss} | held-out {eval} | {ips} items/s | ETA {eta}s');
  let heldOut = '-';
  const log = await asExit(() =>
    trainStudent(
      {
        data,
        family,
        student,
        out,
        loss,
        seed: args.seed === undefined ? 1 : parseCount('--seed', args.seed, 0),
        steps: optionalCount('--steps', args.steps),
        batchSize: optionalCount('--batch-size', args.batchSize),
        alpha: optionalNumber('--alpha', args.alpha, 0, 1),
        temperature: optionalNumber('--temperature', args.temperature, 1e-3, 100),
        lr: optionalNumber('--lr', args.lr, 1e-6, 1),
        runId: args.run,
        resume: args.resume ?? true,
      },
      (p) => {
        if (p.kind === 'start') {
          bar.stop();
          bar = progress(io, p.steps, 'train {bar} {value}/{total} | loss {loss} | held-out {eval} | {ips} items/s | ETA {eta}s');
          bar.update(p.startStep, { loss: '-', eval: heldOut, ips: '-' });
        } else if (p.kind === 'step') {
          bar.update(p.step, { loss: p.loss.toFixed(4), eval: heldOut, ips: Math.round(p.itemsPerSecond) });
        } else {
          heldOut = p.loss.toFixed(4);
        }
      },
    ),
  ).finally(() => bar.stop());
  output(io, log, () => describeTrain(log, out));
  return log;
}

function describeTrain(log: DistillTrainLog, out: string): string {
  const s = log.settings;
  return [
    `trained ${log.family} student ${log.size} (${log.parameterCount.toLocaleString('en')} parameters) → ${out}`,
    `loss ${s.loss} (alpha ${s.alpha}, T ${s.temperature}), ${log.stepsCompleted} steps${log.stoppedEarly ? ' (stopped early)' : ''}, ${log.trainExamples} train / ${log.heldOutExamples} held-out records, ${log.trainSeconds} s`,
    `held-out distillation loss: best ${log.bestHeldOutLoss?.toFixed(4) ?? '-'} at step ${log.bestStep ?? '-'}`,
  ].join('\n');
}

export interface EvalArgs {
  student?: string;
  teacher?: string;
  data?: string;
  key?: string;
  model?: string;
  out?: string;
  labelled?: string;
  labelledMax?: string;
  curve?: boolean;
  curveSteps?: string;
  seed?: string;
}

/** Scores a student against its teacher and prints the numbers; files go to --out (default: the student dir). */
export async function evalCommand(args: EvalArgs, io: CliIO): Promise<EvalJobResult> {
  let bar = progress(io, 1, 'curve {bar} {value}/{total} budgets');
  let done = 0;
  const result = await asExit(() =>
    runEvalJob(
      {
        student: required('--student', args.student),
        teacher: required('--teacher', args.teacher),
        data: required('--data', args.data),
        key: args.key,
        model: args.model,
        out: args.out,
        labelled: args.labelled === undefined ? undefined : oneOf('--labelled', args.labelled, ['spam', 'none'] as const),
        labelledMax: optionalCount('--labelled-max', args.labelledMax),
        curve: args.curve,
        curveSteps: optionalCount('--curve-steps', args.curveSteps),
        seed: optionalCount('--seed', args.seed),
      },
      (p) => {
        if (p.kind === 'curve-start') bar = progress(io, p.budgets.length, 'curve {bar} {value}/{total} budgets');
        if (p.kind === 'curve-point') bar.update(++done);
      },
    ),
  ).finally(() => bar.stop());
  output(io, result, () => `${evalTable(result.report)}${result.curve ? `\n\n${curveTable(result)}` : ''}\n\nwrote ${result.files.join(', ')}`);
  return result;
}

/** The report as a two-column table. */
export function evalTable(r: EvalReport): string {
  const pct = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : `${(100 * x).toFixed(1)}%`);
  const num = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
  const f = r.fidelity as unknown as Record<string, number>;
  const rows: (string | number)[][] = [
    ['metric', 'value'],
    ['student', `${r.student.name} (${r.student.size}, ${r.student.parameterCount.toLocaleString('en')} params)`],
    ['teacher', `${r.teacher.name} (${r.teacher.parameterCount?.toLocaleString('en') ?? '?'} params, ${r.teacher.where})`],
    ['held-out records', r.heldOutRecords],
    [r.family === 'lm' ? 'next-token agreement' : r.family === 'embedder' ? 'neighbour agreement' : 'top-1 agreement', pct(r.agreement)],
  ];
  if (r.family === 'lm') rows.push(['KL(teacher‖student), top-k', num(f.klTopK, 4)], ['perplexity student / teacher', `${num(f.studentPerplexity)} / ${num(f.teacherPerplexity)}`]);
  if (r.family === 'classifier') rows.push(['mean KL(teacher‖student)', num(f.meanKl, 4)]);
  if (r.family === 'embedder') rows.push(['mean cosine to teacher', num(f.meanCosine)]);
  if (r.quality) rows.push([`quality kept (${r.quality.metric})`, `${pct(r.quality.kept)} (student ${num(r.quality.student)}, teacher ${num(r.quality.teacher)})`]);
  rows.push(['parameters student / teacher', pct(r.parameterRatio)]);
  rows.push(['latency student / teacher', `${num(r.latency.studentMs, 2)} ms / ${num(r.latency.teacherMs, 2)} ms (${num(r.latency.speedUp, 1)}× faster)`]);
  return table(rows);
}

function curveTable(result: EvalJobResult): string {
  return table([['queries', 'agreement', 'steps'], ...(result.curve ?? []).map((p) => [p.queries, `${(100 * p.agreement).toFixed(1)}%`, p.steps])]);
}

function required(flag: string, value: string | undefined): string {
  if (value === undefined || value.trim() === '') throw new ExitError(2, `${flag} is required`);
  return value;
}

function oneOf<T extends string>(flag: string, value: string | undefined, choices: readonly T[]): T {
  const v = required(flag, value);
  if (!(choices as readonly string[]).includes(v)) throw new ExitError(2, `${flag} must be one of ${choices.join(', ')}, got '${v}'`);
  return v as T;
}

function optionalCount(flag: string, value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseCount(flag, value, 1);
}

function optionalNumber(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new ExitError(2, `${flag} must be a number in [${min}, ${max}], got '${value}'`);
  return n;
}

/** Adds `train` and `eval` (and, from distill-run.ts, `run`) under `moat distill`. */
export function registerDistillTrainCommands(distill: Command, json: () => boolean | undefined): void {
  distill
    .command('train')
    .description('train a student (registry family and size) on a harvest: KD losses, progress, early stop, checkpoints/resume')
    .option('--data <dir>', 'harvest directory (harvest.sqlite)')
    .option('--student <size>', `${MODEL_SIZES.join(' | ')}`)
    .option('--family <f>', `${FAMILIES.join(' | ')}`)
    .option('--loss <l>', 'classifier: hinton | seq-kd; lm: topk-kl | seq-kd; embedder: cosine | mse')
    .option('--steps <n>', 'training steps')
    .option('--alpha <a>', 'weight of the soft (teacher distribution) term; 1 − alpha goes to hard labels / sequence KD')
    .option('--temperature <t>', 'Hinton KD temperature')
    .option('--batch-size <n>', 'examples per step')
    .option('--lr <x>', 'peak learning rate')
    .option('--out <dir>', 'where the student is saved (model.json, weights.bin, distill-log.json)')
    .option('--seed <n>', 'seed for init, batching and dropout', '1')
    .option('--run <id>', 'only records of this harvest run')
    .option('--no-resume', 'start over even if <out>/checkpoint holds a checkpoint')
    .action(async (flags: TrainArgs) => {
      await trainCommand(flags, defaultIO(json()));
    });
  distill
    .command('eval')
    .description('score a student against its teacher: fidelity, quality kept, compression, speed-up, queries-to-fidelity curve')
    .option('--student <dir>', 'saved student directory')
    .option('--teacher <url|dir>', 'teacher: OpenAI-compatible base URL, or a saved model directory')
    .option('--data <dir>', 'the harvest the student was trained on (its held-out part is used)')
    .option('--key <key>', 'API key for a teacher URL')
    .option('--model <name>', 'teacher model name behind the URL')
    .option('--out <dir>', 'where eval.json, curve.json and curve.svg go (default: the student dir)')
    .option('--labelled <set>', 'classifier accuracy data: spam | none', 'spam')
    .option('--labelled-max <n>', 'at most this many labelled examples')
    .option('--no-curve', 'skip the queries-to-fidelity curve (it trains one student per budget)')
    .option('--curve-steps <n>', 'training steps per curve student (default: the student’s own)')
    .option('--seed <n>', 'seed for the curve students')
    .action(async (flags: EvalArgs) => {
      await evalCommand(flags, defaultIO(json()));
    });
}
