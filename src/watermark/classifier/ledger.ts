/**
 * Where the gateway keeps DAWN's watermark and control inputs per account, for `moat verify --modality classifier`
 * to ask a suspect about later (DAWN's per-client watermark set). Interface + two adapters: memory (tests) and an
 * append-only JSON-lines file in the data directory (one line per selected input; a line cut short by a crash is
 * skipped on read). Inputs are stored in full: without them there is nothing to ask the suspect.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

export const DawnRecordSchema = z.object({
  keyId: z.string(),
  accountId: z.string(),
  model: z.string(),
  role: z.enum(['watermark', 'control']),
  input: z.string(),
  /** The label the service answered. */
  served: z.string(),
  /** The upstream's own label (differs from `served` on watermark inputs). */
  trueLabel: z.string(),
  labels: z.array(z.string()),
  /** The upstream's margin when served; absent in records written before the margin band (eligible only under a full band). */
  margin: z.number().min(0).max(1).optional(),
  at: z.number(),
});
export type DawnRecord = z.infer<typeof DawnRecordSchema>;

export interface DawnLedger {
  record(entry: DawnRecord): void;
  /** Records of these accounts (all when omitted), one per (account, model, input), oldest first. */
  list(accountIds?: readonly string[]): DawnRecord[];
}

export function dawnLedgerFile(dataDir: string): string {
  return join(dataDir, 'watermark', 'dawn-ledger.jsonl');
}

export class MemoryDawnLedger implements DawnLedger {
  readonly #entries: DawnRecord[] = [];
  record(entry: DawnRecord): void {
    this.#entries.push(entry);
  }
  list(accountIds?: readonly string[]): DawnRecord[] {
    return distinct(this.#entries, accountIds);
  }
}

export class FileDawnLedger implements DawnLedger {
  readonly #file: string;
  constructor(file: string) {
    this.#file = file;
  }
  record(entry: DawnRecord): void {
    mkdirSync(dirname(this.#file), { recursive: true });
    appendFileSync(this.#file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
  }
  list(accountIds?: readonly string[]): DawnRecord[] {
    if (!existsSync(this.#file)) return [];
    const entries: DawnRecord[] = [];
    for (const line of readFileSync(this.#file, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const parsed = DawnRecordSchema.safeParse(JSON.parse(line));
        if (parsed.success) entries.push(parsed.data);
      } catch {
        // a torn last line after a crash
      }
    }
    return distinct(entries, accountIds);
  }
}

function distinct(entries: readonly DawnRecord[], accountIds?: readonly string[]): DawnRecord[] {
  const wanted = accountIds ? new Set(accountIds) : null;
  const seen = new Set<string>();
  return entries.filter((e) => {
    if (wanted && !wanted.has(e.accountId)) return false;
    const id = `${e.accountId}\u0000${e.model}\u0000${e.input}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
