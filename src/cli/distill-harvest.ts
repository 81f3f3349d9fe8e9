/**
 * `moat distill harvest`: asks a teacher (any OpenAI-compatible endpoint) for completions with top-k logprobs,
 * embeddings or class probabilities over a prompt source, into the harvest store in `--out`. Ctrl-C stops cleanly;
 * running the same command again resumes without paying twice.
 */
import { readFileSync } from 'node:fs';
import type { HarvestEvent, HarvestSummary } from '../distill/harvest/harvest.ts';
import { ledgerRows } from '../distill/harvest/ledger.ts';
import type { HarvestProgress } from '../distill/harvest/progress.ts';
import { HARVEST_DEFAULTS, type HarvestSettings, openHarvestSession } from '../distill/harvest/session.ts';
import { parseSourceSpec } from '../distill/harvest/sources.ts';
import { MODALITIES, type Modality } from '../distill/harvest/types.ts';
import { MoatError } from '../http/errors.ts';
import { type ActiveArgs, harvestActivelyFromCli, parseActiveFlags } from './distill-active.ts';
import { type CliIO, ExitError, output, parseCount, parseDuration, progress, table } from './io.ts';

export interface HarvestArgs extends ActiveArgs {
  teacher?: string;
  key?: string;
  keyFile?: string;
  model?: string;
  modality?: string;
  source?: string;
  count?: string;
  budget?: string;
  concurrency?: string;
  logprobs?: string;
  maxTokens?: string;
  temperature?: string;
  api?: string;
  out?: string;
  perKeyRpm?: string;
  timeout?: string;
  maxRetries?: string;
  seed?: string;
  run?: string;
}

/** Warnings of one kind printed before the rest are only counted (a broken teacher must not flood the terminal). */
const SHOWN_WARNINGS = 5;

/**
 * Validates the flags, harvests, prints a summary with the run's ledger. Exits 130 when stopped by a signal and 1
 * when the run failed (both resumable), 2 on bad flags.
 *
 * @example
 * await harvestCommand({ teacher: 'http://127.0.0.1:8090/v1', key: 'k1,k2', model: 'moat-lm', modality: 'text' }, io);
 */
export async function harvestCommand(args: HarvestArgs, io: CliIO, signal?: AbortSignal): Promise<HarvestSummary> {
  const settings = toSettings(args, io);
  const budget = args.budget === undefined ? undefined : parseCount('--budget', args.budget, 0);
  const active = parseActiveFlags(args, settings.modality, settings.seed ?? HARVEST_DEFAULTS.seed);
  const concurrency = settings.concurrency ?? HARVEST_DEFAULTS.concurrency;
  const session = await asExit(() => openHarvestSession(settings));
  const bar = progress(io, session.items.length, 'harvest {bar} {value}/{total} | {qps} q/s | cache {hits} | errors {errors} | ETA {eta}');
  let summary: HarvestSummary;
  try {
    const run = {
      concurrency,
      budget,
      signal,
      onProgress: active ? undefined : (p: HarvestProgress) => bar.update(p.done, { qps: p.queriesPerSecond.toFixed(1), hits: p.cacheHits, errors: p.attemptErrors + p.malformed, eta: p.etaSeconds === null ? '-' : `${Math.ceil(p.etaSeconds)}s` }),
      onEvent: warner(io),
    };
    summary = await asExit(() => (active ? harvestActivelyFromCli(session, active, run, io) : session.harvester.run(session.items, run)));
  } finally {
    bar.stop();
  }
  const ledger = session.store.reader.ledger(summary.runId);
  const out = session.store.path;
  await session.close();
  output(io, { ...summary, budget: budget ?? null, store: out, ledger }, () => `${describeSummary(summary, budget, out)}\n${table(ledgerRows(ledger))}`);
  const resume = 'rerun the same command to resume';
  if (summary.status === 'stopped') throw new ExitError(130, `stopped: ${summary.message}; ${resume}`);
  if (summary.status === 'failed') throw new ExitError(1, `harvest failed: ${summary.message}; ${resume}`);
  return summary;
}

function toSettings(args: HarvestArgs, io: CliIO): HarvestSettings {
  const need = (flag: string, value: string | undefined): string => {
    if (value === undefined || value.trim() === '') throw new ExitError(2, `${flag} is required`);
    return value;
  };
  const modality = args.modality ?? 'text';
  if (!(MODALITIES as readonly string[]).includes(modality)) throw new ExitError(2, `--modality must be one of ${MODALITIES.join(', ')}, got '${modality}'`);
  const api = args.api ?? HARVEST_DEFAULTS.textApi;
  if (!['auto', 'completions', 'chat'].includes(api)) throw new ExitError(2, `--api must be auto, completions or chat, got '${api}'`);
  const temperature = args.temperature === undefined ? undefined : Number(args.temperature);
  if (temperature !== undefined && !(temperature >= 0 && temperature <= 2)) throw new ExitError(2, `--temperature must be a number in [0, 2], got '${args.temperature}'`);
  const logprobs = args.logprobs === undefined ? undefined : parseCount('--logprobs', args.logprobs, 0);
  if (logprobs !== undefined && logprobs > 20) throw new ExitError(2, `--logprobs must be at most 20 (the OpenAI API's limit), got ${logprobs}`);
  const optional = (flag: string, text: string | undefined, min: number) => (text === undefined ? undefined : parseCount(flag, text, min));
  return {
    teacher: need('--teacher', args.teacher),
    keys: readKeys(args),
    model: need('--model', args.model),
    modality: modality as Modality,
    source: asExitSync(() => parseSourceSpec(args.source ?? 'synthetic')),
    count: optional('--count', args.count, 1),
    out: args.out,
    runId: args.run,
    textApi: api as HarvestSettings['textApi'],
    logprobs,
    maxTokens: optional('--max-tokens', args.maxTokens, 1),
    temperature,
    seed: optional('--seed', args.seed, 0),
    concurrency: optional('--concurrency', args.concurrency, 1),
    perKeyRpm: optional('--per-key-rpm', args.perKeyRpm, 1),
    timeoutMs: args.timeout === undefined ? undefined : parseDuration(args.timeout),
    retry: args.maxRetries === undefined ? undefined : { maxRetries: parseCount('--max-retries', args.maxRetries, 0) },
    onKeyRetired: (key, reason) => io.stderr.write(`\nmoat: key ${key.label} retired for this run: ${reason}\n`),
  };
}

/** Keys from `--key a,b` and `--key-file` (one per line; keeps keys out of the process list and shell history). */
function readKeys(args: HarvestArgs): string[] {
  const keys = (args.key ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
  if (args.keyFile) {
    let text: string;
    try {
      text = readFileSync(args.keyFile, 'utf8');
    } catch (err) {
      throw new ExitError(2, `cannot read --key-file ${args.keyFile}: ${(err as Error).message}`);
    }
    keys.push(...text.split(/\r?\n/).map((k) => k.trim()).filter((k) => k !== '' && !k.startsWith('#')));
  }
  if (keys.length === 0) throw new ExitError(2, '--key (comma-separated) or --key-file is required');
  return keys;
}

function warner(io: CliIO): (event: HarvestEvent) => void {
  const shown = { malformed: 0, item_failed: 0 };
  return (event) => {
    if (io.json) return;
    const n = ++shown[event.kind];
    if (n > SHOWN_WARNINGS) return;
    const item = event.item.length > 60 ? `${event.item.slice(0, 60)}…` : event.item;
    const what = event.kind === 'malformed' ? `malformed answer skipped: ${event.reason}` : `item failed: ${event.message}`;
    io.stderr.write(`\nmoat: ${what} (prompt "${item.replace(/\n/g, ' ')}")${n === SHOWN_WARNINGS ? ' — further ones are only counted' : ''}\n`);
  };
}

function describeSummary(s: HarvestSummary, budget: number | undefined, store: string): string {
  const lines = [
    `run ${s.runId}: ${s.status}${s.message ? ` (${s.message})` : ''}`,
    `items ${s.total}${s.duplicates > 0 ? ` (+${s.duplicates} duplicates dropped)` : ''}: ${s.harvested} harvested, ${s.cacheHits} from cache, ` +
      `${s.malformed} malformed, ${s.failed} failed` +
      (s.skippedForBudget > 0 ? `, ${s.skippedForBudget} over budget` : '') +
      (s.notStarted > 0 ? `, ${s.notStarted} not started` : ''),
    `paid queries: ${s.paid} this time, ${s.paidTotal} for the run${budget === undefined ? '' : ` (budget ${budget})`}; ${(s.elapsedMs / 1000).toFixed(1)} s`,
    `store: ${store}`,
  ];
  return lines.join('\n');
}

/** Runs library code, turning its MoatErrors into exit errors (bad input → 2, anything else → 1). */
export async function asExit<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toExit(err);
  }
}

function asExitSync<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toExit(err);
  }
}

/** A MoatError as an ExitError: usage problems (invalid_request, conflict) exit 2, others 1. */
export function toExit(err: unknown): unknown {
  if (!(err instanceof MoatError)) return err;
  const usage = err.code === 'invalid_request' || err.code === 'conflict';
  return new ExitError(usage ? 2 : 1, err.message, { cause: err });
}
