/**
 * `moat train MODEL`: trains a built-in model family (lm, and classifier / embedder once registered) in a worker
 * thread, with a progress bar, periodic held-out evaluation, early stopping, checkpoints and `--resume`. Writes the
 * weights and `train-log.json` to `--out` (default `models/<family>-<size>`).
 */
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { MODEL_SIZES, type ModelFamilyName, type ModelSize } from '../ml/engine/module.ts';
import type { TrainJobSpec, TrainLog, TrainProgress } from '../ml/train/job.ts';
import { type CliIO, defaultIO, ExitError, output, parseCount, progress } from './io.ts';

export interface TrainArgs {
  model: string;
  size?: string;
  steps?: string;
  out?: string;
  seed?: string;
  resume?: boolean;
  evalEvery?: string;
  patience?: string;
  lr?: string;
  checkpointEvery?: string;
  checkpointDir?: string;
  /** The command line for the log; default `moat train …` from process.argv. */
  command?: string;
}

type Runner = (spec: TrainJobSpec, onProgress: (p: TrainProgress) => void) => Promise<TrainLog>;

/**
 * Validates the flags, runs the job (in a worker by default) and prints a summary.
 *
 * @example
 * await trainCommand({ model: 'lm', size: 'teacher', steps: '1000' }, defaultIO());
 */
export async function trainCommand(args: TrainArgs, io: CliIO, run?: Runner): Promise<TrainLog> {
  // Loaded on use: the registry pulls in tfjs, which every other command should not pay for at start-up.
  const { familyNames } = await import('../ml/registry.ts');
  const spec = toJobSpec(args, familyNames());
  const runner = run ?? (await import('../ml/train/in-worker.ts')).runTrainingInWorker;
  const report = reporter(io, spec);
  let log: TrainLog;
  try {
    log = await runner(spec, report.onProgress);
  } catch (err) {
    throw new ExitError(1, `training failed: ${(err as Error).message}`, { cause: err });
  } finally {
    report.stop();
  }
  output(io, log, () => summary(log, spec.outDir));
  return log;
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a built-in model and save it with its train-log.json')
    .argument('<model>', 'model family: lm, classifier or embedder (those registered in src/ml/registry.ts)')
    .option('--size <size>', `${MODEL_SIZES.join(' | ')}`, 'teacher')
    .option('--steps <n>', 'training steps (default: per family and size)')
    .option('--out <dir>', 'output directory (default: models/<family>-<size>)')
    .option('--seed <n>', 'random seed for init, data order and sampling', '1')
    .option('--resume', 'continue from the last checkpoint of this output directory')
    .option('--eval-every <n>', 'steps between held-out evaluations')
    .option('--patience <n>', 'evaluations without improvement before stopping early')
    .option('--lr <x>', 'peak learning rate')
    .option('--checkpoint-every <n>', 'steps between checkpoints')
    .option('--checkpoint-dir <dir>', 'where checkpoints go (default: .moat/checkpoints/<out dir name>)')
    .action(async (model: string, flags: Omit<TrainArgs, 'model'>) => {
      const { json } = program.opts<{ json?: boolean }>();
      await trainCommand({ ...flags, model }, defaultIO(json));
    });
}

function toJobSpec(args: TrainArgs, families: readonly ModelFamilyName[]): TrainJobSpec {
  if (!families.includes(args.model as ModelFamilyName)) {
    throw new ExitError(2, `unknown model '${args.model}': choose one of ${families.join(', ')}`);
  }
  const size = args.size ?? 'teacher';
  if (!(MODEL_SIZES as readonly string[]).includes(size)) {
    throw new ExitError(2, `--size must be one of ${MODEL_SIZES.join(', ')}, got '${size}'`);
  }
  const outDir = args.out ?? `models/${args.model}-${size}`;
  const lr = args.lr === undefined ? undefined : Number(args.lr);
  if (lr !== undefined && !(Number.isFinite(lr) && lr > 0 && lr < 1)) throw new ExitError(2, `--lr must be a number in (0, 1), got '${args.lr}'`);
  const optionalCount = (flag: string, text: string | undefined): number | undefined =>
    text === undefined ? undefined : parseCount(flag, text, 1);
  return {
    family: args.model as ModelFamilyName,
    size: size as ModelSize,
    seed: parseCount('--seed', args.seed ?? '1'),
    outDir,
    checkpointDir: args.checkpointDir ?? `.moat/checkpoints/${basename(resolve(outDir))}`,
    resume: args.resume === true,
    steps: optionalCount('--steps', args.steps),
    lr,
    evalEvery: optionalCount('--eval-every', args.evalEvery),
    patience: optionalCount('--patience', args.patience),
    checkpointEvery: optionalCount('--checkpoint-every', args.checkpointEvery),
    command: args.command ?? ['moat', ...process.argv.slice(2)].join(' '),
  };
}

/**
 * On a terminal: a progress bar (step, loss, items/s, ETA) with evaluation lines above it. Otherwise (logs, nohup):
 * one line per evaluation and every `evalEvery`-th step, so a log file shows progress too.
 */
function reporter(io: CliIO, spec: TrainJobSpec): { onProgress: (p: TrainProgress) => void; stop: () => void } {
  const tty = !io.json && (io.stderr as NodeJS.WriteStream).isTTY === true;
  let bar: ReturnType<typeof progress> | null = null;
  let total = 0;
  let lineEvery = 50;
  const line = (text: string): void => {
    if (io.json) return;
    io.stderr.write(tty ? `\r\x1b[K${text}\n` : `${text}\n`);
  };
  const onProgress = (p: TrainProgress): void => {
    switch (p.kind) {
      case 'start':
        total = p.steps;
        lineEvery = spec.evalEvery ?? Math.max(1, Math.round(p.steps / 20));
        line(
          `training ${spec.family}-${spec.size} (${p.parameterCount.toLocaleString('en')} parameters) for ${p.steps} steps` +
            (p.startStep > 0 ? `, resuming at step ${p.startStep}` : ''),
        );
        bar = progress(io, p.steps, '{bar} {value}/{total} | loss {loss} | {rate} items/s | ETA {eta_formatted}');
        bar.update(p.startStep, { loss: '-', rate: '-' });
        break;
      case 'step':
        bar?.update(p.step, { loss: p.loss.toFixed(3), rate: Math.round(p.itemsPerSecond) });
        if (!tty && p.step % lineEvery === 0) {
          line(`step ${p.step}/${total}  loss ${p.loss.toFixed(4)}  lr ${p.lr.toExponential(2)}  ${Math.round(p.itemsPerSecond)} items/s`);
        }
        break;
      case 'eval':
        line(
          `eval  step ${p.step}  held-out loss ${p.loss.toFixed(4)} (${(p.loss / Math.LN2).toFixed(3)} bits/item)` +
            (p.improved ? '  best' : `  no improvement ×${p.evalsWithoutImprovement}`),
        );
        break;
      case 'checkpoint':
        break;
      case 'final-eval':
        bar?.stop();
        bar = null;
        line('scoring the whole held-out set…');
        break;
    }
  };
  return { onProgress, stop: () => bar?.stop() };
}

function summary(log: TrainLog, outDir: string): string {
  const metrics = Object.entries(log.final)
    .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`)
    .join(', ');
  return [
    `saved ${log.name} to ${outDir} (${log.parameterCount.toLocaleString('en')} parameters)`,
    `steps ${log.stepsCompleted}${log.stoppedEarly ? ' (stopped early)' : ''}, best at step ${log.bestStep ?? '-'}, ` +
      `${log.wallSeconds} s wall, ${log.cpuSeconds} s CPU, ${log.itemsPerSecond} items/s`,
    `held-out: ${metrics}`,
  ].join('\n');
}
