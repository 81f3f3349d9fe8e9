/**
 * The lexical watermark's synonym groups (synonym-table.json, built from WordNet by build-synonym-table.ts) and the
 * keyed choice of one member per (previous word, group). The choice is drawn with the members' natural frequencies as
 * weights, so over many contexts each word keeps its usual share while in any one context the key fixes the word —
 * the conditional-watermark idea of CATER without its parser.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const TableSchema = z.object({ source: z.string(), groups: z.array(z.array(z.string().regex(/^[a-z]+:\d+$/)).min(2)) });

export interface SynonymGroup {
  index: number;
  words: readonly string[];
  /** Selection probability of each member (its natural frequency share). */
  weights: readonly number[];
}

export interface SynonymTable {
  groups: readonly SynonymGroup[];
  /** Lowercase word → its group. */
  groupOf: ReadonlyMap<string, SynonymGroup>;
}

let cached: SynonymTable | undefined;

/** The shipped table, parsed once. */
export function synonymTable(): SynonymTable {
  if (cached) return cached;
  const raw = TableSchema.parse(JSON.parse(readFileSync(new URL('./synonym-table.json', import.meta.url), 'utf8')));
  cached = buildSynonymTable(raw.groups.map((g) => g.map((entry) => entry.split(':') as [string, string])));
  return cached;
}

/** A table from `[word, count]` groups (tests build small ones). */
export function buildSynonymTable(groups: readonly (readonly (readonly [string, string | number])[])[]): SynonymTable {
  const groupOf = new Map<string, SynonymGroup>();
  const list: SynonymGroup[] = [];
  for (const members of groups) {
    const total = members.reduce((sum, [, count]) => sum + Number(count), 0);
    const group: SynonymGroup = { index: list.length, words: members.map(([w]) => w), weights: members.map(([, c]) => Number(c) / total) };
    for (const word of group.words) {
      if (groupOf.has(word)) throw new Error(`synonym table lists '${word}' twice`);
      groupOf.set(word, group);
    }
    list.push(group);
  }
  return { groups: list, groupOf };
}

/** The lexical sub-key of an account key (domain-separated from the other marks). */
export function lexicalKey(accountKey: Buffer): Buffer {
  return createHmac('sha256', accountKey).update('moat-lexical-watermark/v1').digest();
}

/** Index of the member the key selects for `group` after `previousWord`: a keyed uniform draw over the weights. */
export function selectedMember(key: Buffer, previousWord: string, group: SynonymGroup): number {
  const digest = createHmac('sha256', key).update(`${group.index}\u0000${previousWord}`).digest();
  const u = digest.readUIntBE(0, 6) / 2 ** 48;
  let cumulative = 0;
  for (let i = 0; i < group.weights.length; i++) {
    cumulative += group.weights[i] ?? 0;
    if (u < cumulative) return i;
  }
  return group.weights.length - 1;
}
