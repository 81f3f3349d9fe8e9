/**
 * A bag-of-words reference for the embedder's retrieval scores: TF-IDF vectors (sublinear tf, smoothed idf, fitted
 * on the evaluated passages themselves), L2-normalised and densified over the passages' own vocabulary. A learned
 * embedder should beat it, or it adds nothing over word overlap.
 */
import { splitWords } from '../../data/word-vocab.ts';

/**
 * Unit-norm TF-IDF vectors of `texts`: w(t, d) = (1 + ln tf) · (ln((1 + N) / (1 + df)) + 1).
 *
 * @example recallAtK(tfidfVectors(passages), groups)
 */
export function tfidfVectors(texts: readonly string[]): Float32Array[] {
  const docs = texts.map((t) => {
    const counts = new Map<string, number>();
    for (const w of splitWords(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
    return counts;
  });
  const index = new Map<string, number>();
  const df: number[] = [];
  for (const doc of docs) {
    for (const w of doc.keys()) {
      let i = index.get(w);
      if (i === undefined) {
        i = index.size;
        index.set(w, i);
        df.push(0);
      }
      df[i]++;
    }
  }
  const idf = df.map((d) => Math.log((1 + docs.length) / (1 + d)) + 1);
  return docs.map((doc) => {
    const v = new Float32Array(index.size);
    for (const [w, tf] of doc) {
      const i = index.get(w) as number;
      v[i] = (1 + Math.log(tf)) * idf[i];
    }
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < v.length; i++) v[i] /= norm;
    return v;
  });
}
