/**
 * `moat distill run`: harvest → train → eval in one command, with a progress bar per stage, a summary table at the
 * end and report.json / report.md in --out.
 */
import type { Command } from 'commander';
import { normaliseTeacherUrl } from '../distill/harvest/session.ts';
import { parseSourceSpec } from '../distill/harvest/sources.ts';
import { summaryRows } from '../distill/run/report.ts';
import { type RunReport, runDistillation } from '../distill/run/run-job.ts';
import { LOSSES } from '../distill/train/objectives.ts';
import { MODEL_SIZES, type ModelFamilyName } from '../ml/engine/module.ts';
import { asExit } from './distill-harvest.ts';
import { type CliIO, defaultIO, ExitError, output, parseCount, type Progress, progress, table } from './io.ts';

export interface RunArgs {
  teacher?: string;
  key?: string;
  model?: string;
  family?: string;
  budget?: string;
  student?: string;
  out?: string;
  source?: string;
  loss?: string;
  steps?: string;
  concurrency?: string;
  maxTokens?: string;
  logprobs?: string;
  seed?: string;
  curve?: boolean;
  curveSteps?: string;
  labelledMax?: string;
}

const FAMILIES = ['lm', 'classifier', 'embedder'] as const;

/** Validates flags, runs the three stages and prints the summary. */
export async function runCommand(args: RunArgs, io: CliIO, signal?: AbortSignal): Promise<RunReport> {
  const need = (flag: string, v: string | undefined) => {
    if (v === undefined || v.trim() === '') throw new ExitError(2, `${flag} is required`);
    return v;
  };
  const teacher = need('--teacher', args.teacher);
  const keys = need('--key', args.key).split(',').map((k) => k.trim()).filter((k) => k !== '');
  const model = need('--model', args.model);
  const student = need('--student', args.student);
  if (!(MODEL_SIZES as readonly string[]).includes(student)) throw new ExitError(2, `--student must be one of ${MODEL_SIZES.join(', ')}, got '${student}'`);
  if (args.loss !== undefined && !(LOSSES as readonly string[]).includes(args.loss)) throw new ExitError(2, `--loss must be one of ${LOSSES.join(', ')}`);
  const family = args.family ?? (await asExit(() => detectFamily(teacher, keys[0], model)));
  if (!(FAMILIES as readonly string[]).includes(family)) throw new ExitError(2, `--family must be one of ${FAMILIES.join(', ')}, got '${family}'`);
  const count = (flag: string, v: string | undefined) => (v === undefined ? undefined : parseCount(flag, v, 1));
  let bar: Progress | null = null;
  let curveDone = 0;
  const start = (total: number, format: string) => {
    bar?.stop();
    bar = progress(io, total, format);
  };
  const report = await asExit(() =>
    runDistillation(
      {
        teacher,
        keys,
        model,
        family: family as ModelFamilyName,
        budget: parseCount('--budget', need('--budget', args.budget), 1),
        student: student as (typeof MODEL_SIZES)[number],
        out: need('--out', args.out),
        source: args.source === undefined ? undefined : parseSourceSpec(args.source),
        loss: args.loss as (typeof LOSSES)[number] | undefined,
        steps: count('--steps', args.steps),
        concurrency: count('--concurrency', args.concurrency),
        maxTokens: count('--max-tokens', args.maxTokens),
        logprobs: args.logprobs === undefined ? undefined : parseCount('--logprobs', args.logprobs, 0),
        seed: args.seed === undefined ? undefined : parseCount('--seed', args.seed, 0),
        curve: args.curve,
        curveSteps: count('--curve-steps', args.curveSteps),
        labelledMax: count('--labelled-max', args.labelledMax),
      },
      (p) => {
        switch (p.stage) {
          case 'begin':
            io.stderr.write(`moat distill run: ${p.name}…\n`);
            break;
          case 'done':
            bar?.stop();
            bar = null;
            break;
          case 'harvest':
            if (bar === null) start(p.progress.total, 'harvest {bar} {value}/{total} | {qps} q/s | cache {hits}');
            bar?.update(p.progress.done, { qps: p.progress.queriesPerSecond.toFixed(1), hits: p.progress.cacheHits });
            break;
          case 'train':
            if (p.progress.kind === 'start') start(p.progress.steps, 'train   {bar} {value}/{total} | loss {loss}');
            else if (p.progress.kind === 'step') bar?.update(p.progress.step, { loss: p.progress.loss.toFixed(4) });
            break;
          case 'eval':
            if (p.progress.kind === 'curve-start') {
              curveDone = 0;
              start(p.progress.budgets.length, 'curve   {bar} {value}/{total} budgets');
            } else if (p.progress.kind === 'curve-point') {
              bar?.update(++curveDone);
            }
            break;
        }
      },
      signal,
    ),
  ).finally(() => (bar as Progress | null)?.stop());
  output(io, report, () => `${table([['', ''], ...summaryRows(report)]).split('\n').slice(1).join('\n')}\n\nreport: ${report.files.join(', ')}`);
  return report;
}

/** The family of `model` as the teacher's /models lists it. */
async function detectFamily(teacher: string, key: string | undefined, model: string): Promise<string> {
  const base = normaliseTeacherUrl(teacher);
  try {
    const res = await fetch(`${base}/models`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    const body = (await res.json()) as { data?: { id?: string; family?: string }[] };
    const family = body.data?.find((m) => m.id === model)?.family;
    if (family !== undefined) return family;
  } catch {
    // fall through to the message below
  }
  throw new ExitError(2, `could not tell the family of ${model} from ${base}/models; pass --family lm|classifier|embedder`);
}

/** Adds `moat distill run`. */
export function registerDistillRunCommand(distill: Command, json: () => boolean | undefined): void {
  distill
    .command('run')
    .description('one shot: harvest a teacher, train a student, evaluate it; report.json + report.md in --out')
    .option('--teacher <url>', 'teacher base URL, e.g. http://127.0.0.1:8090/v1')
    .option('--key <keys>', 'API key(s), comma-separated')
    .option('--model <name>', 'teacher model name')
    .option('--family <f>', 'lm | classifier | embedder (default: from the teacher’s /models)')
    .option('--budget <n>', 'paid teacher queries (also the number of prompts drawn)')
    .option('--student <size>', `${MODEL_SIZES.join(' | ')}`)
    .option('--out <dir>', 'run directory (harvest/, student/, eval.json, curve.svg, report.md)')
    .option('--source <spec>', 'prompt source (default: the family’s corpus: corpus:spam, corpus:moby-dick, corpus:sotu)')
    .option('--loss <l>', 'distillation loss (default per family)')
    .option('--steps <n>', 'training steps')
    .option('--concurrency <n>', 'harvest requests in flight')
    .option('--max-tokens <n>', 'text: tokens per teacher answer')
    .option('--logprobs <k>', 'text: top-k logprobs per token')
    .option('--seed <n>', 'seed for prompts, training and curve')
    .option('--no-curve', 'skip the queries-to-fidelity curve')
    .option('--curve-steps <n>', 'training steps per curve student')
    .option('--labelled-max <n>', 'classifier: at most this many labelled test messages for accuracy')
    .action(async (flags: RunArgs) => {
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      try {
        await runCommand(flags, defaultIO(json()), controller.signal);
      } finally {
        process.off('SIGINT', stop);
      }
    });
}
