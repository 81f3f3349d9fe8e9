/**
 * The word scanner both the marker and the detector run, so they agree on every slot. Text is read one character at a
 * time; a word (a run of ASCII letters) is decided when the character after it arrives, so a stream is held back by at
 * most the word in progress. A word is a slot when it is in the synonym table, is lowercase / Capitalised / UPPER,
 * stands alone (not glued to digits, paths, identifiers or hyphens), is outside backtick code, and does not follow
 * "a"/"an" (a swap could break the article's agreement). The previous word (lowercased, as written out) is the
 * context of the keyed choice.
 */
import type { SynonymGroup, SynonymTable } from './synonyms.ts';

const GLUED_BEFORE = /[0-9_/\\@#$%&*=+<>~^|.:'-]/;
const GLUED_AFTER = /[0-9_/\\@#$%&*=+<>~^|'([{-]/;
const ARTICLES = new Set(['a', 'an']);

export interface Slot {
  previousWord: string;
  group: SynonymGroup;
  /** Lowercase word found in the text. */
  word: string;
}

/** Decides a slot's replacement (or keeps the word); returns the lowercase word to write. */
export type SlotDecision = (slot: Slot) => string;

export class WordScanner {
  readonly #table: SynonymTable;
  readonly #decide: SlotDecision;
  #pending = '';
  #charBefore = '';
  #lastChar = '';
  #previousWord = '';
  #inCode = false;

  constructor(table: SynonymTable, decide: SlotDecision) {
    this.#table = table;
    this.#decide = decide;
  }

  /** Feeds text; returns what can be written now (everything but a word still in progress). */
  push(text: string): string {
    let out = '';
    for (const ch of text) {
      if (isLetter(ch)) {
        if (this.#pending === '') this.#charBefore = this.#lastChar;
        this.#pending += ch;
        continue;
      }
      if (this.#pending !== '') out += this.#finishWord(ch);
      if (ch === '`') this.#inCode = !this.#inCode;
      this.#lastChar = ch;
      out += ch;
    }
    return out;
  }

  /** The end of the text: decides the word in progress. */
  flush(): string {
    return this.#pending === '' ? '' : this.#finishWord('');
  }

  #finishWord(charAfter: string): string {
    const written = this.#pending;
    this.#pending = '';
    const lower = written.toLowerCase();
    const group = this.#table.groupOf.get(lower);
    const shape = caseShape(written);
    let result = written;
    if (
      group &&
      shape &&
      !this.#inCode &&
      !GLUED_BEFORE.test(this.#charBefore) &&
      !GLUED_AFTER.test(charAfter) &&
      !ARTICLES.has(this.#previousWord)
    ) {
      result = applyShape(this.#decide({ previousWord: this.#previousWord, group, word: lower }), shape);
    }
    this.#previousWord = result.toLowerCase();
    return result;
  }
}

type CaseShape = 'lower' | 'capital' | 'upper';

function isLetter(ch: string): boolean {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

function caseShape(word: string): CaseShape | null {
  if (word === word.toLowerCase()) return 'lower';
  if (word.length > 1 && word === word.toUpperCase()) return 'upper';
  if (word[0] === word[0]?.toUpperCase() && word.slice(1) === word.slice(1).toLowerCase()) return 'capital';
  return null;
}

function applyShape(word: string, shape: CaseShape): string {
  if (shape === 'upper') return word.toUpperCase();
  if (shape === 'capital') return word.charAt(0).toUpperCase() + word.slice(1);
  return word;
}
