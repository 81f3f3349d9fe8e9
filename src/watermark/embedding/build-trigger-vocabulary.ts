/**
 * Builds `trigger-vocabulary.json`: the words an embedding watermark may pick its triggers (and its benign probe
 * words) from. EmbMarker samples triggers among words in 0.5–1% of documents, frequent enough to be learnt by a copy
 * from a modest harvest, rare enough that few honest requests are touched. Document frequency is measured on the
 * State of the Union corpus cut into 64-word passages (the corpus the built-in embedder serves). Run with
 *   node --import tsx src/watermark/embedding/build-trigger-vocabulary.ts
 */
import { writeFileSync } from 'node:fs';
import { loadSotuSpeeches, toPassages } from '../../ml/data/sotu.ts';

const MIN_DF = 0.005;
const MAX_DF = 0.01;

const passages = loadSotuSpeeches().flatMap((s) => toPassages(s.text, 64));
const documentFrequency = new Map<string, number>();
for (const passage of passages) {
  for (const word of new Set(passage.toLowerCase().match(/[a-z]+/g) ?? [])) documentFrequency.set(word, (documentFrequency.get(word) ?? 0) + 1);
}
const words = [...documentFrequency]
  .filter(([word, count]) => word.length >= 4 && count / passages.length >= MIN_DF && count / passages.length < MAX_DF)
  .map(([word]) => word)
  .sort();
const out = new URL('./trigger-vocabulary.json', import.meta.url);
writeFileSync(out, `${JSON.stringify({ source: `SOTU 64-word passages (${passages.length}), document frequency in [${MIN_DF}, ${MAX_DF})`, words })}\n`);
console.log(`${words.length} words from ${passages.length} passages`);
