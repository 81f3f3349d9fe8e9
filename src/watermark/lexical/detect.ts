/**
 * Lexical watermark detection. The suspect's texts are scanned exactly as the marker scans, each distinct
 * (previous word, group) slot is kept once (its first word), and a slot is a hit when its word is the member the key
 * selects there. Under the null — texts independent of the key — the key's choice at a distinct slot is a fresh draw
 * with the group's weights, so slot i is a hit with probability wᵢ = weight of the word actually written, whatever
 * the text's own word frequencies are. The hit count is then Poisson-binomial(w): an exact null, no benign-rate
 * estimate needed. The mid-p is reported as the p-value (the exact tail is conservative and piles null p-values up
 * near 1 when slots are few) with the exact tail beside it. Repeated slots are dropped because they repeat one draw
 * (the miscalibration issue 6 warns about).
 */
import { logPoissonBinomialMidP, logPoissonBinomialUpperTail } from '../proxy-stats.ts';
import { lexicalKey, type SynonymGroup, type SynonymTable, selectedMember, synonymTable } from './synonyms.ts';
import { WordScanner } from './word-scanner.ts';

export interface LexicalSlot {
  previousWord: string;
  group: SynonymGroup;
  /** Index of the written word in its group. */
  member: number;
}

export interface LexicalSlots {
  slots: LexicalSlot[];
  /** Slot words seen before deduplication. */
  rawSlots: number;
  /** Words scanned. */
  words: number;
}

/** Distinct (previous word, group) slots across all texts; the first occurrence wins. */
export function lexicalSlots(texts: readonly string[], table: SynonymTable = synonymTable()): LexicalSlots {
  const seen = new Map<string, LexicalSlot>();
  let rawSlots = 0;
  let words = 0;
  for (const text of texts) {
    const scanner = new WordScanner(table, (slot) => {
      rawSlots++;
      const id = `${slot.group.index}\u0000${slot.previousWord}`;
      if (!seen.has(id)) seen.set(id, { previousWord: slot.previousWord, group: slot.group, member: slot.group.words.indexOf(slot.word) });
      return slot.word;
    });
    scanner.push(text);
    scanner.flush();
    words += text.match(/[A-Za-z]+/g)?.length ?? 0;
  }
  return { slots: [...seen.values()], rawSlots, words };
}

export interface LexicalScore {
  scored: number;
  hits: number;
  /** Expected hits under the null (Σ wᵢ). */
  expectedHits: number;
  /** (hits − Σw) / √Σw(1 − w). */
  z: number;
  /** Mid-p value (uniform-ish under the null even with few slots). */
  pValue: number;
  log10PValue: number;
  /** The exact (conservative) tail P[hits ≥ observed]. */
  exactPValue: number;
}

/** Scores distinct slots under an account key. */
export function scoreLexical(slots: readonly LexicalSlot[], accountKey: Buffer): LexicalScore {
  const key = lexicalKey(accountKey);
  let hits = 0;
  const nullProbabilities: number[] = [];
  for (const slot of slots) {
    nullProbabilities.push(slot.group.weights[slot.member] ?? 0);
    if (selectedMember(key, slot.previousWord, slot.group) === slot.member) hits++;
  }
  const expectedHits = nullProbabilities.reduce((s, p) => s + p, 0);
  const variance = nullProbabilities.reduce((s, p) => s + p * (1 - p), 0);
  const logP = logPoissonBinomialMidP(hits, nullProbabilities);
  return {
    scored: slots.length,
    hits,
    expectedHits,
    z: variance > 0 ? (hits - expectedHits) / Math.sqrt(variance) : 0,
    pValue: Math.exp(logP),
    log10PValue: logP / Math.LN10,
    exactPValue: Math.exp(logPoissonBinomialUpperTail(hits, nullProbabilities)),
  };
}
