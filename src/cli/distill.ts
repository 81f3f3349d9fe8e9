/**
 * `moat distill`: the distillation engine's commands. This file registers them and holds the small ones
 * (`export`, `ledger`); `harvest` lives in distill-harvest.ts, `train` / `eval` in distill-train.ts, `run` in
 * distill-run.ts.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { exportHarvest } from '../distill/export/export.ts';
import { EXPORT_FORMATS, type ExportFormat } from '../distill/export/formats.ts';
import { ledgerRows } from '../distill/harvest/ledger.ts';
import { HARVEST_DEFAULTS } from '../distill/harvest/session.ts';
import { openHarvestStore } from '../distill/harvest/store.ts';
import { MODALITIES, type Modality } from '../distill/harvest/types.ts';
import { ACTIVE_DEFAULTS } from './distill-active.ts';
import { asExit, type HarvestArgs, harvestCommand, toExit } from './distill-harvest.ts';
import { registerDistillRunCommand } from './distill-run.ts';
import { registerDistillTrainCommands } from './distill-train.ts';
import { type CliIO, defaultIO, ExitError, output, table } from './io.ts';

export interface ExportArgs {
  out?: string;
  format?: string;
  file?: string;
  modality?: string;
  run?: string;
  system?: string;
}

/** Writes the harvest in `--out` as JSONL (`chat` fine-tuning lines or plain `records`). */
export async function exportCommand(args: ExportArgs, io: CliIO): Promise<void> {
  const format = args.format ?? 'chat';
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new ExitError(2, `--format must be one of ${EXPORT_FORMATS.join(', ')}, got '${format}'`);
  if (args.modality !== undefined && !(MODALITIES as readonly string[]).includes(args.modality)) {
    throw new ExitError(2, `--modality must be one of ${MODALITIES.join(', ')}, got '${args.modality}'`);
  }
  const dir = args.out ?? HARVEST_DEFAULTS.out;
  const file = args.file ?? join(dir, `export-${format}.jsonl`);
  const store = openOrExit(dir);
  try {
    const result = await asExit(() =>
      exportHarvest(store.reader, { format: format as ExportFormat, file, modality: args.modality as Modality | undefined, runId: args.run, system: args.system }),
    );
    const skipped = result.skipped > 0 ? ` (${result.skipped} skipped: empty answers)` : '';
    output(io, result, `wrote ${result.written} ${result.modality} records as ${result.format} to ${result.file}${skipped}`);
  } finally {
    store.close();
  }
}

export interface LedgerArgs {
  out?: string;
  run?: string;
}

/** Prints the runs in `--out` and the cost ledger (per key and total) of one run or all. */
export async function ledgerCommand(args: LedgerArgs, io: CliIO): Promise<void> {
  const store = openOrExit(args.out ?? HARVEST_DEFAULTS.out);
  try {
    const runs = store.reader.runs();
    if (args.run !== undefined && !runs.some((r) => r.id === args.run)) {
      throw new ExitError(1, `no run ${args.run} in ${store.path}; runs: ${runs.map((r) => r.id).join(', ') || 'none'}`);
    }
    const ledger = store.reader.ledger(args.run ?? null);
    output(io, { runs, ledger }, () => {
      const runRows = [['run', 'status', 'items', 'invocations', 'wall s', 'message'], ...runs.map((r) => [r.id, r.status, r.total, r.invocations, r.wallSeconds.toFixed(1), r.message ?? ''])];
      return `${table(runRows)}\n\nledger${args.run ? ` of run ${args.run}` : ' (all runs)'}, wall ${ledger.wallSeconds.toFixed(1)} s\n${table(ledgerRows(ledger))}`;
    });
  } finally {
    store.close();
  }
}

function openOrExit(dir: string) {
  try {
    return openHarvestStore(dir, { mustExist: true });
  } catch (err) {
    throw toExit(err);
  }
}

export function registerDistillCommand(program: Command): void {
  const distill = program.command('distill').description('distil a teacher model through its API: harvest its answers, export them');
  const json = () => program.opts<{ json?: boolean }>().json;
  const d = HARVEST_DEFAULTS;
  distill
    .command('harvest')
    .description('query a teacher (OpenAI-compatible URL) and cache every answer in --out; rerun to resume')
    .option('--teacher <url>', 'teacher base URL, e.g. http://127.0.0.1:8090/v1')
    .option('--key <keys>', 'API key(s), comma-separated; several keys form a pool')
    .option('--key-file <path>', 'API keys, one per line (keeps them out of the process list)')
    .option('--model <name>', 'teacher model name')
    .option('--modality <m>', `${MODALITIES.join(' | ')}`, 'text')
    .option('--source <spec>', 'file:PATH | corpus:moby-dick | corpus:sotu | corpus:spam | synthetic', 'synthetic')
    .option('--count <n>', 'prompts to take from the source (corpus/synthetic default 100; file: all)')
    .option('--budget <n>', 'most paid queries for the run, over all invocations')
    .option('--concurrency <n>', 'requests in flight', String(d.concurrency))
    .option('--logprobs <k>', 'text: top-k logprobs per token (0 = none)', String(d.logprobs))
    .option('--max-tokens <n>', 'text: tokens per answer', String(d.maxTokens))
    .option('--temperature <t>', 'text: sampling temperature', String(d.temperature))
    .option('--api <api>', 'text: auto | completions | chat', d.textApi)
    .option('--out <dir>', 'harvest directory (harvest.sqlite)', d.out)
    .option('--per-key-rpm <n>', 'pace each key to this many requests per minute')
    .option('--timeout <duration>', 'per-request timeout, e.g. 30s', `${d.timeoutMs / 1000}s`)
    .option('--max-retries <n>', 'retries after 5xx / timeouts / network errors per prompt')
    .option('--seed <n>', 'seed for prompt sampling, request seeds and backoff jitter', String(d.seed))
    .option('--run <id>', 'run id (default: derived from teacher, model, modality, source and parameters)')
    .option('--active', 'classifier: the source is a pool; a student trained between rounds picks what it is least sure of')
    .option('--active-batch <n>', `active: queries per round (default ${ACTIVE_DEFAULTS.batch})`)
    .option('--active-rounds <n>', 'active: most rounds (default: until the pool or --budget runs out)')
    .option('--active-steps <n>', `active: training steps per round's student (default ${ACTIVE_DEFAULTS.steps})`)
    .option('--active-explore <x>', `active: share of each batch picked at random, 0–1 (default ${ACTIVE_DEFAULTS.explore})`)
    .option('--student-size <size>', `active: tiny | student-s | student-m (default ${ACTIVE_DEFAULTS.size})`)
    .action(async (flags: HarvestArgs) => {
      const controller = new AbortController();
      const io = defaultIO(json());
      const stop = () => {
        io.stderr.write('\nmoat: stopping — requests in flight finish and are saved (Ctrl-C again quits at once; the run stays resumable)\n');
        controller.abort();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await harvestCommand(flags, io, controller.signal);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
  distill
    .command('export')
    .description('write the harvest as JSONL: OpenAI fine-tuning chat lines or plain records')
    .option('--out <dir>', 'harvest directory', d.out)
    .option('--format <f>', `${EXPORT_FORMATS.join(' | ')}`, 'chat')
    .option('--file <path>', 'output file (default: <out>/export-<format>.jsonl)')
    .option('--modality <m>', 'which records, when the harvest holds several modalities')
    .option('--run <id>', 'only this run')
    .option('--system <text>', 'chat: a system message for lines without one')
    .action((flags: ExportArgs) => exportCommand(flags, defaultIO(json())));
  distill
    .command('ledger')
    .description('show the runs and the cost ledger (queries, tokens, time, errors, cache hits; per key and total)')
    .option('--out <dir>', 'harvest directory', d.out)
    .option('--run <id>', 'only this run')
    .action((flags: LedgerArgs) => ledgerCommand(flags, defaultIO(json())));
  registerDistillTrainCommands(distill, json);
  registerDistillRunCommand(distill, json);
}
