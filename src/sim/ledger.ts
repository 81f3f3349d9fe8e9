/**
 * Every simulated request's outcome, in order: who sent it (actor, account), when (ms since the run started), and
 * what came back. The evaluation joins it with detection's actions to count queries served before each action.
 */
export interface RequestRecord {
  actor: number;
  account: number;
  /** ms since the run started, when the request was sent and when its answer ended. */
  sentAt: number;
  endedAt: number;
  status: number;
  code: string | null;
}

export class Ledger {
  readonly startedAt: number;
  readonly records: RequestRecord[] = [];

  constructor(startedAt = Date.now()) {
    this.startedAt = startedAt;
  }

  /** ms since the run started. */
  now(): number {
    return Date.now() - this.startedAt;
  }

  record(actor: number, account: number, sentAt: number, status: number, code: string | null): void {
    this.records.push({ actor, account, sentAt, endedAt: this.now(), status, code });
  }
}

export interface OutcomeCounts {
  sent: number;
  served: number;
  throttled: number;
  refused: number;
  banned: number;
  errors: number;
}

/** Served = 2xx; throttled = 429; banned = 403 account_banned; refused = other 4xx; errors = 5xx or transport. */
export function countOutcomes(records: Iterable<RequestRecord>): OutcomeCounts {
  const counts: OutcomeCounts = { sent: 0, served: 0, throttled: 0, refused: 0, banned: 0, errors: 0 };
  for (const r of records) {
    counts.sent++;
    if (r.status >= 200 && r.status < 300) counts.served++;
    else if (r.status === 429) counts.throttled++;
    else if (r.code === 'account_banned') counts.banned++;
    else if (r.status >= 400 && r.status < 500) counts.refused++;
    else counts.errors++;
  }
  return counts;
}
