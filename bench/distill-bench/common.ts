/** Shared pieces of the distillation bench: harvesting from the real model server, timing, and flags. */
import type { HarvestSummary } from '../../src/distill/harvest/harvest.ts';
import { type HarvestSettings, openHarvestSession } from '../../src/distill/harvest/session.ts';

export interface Timed<T> {
  value: T;
  seconds: number;
}

/** Runs `fn` and reports its wall time. */
export async function timed<T>(fn: () => Promise<T>): Promise<Timed<T>> {
  const t0 = performance.now();
  const value = await fn();
  return { value, seconds: round((performance.now() - t0) / 1000, 1) };
}

/** One harvest through the real client (cache, key pool, ledger) into `out`. */
export async function harvestInto(settings: HarvestSettings, concurrency: number): Promise<HarvestSummary & { paid: number }> {
  const session = await openHarvestSession(settings);
  try {
    const summary = await session.harvester.run(session.items, { concurrency });
    if (summary.status !== 'completed') throw new Error(`harvest ${summary.status}: ${summary.message}`);
    return { ...summary, paid: session.store.reader.ledger(summary.runId).total.paid };
  } finally {
    await session.close();
  }
}

/** `--name=N` from the command line, else `fallback`. */
export function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : Number(arg.slice(name.length + 3));
}

export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function log(message: string): void {
  process.stderr.write(`[distill] ${message}\n`);
}
