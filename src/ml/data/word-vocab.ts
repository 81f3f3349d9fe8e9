/**
 * A word-level tokenizer whose vocabulary is the N most frequent words of a training split, plus `<pad>` and
 * `<unk>`. Text is normalised first (normalise-text.ts), so URLs, addresses and numbers are single placeholder words.
 */
import type { Tokenizer } from '../contracts.ts';
import { normaliseText } from './normalise-text.ts';

export const PAD_TOKEN = '<pad>';
export const UNK_TOKEN = '<unk>';
export const PAD_ID = 0;
export const UNK_ID = 1;

/**
 * A word is a placeholder, a run of letters/digits/underscores with inner apostrophes (`don't`), or one other
 * non-space character (punctuation such as `!` and `$` carries signal for spam, so it is kept).
 */
const WORD = /<(?:url|email|num)>|[\p{L}\p{N}_]+(?:'[\p{L}\p{N}_]+)*|[^\s\p{L}\p{N}_]/gu;

/** The words of `text` after normalisation, in order. */
export function splitWords(text: string): string[] {
  return normaliseText(text).match(WORD) ?? [];
}

/** What a saved model stores to rebuild its tokenizer: the words by id (ids 0 and 1 are `<pad>` and `<unk>`). */
export interface WordVocabSpec {
  words: string[];
}

export interface BuildVocabOptions {
  /** Vocabulary size including `<pad>` and `<unk>`. */
  size: number;
  /** Words seen fewer times than this are left out even if there is room. Default 2. */
  minCount?: number;
}

export class WordVocab implements Tokenizer {
  readonly vocabSize: number;
  private readonly words: readonly string[];
  private readonly ids: ReadonlyMap<string, number>;

  private constructor(words: readonly string[]) {
    if (words[PAD_ID] !== PAD_TOKEN || words[UNK_ID] !== UNK_TOKEN) {
      throw new Error(`a word vocabulary must start with ${PAD_TOKEN}, ${UNK_TOKEN}`);
    }
    this.words = words;
    this.ids = new Map(words.map((w, i) => [w, i]));
    if (this.ids.size !== words.length) throw new Error('a word vocabulary must not repeat a word');
    this.vocabSize = words.length;
  }

  /**
   * The `size − 2` most frequent words of `texts` (ties broken by code-unit order, so the result does not depend on
   * iteration order of equal counts).
   *
   * @example WordVocab.build(trainTexts, { size: 8000 }).encode('free money') // e.g. [57, 311]
   */
  static build(texts: Iterable<string>, options: BuildVocabOptions): WordVocab {
    if (!Number.isInteger(options.size) || options.size < 2) throw new RangeError(`vocabulary size must be ≥ 2, got ${options.size}`);
    const minCount = options.minCount ?? 2;
    const counts = new Map<string, number>();
    for (const text of texts) {
      for (const w of splitWords(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
    }
    counts.delete(PAD_TOKEN);
    counts.delete(UNK_TOKEN);
    const ranked = [...counts.entries()]
      .filter(([, c]) => c >= minCount)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, options.size - 2)
      .map(([w]) => w);
    return new WordVocab([PAD_TOKEN, UNK_TOKEN, ...ranked]);
  }

  /** Rebuilds a vocabulary saved with `toSpec()`. */
  static fromSpec(spec: WordVocabSpec): WordVocab {
    return new WordVocab(spec.words);
  }

  toSpec(): WordVocabSpec {
    return { words: [...this.words] };
  }

  /** Word ids of `text`; words outside the vocabulary map to `<unk>`. Never emits `<pad>`. */
  encode(text: string): number[] {
    return splitWords(text).map((w) => this.ids.get(w) ?? UNK_ID);
  }

  /** Words joined by single spaces; `<pad>` ids are skipped. */
  decode(ids: readonly number[]): string {
    return ids
      .filter((id) => id !== PAD_ID)
      .map((id) => this.tokenText(id))
      .join(' ');
  }

  tokenText(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.words.length) {
      throw new RangeError(`token id ${id} is outside the vocabulary [0, ${this.words.length})`);
    }
    return this.words[id];
  }
}
