/**
 * `moat distill harvest --active`: the source is a candidate pool, and a student picks what to ask. Each round a
 * fresh seeded student is trained (distillInto) on the answers this invocation has selected so far, scores the rest
 * of the pool by margin uncertainty, and the selector takes the next batch (with an exploration share), which is
 * harvested like any other (paid, cached, ledgered). Classifier only: class probabilities give a natural
 * uncertainty; text and embedding answers have none that a small student can score cheaply.
 *
 * Resume: every pick depends only on the seed and on answers already picked, and the student is retrained from
 * those answers (read from the cache), so a rerun makes the same picks and pays only for what it never got.
 */

import { harvestActively } from '../distill/harvest/active-harvest.ts';
import { classifierUncertainty, createActiveSelector } from '../distill/harvest/active-selector.ts';
import type { HarvestSummary, RunOptions } from '../distill/harvest/harvest.ts';
import type { HarvestSession } from '../distill/harvest/session.ts';
import { type ClassifierRecord, itemText, type Modality } from '../distill/harvest/types.ts';
import { distillInto } from '../distill/train/distill.ts';
import { MODEL_SIZES, type ModelSize } from '../ml/engine/module.ts';
import type { ClassifierNetwork } from '../ml/models/classifier/network.ts';
import { asTextClassifier } from '../ml/models/classifier/text-classifier.ts';
import { createModel } from '../ml/registry.ts';
import { type CliIO, ExitError, parseCount } from './io.ts';

export interface ActiveArgs {
  active?: boolean;
  activeBatch?: string;
  activeRounds?: string;
  activeSteps?: string;
  activeExplore?: string;
  studentSize?: string;
}

export interface ActiveSettings {
  batch: number;
  /** Most rounds; absent = until the pool or the budget runs out. */
  rounds?: number;
  steps: number;
  explore: number;
  size: ModelSize;
  seed: number;
}

export const ACTIVE_DEFAULTS = { batch: 25, steps: 150, explore: 0.2, size: 'tiny' as ModelSize };
const STUDENT_SIZES = MODEL_SIZES.filter((s) => s !== 'teacher');

/** The active settings, or null without `--active`. Bad or stray flags exit 2. */
export function parseActiveFlags(args: ActiveArgs, modality: Modality, seed: number): ActiveSettings | null {
  const given = (['activeBatch', 'activeRounds', 'activeSteps', 'activeExplore', 'studentSize'] as const).filter((k) => args[k] !== undefined);
  if (!args.active) {
    if (given.length > 0) throw new ExitError(2, `${given.map(flagName).join(', ')} only apply with --active`);
    return null;
  }
  if (modality !== 'classifier') {
    throw new ExitError(2, `--active needs --modality classifier (a student's class probabilities give its uncertainty); '${modality}' has no uncertainty score here`);
  }
  const size = args.studentSize ?? ACTIVE_DEFAULTS.size;
  if (!(STUDENT_SIZES as readonly string[]).includes(size)) throw new ExitError(2, `--student-size must be one of ${STUDENT_SIZES.join(', ')}, got '${size}'`);
  const explore = args.activeExplore === undefined ? ACTIVE_DEFAULTS.explore : Number(args.activeExplore);
  if (!(explore >= 0 && explore <= 1)) throw new ExitError(2, `--active-explore must be a number in [0, 1], got '${args.activeExplore}'`);
  return {
    batch: args.activeBatch === undefined ? ACTIVE_DEFAULTS.batch : parseCount('--active-batch', args.activeBatch, 1),
    rounds: args.activeRounds === undefined ? undefined : parseCount('--active-rounds', args.activeRounds, 1),
    steps: args.activeSteps === undefined ? ACTIVE_DEFAULTS.steps : parseCount('--active-steps', args.activeSteps, 1),
    explore,
    size: size as ModelSize,
    seed,
  };
}

/** Runs the rounds over the session's items (the pool); returns one summary for all rounds. */
export async function harvestActivelyFromCli(session: HarvestSession, settings: ActiveSettings, run: RunOptions, io: CliIO): Promise<HarvestSummary> {
  const pool = session.items;
  const rounds = settings.rounds ?? Math.ceil(pool.length / settings.batch);
  const picked = new Set<string>();
  let student: ClassifierNetwork | null = null;
  const selector = createActiveSelector({
    // No student yet: every score ties and ties break at random (seeded), so round 1 is a random sample.
    score: classifierUncertainty((texts) => (student === null ? texts.map(() => [0.5, 0.5]) : asTextClassifier(student).predict(texts)), 'margin'),
    explore: settings.explore,
    seed: settings.seed,
  });
  const log = (line: string) => io.stderr.write(`moat: active ${line}\n`);
  log(`pool ${pool.length}, batch ${settings.batch}, up to ${rounds} rounds, student ${settings.size} × ${settings.steps} steps, explore ${settings.explore}`);
  let summaries: HarvestSummary[] = [];
  const seen: HarvestSummary[] = [];
  try {
    summaries = await harvestActively(session.harvester, {
      selector,
      pool,
      batchSize: settings.batch,
      rounds,
      run,
      afterRound: async (round, items, summary) => {
        seen.push(summary);
        for (const item of items) picked.add(itemText(item));
        const spent = summary.skippedForBudget > 0 || (run.budget !== undefined && summary.paidTotal >= run.budget);
        const last = round + 1 >= rounds || picked.size >= pool.length || spent;
        log(`round ${round + 1}/${rounds}: ${items.length} picked, ${summary.paid} paid, ${summary.cacheHits} from cache (run total paid ${summary.paidTotal})`);
        if (last) throw new StopRounds(spent ? 'budget spent' : 'rounds done');
        // Only this invocation's picks, so a rerun trains on exactly what the first run had at this round.
        const records: ClassifierRecord[] = [];
        for (const r of session.store.reader.records('classifier', { runId: session.runId })) if (picked.has(r.record.input)) records.push(r.record);
        student?.dispose();
        student = null;
        const fresh = (await createModel('classifier', settings.size, settings.seed + 1)) as unknown as ClassifierNetwork;
        const started = Date.now();
        await distillInto(fresh, { family: 'classifier', records }, { family: 'classifier', records: [] }, { seed: settings.seed + 1, steps: settings.steps, batchSize: 32 });
        student = fresh;
        log(`round ${round + 1}: student trained on ${records.length} answers in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      },
    });
  } catch (err) {
    if (!(err instanceof StopRounds)) throw err;
    summaries = seen;
  } finally {
    (student as ClassifierNetwork | null)?.dispose();
  }
  return merge(summaries, session.runId);
}

/** Stops the rounds from inside afterRound (harvestActively has no other early exit). */
class StopRounds extends Error {}

function merge(summaries: readonly HarvestSummary[], runId: string): HarvestSummary {
  const sum = (k: 'total' | 'duplicates' | 'harvested' | 'malformed' | 'cacheHits' | 'failed' | 'skippedForBudget' | 'notStarted' | 'paid' | 'elapsedMs') =>
    summaries.reduce((n, s) => n + s[k], 0);
  const last = summaries.at(-1);
  return {
    runId,
    status: last?.status ?? 'completed',
    message: last?.message ?? null,
    total: sum('total'),
    duplicates: sum('duplicates'),
    harvested: sum('harvested'),
    malformed: sum('malformed'),
    cacheHits: sum('cacheHits'),
    failed: sum('failed'),
    skippedForBudget: sum('skippedForBudget'),
    notStarted: sum('notStarted'),
    paid: sum('paid'),
    paidTotal: last?.paidTotal ?? 0,
    elapsedMs: sum('elapsedMs'),
  };
}

function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
