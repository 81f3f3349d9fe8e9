/**
 * Harvesting in rounds driven by an ActiveSelector: pick a batch, harvest it, let the caller update the student
 * (`afterRound`, where training happens), pick the next batch with the updated student. All rounds belong to one
 * run, so the budget spans them and an interrupted active harvest resumes from the cache like any other.
 */
import type { ActiveSelector } from './active-selector.ts';
import type { HarvestSummary, Harvester, RunOptions } from './harvest.ts';
import type { PromptItem } from './types.ts';

export interface ActiveHarvestOptions {
  selector: ActiveSelector;
  /** Candidate inputs the selector chooses from. */
  pool: readonly PromptItem[];
  batchSize: number;
  /** Most rounds; stops earlier when the pool is used up or a round does not complete. */
  rounds: number;
  run: RunOptions;
  /** Called after each completed round with its items; the student should learn from them before the next pick. */
  afterRound?: (round: number, items: readonly PromptItem[], summary: HarvestSummary) => void | Promise<void>;
}

/** Runs the rounds and returns one summary per round harvested. */
export async function harvestActively(harvester: Harvester, options: ActiveHarvestOptions): Promise<HarvestSummary[]> {
  const summaries: HarvestSummary[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const batch = await options.selector.selectNext(options.pool, options.batchSize);
    if (batch.length === 0) break;
    const summary = await harvester.run(batch, options.run);
    summaries.push(summary);
    if (summary.status !== 'completed') break;
    await options.afterRound?.(round, batch, summary);
  }
  return summaries;
}
