/**
 * What detection did to each simulated account, read back through the admin API after a run: when each level was
 * first applied (the detector's admin audit rows: `detect.throttle|degrade|ban`, actor `detector`), the highest level
 * reached, and the peak risk (the account's assessment history, for the ROC curve). In shadow mode nothing is
 * applied, so levels come from the account view's shadow level and carry no time.
 */
import type { AdminClient } from '../../admin/client.ts';
import { ACTION_LEVELS, type ActionLevel } from '../types.ts';

export interface AccountOutcome {
  accountId: string;
  /** Highest level applied (or, in shadow mode, decided). */
  maxLevel: ActionLevel;
  /** Epoch ms each level was first applied; a jump straight to ban leaves the lower ones null. */
  firstAt: Record<Exclude<ActionLevel, 'observe'>, number | null>;
  /** Highest risk in the account's assessment history (0 when never scored). */
  peakRisk: number;
  /** Events detection scored for the account. */
  events: number;
  clusterId: string | null;
  /** The risk of the account's linked cluster at the end (0 when unlinked): what cluster-driven actions act on. */
  clusterRisk?: number;
}

const DETECTOR_ACTOR = 'detector';
const PAGE = 500;
const CONCURRENCY = 16;

export async function collectOutcomes(admin: AdminClient, accountIds: readonly string[]): Promise<Map<string, AccountOutcome>> {
  const applied = await appliedActions(admin);
  const out = new Map<string, AccountOutcome>();
  let next = 0;
  const worker = async () => {
    while (next < accountIds.length) {
      const id = accountIds[next++]!;
      const view = await admin.detectAccount(id, { history: 1000 });
      const firstAt = applied.get(id) ?? { throttle: null, degrade: null, ban: null };
      const risks = [view.current?.risk ?? 0, ...view.history.map((h) => h.risk)];
      const appliedLevel = (['ban', 'degrade', 'throttle'] as const).find((level) => firstAt[level] !== null) ?? 'observe';
      const maxLevel = highest([appliedLevel, view.action?.level ?? 'observe', view.shadowLevel ?? 'observe']);
      out.set(id, { accountId: id, maxLevel, firstAt, peakRisk: Math.max(...risks), events: view.events, clusterId: view.cluster?.id ?? null, clusterRisk: view.cluster?.risk ?? 0 });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return out;
}

/** Account id → first time each level was applied, from the detector's admin audit rows. */
async function appliedActions(admin: AdminClient): Promise<Map<string, AccountOutcome['firstAt']>> {
  const out = new Map<string, AccountOutcome['firstAt']>();
  let cursor: string | undefined;
  do {
    const page = await admin.adminActions({ actor: DETECTOR_ACTOR, limit: PAGE, cursor });
    for (const row of page.items) {
      const level = row.action.startsWith('detect.') ? row.action.slice('detect.'.length) : null;
      if (level !== 'throttle' && level !== 'degrade' && level !== 'ban') continue;
      const entry = out.get(row.target) ?? { throttle: null, degrade: null, ban: null };
      const previous = entry[level];
      entry[level] = previous === null ? row.ts : Math.min(previous, row.ts);
      out.set(row.target, entry);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

function highest(levels: ActionLevel[]): ActionLevel {
  return levels.reduce((a, b) => (ACTION_LEVELS.indexOf(b) > ACTION_LEVELS.indexOf(a) ? b : a), 'observe');
}

/** Epoch ms of the first action of any level, or null. */
export function firstActionAt(outcome: AccountOutcome | undefined): number | null {
  if (!outcome) return null;
  const times = Object.values(outcome.firstAt).filter((t): t is number => t !== null);
  return times.length > 0 ? Math.min(...times) : null;
}
