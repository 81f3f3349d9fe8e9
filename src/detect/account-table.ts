/**
 * Per-account detection state, bounded: at most `maxAccounts` entries, least recently seen evicted first (Map order is
 * kept as recency by re-inserting on every touch), and accounts idle longer than `idleMs` dropped. Memory per account
 * is the sum of the detectors' `maxStateBytes` plus the last scores (a few hundred bytes).
 */
import type { DetectorScore, RiskAssessment } from './types.ts';

export interface AccountEntry {
  id: string;
  /** One state per detector, in the engine's detector order. */
  states: unknown[];
  /** Whether each detector threw on this account's last event or score (its contribution then follows failOpen). */
  failing: boolean[];
  events: number;
  lastAt: number;
  scores: DetectorScore[];
  assessment: RiskAssessment | null;
  /** The last assessment written to the store, to write only meaningful changes. */
  persisted: RiskAssessment | null;
  /** Until when cluster-driven actions skip this account (an admin cleared it). */
  pardonedUntil: number;
}

export class AccountTable {
  readonly #entries = new Map<string, AccountEntry>();

  constructor(
    private readonly maxAccounts: number,
    private readonly idleMs: number,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  get(id: string): AccountEntry | undefined {
    return this.#entries.get(id);
  }

  /** The account's entry, made most recent; `create` builds a fresh one. Returns the ids evicted to make room. */
  touch(id: string, at: number, create: () => AccountEntry): { entry: AccountEntry; evicted: string[] } {
    const evicted: string[] = [];
    let entry = this.#entries.get(id);
    if (entry) this.#entries.delete(id);
    else {
      entry = create();
      while (this.#entries.size >= this.maxAccounts) {
        const oldest = this.#entries.keys().next().value;
        if (oldest === undefined) break;
        this.#entries.delete(oldest);
        evicted.push(oldest);
      }
    }
    entry.lastAt = Math.max(entry.lastAt, at);
    this.#entries.set(id, entry);
    return { entry, evicted };
  }

  /** Drops accounts whose last event is older than `now − idleMs`; returns their ids. */
  evictIdle(now: number): string[] {
    const evicted: string[] = [];
    for (const [id, entry] of this.#entries) {
      // Recency order is by touch, and event times are near-monotone, so the first recent entry ends the scan.
      if (entry.lastAt >= now - this.idleMs) break;
      this.#entries.delete(id);
      evicted.push(id);
    }
    return evicted;
  }

  delete(id: string): void {
    this.#entries.delete(id);
  }
}
