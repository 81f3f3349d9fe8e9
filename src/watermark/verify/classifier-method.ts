/**
 * `--modality classifier`: DAWN. Probes are the inputs the gateway recorded in the DAWN ledger for the accounts being
 * tested (watermark inputs first, then controls, round-robin over accounts, each input once, up to --probes). An
 * account's key is scored on the inputs that account was served (its ledger records): its watermark inputs are what it
 * was given flipped and its controls what it was given truthfully, so a copy trained on its answers has seen nearly
 * all of them. Scoring it on other accounts' inputs too would add "watermark" inputs under its key that it was never
 * served, and controls the copy never trained on, and only dilute the evidence. A key with no records among the
 * probes (the calibration's independent keys) is scored on all of them. Under a key every scored input gets the role
 * that key gives it (watermark / control / neither) and, if watermark, the key's wrong label; Fisher's exact test
 * then compares hits with control errors (../classifier/detect.ts). Under the null the roles within an account's
 * selected inputs are a keyed coin independent of the suspect, so restricting to them keeps the test exact.
 * With --accounts all, the ranking gets 60% of the budget and the top account the rest (the confirmation stage in
 * verify.ts): its remaining inputs, chosen from the ledger alone, so its test is one fixed in advance.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../../config/schema.ts';
import { dawnRole, isFullBand, keyedWrongLabel } from '../classifier/dawn.ts';
import { type DawnOutcome, scoreDawn } from '../classifier/detect.ts';
import { type DawnLedger, type DawnRecord, dawnLedgerFile, FileDawnLedger } from '../classifier/ledger.ts';
import type { ResolvedKey } from '../keys.ts';
import { GarbageAnswer, type Probe, type ProbeSelection, type VerifyMethod } from './method.ts';

interface Observation {
  input: string;
  trueLabel: string;
  labels: string[];
  /** The upstream's margin when the input was served (undefined in records older than the margin band). */
  margin?: number;
  /** The accounts whose ledger holds this input (undefined in probe sets saved before accounts were kept). */
  accounts?: string[];
  suspect: string;
}

export function createClassifierVerifyMethod(config: Pick<Config, 'dataDir' | 'watermark'>, ledger?: DawnLedger): VerifyMethod<Observation> {
  const selection = config.watermark.classifier;
  const { fraction, controlFraction, marginBand } = selection;
  // Margin-less records left out under a band, reported with every score so a mixed ledger is not cut silently.
  let skipped = 0;
  /** The tested accounts' records that mean something under the configured band (throws when none can be asked). */
  const usableRecords = (keys: readonly ResolvedKey[]): DawnRecord[] => {
    const source = ledger ?? new FileDawnLedger(dawnLedgerFile(config.dataDir));
    const all = source.list(keys.map((k) => k.accountId));
    // Records from before margins were kept were selected from the whole traffic: they mean something only under a
    // full band, i.e. with the settings they were written under.
    const records = isFullBand(selection) ? all : all.filter((r) => r.margin !== undefined);
    skipped = all.length - records.length;
    if (records.length < all.length && !records.some((r) => r.role === 'watermark')) {
      throw new Error(
        `the DAWN ledger's ${all.length - records.length} records for these accounts carry no teacher margin (written before the margin band); verify them with watermark.classifier.marginBand {min: 0, max: 1} and bandShare 1, the settings they were selected under`,
      );
    }
    if (!records.some((r) => r.role === 'watermark')) {
      throw new Error(`the DAWN ledger (${dawnLedgerFile(config.dataDir)}) holds no watermark inputs for these accounts: nothing to ask the suspect`);
    }
    return records;
  };
  return {
    modality: 'classifier',
    description: `DAWN (keyed wrong label on ${fraction * 100}% of inputs, ${controlFraction * 100}% kept as controls, both drawn from teacher margins ${marginBand.min}–${marginBand.max}): the suspect's labels on the ledger's watermark and control inputs, one-sided Fisher exact test of keyed-wrong-label hits vs control errors`,
    defaultProbes: 1000,
    selectProbes({ keys, count, model }: ProbeSelection): Probe[] {
      const records = usableRecords(keys);
      return pickRecords(records, count).map(({ record, accounts }, i) => probeOf(`dawn-${i}`, record, accounts, model));
    },
    // The ranking spends 60% of the budget; the rest asks about the top account's own remaining inputs (watermark
    // first, ledger order), so its Fisher test gets most of its controls instead of a tenth of the budget's.
    confirmationShare: 0.4,
    confirmationProbes({ keys, count, model }: ProbeSelection, top: ResolvedKey, asked: readonly Probe[]): Probe[] {
      const records = usableRecords(keys);
      const holders = holdersOf(records);
      const seen = new Set(asked.map((p) => p.body.input));
      const own = records.filter((r) => r.accountId === top.accountId);
      const ordered = [...own.filter((r) => r.role === 'watermark'), ...own.filter((r) => r.role === 'control')];
      const unique = ordered.filter((r) => !seen.has(r.input) && seen.add(r.input));
      // Ids from the input, not the position: a resumed run whose ranking changed must not reuse another input's answer.
      return unique.slice(0, count).map((r) => probeOf(`dawn-confirm-${createHash('sha256').update(r.input).digest('hex').slice(0, 20)}`, r, holders.get(r.input) ?? [], model));
    },
    parseAnswer(probe, response) {
      const data = (response as { data?: unknown } | null)?.data;
      const label = Array.isArray(data) ? (data[0] as { label?: unknown } | undefined)?.label : undefined;
      const meta = probe.meta as Omit<Observation, 'suspect'>;
      if (typeof label !== 'string') throw new GarbageAnswer('answer has no label');
      return { ...meta, suspect: label };
    },
    score(answers, key) {
      const own = answers.filter((a) => a.observation.accounts?.includes(key.accountId));
      const outcomes: DawnOutcome[] = [];
      for (const { observation: o } of own.length > 0 ? own : answers) {
        const role = dawnRole(key.key, o.input, o.margin, selection);
        if (role === 'none') continue;
        const served = role === 'watermark' ? keyedWrongLabel(key.key, o.input, o.labels, o.trueLabel) : o.trueLabel;
        outcomes.push({ role, served, suspect: o.suspect });
      }
      const s = scoreDawn(outcomes);
      return {
        statisticName: '−log10 p (Fisher exact)',
        statistic: -s.log10PValue,
        pValue: s.pValue,
        scored: s.watermarkInputs + s.controlInputs,
        details: {
          watermarkInputs: s.watermarkInputs,
          hits: s.hits,
          controlInputs: s.controlInputs,
          controlErrors: s.controlErrors,
          log10PValue: Math.round(s.log10PValue * 1e4) / 1e4,
          ...(skipped > 0 ? { ledgerRecordsWithoutMarginLeftOut: skipped } : {}),
        },
      };
    },
  };
}

function probeOf(id: string, r: DawnRecord, accounts: string[], model: string): Probe {
  return { id, path: '/classifications', body: { model, input: r.input }, meta: { input: r.input, trueLabel: r.trueLabel, labels: r.labels, margin: r.margin, accounts } };
}

/** Every account whose records hold each input, sorted. */
function holdersOf(records: readonly DawnRecord[]): Map<string, string[]> {
  const holders = new Map<string, Set<string>>();
  for (const r of records) holders.set(r.input, (holders.get(r.input) ?? new Set()).add(r.accountId));
  return new Map([...holders].map(([input, set]) => [input, [...set].sort()]));
}

/** Each input once (with every account that holds it), watermark inputs before controls, accounts taking turns, at most `count`. */
function pickRecords(records: readonly DawnRecord[], count: number): { record: DawnRecord; accounts: string[] }[] {
  const holders = holdersOf(records);
  const ordered: DawnRecord[] = [];
  const taken = new Set<string>();
  for (const role of ['watermark', 'control'] as const) {
    const byAccount = new Map<string, DawnRecord[]>();
    for (const r of records) if (r.role === role) byAccount.set(r.accountId, [...(byAccount.get(r.accountId) ?? []), r]);
    const queues = [...byAccount.values()];
    for (let i = 0; queues.some((q) => i < q.length); i++) {
      for (const q of queues) {
        const r = q[i];
        if (r === undefined || taken.has(r.input)) continue;
        taken.add(r.input);
        ordered.push(r);
      }
    }
  }
  return ordered.slice(0, count).map((record) => ({ record, accounts: holders.get(record.input) ?? [] }));
}
