/**
 * The lexical watermark (He et al., AAAI 2022, conditioned on context as in CATER): every slot word is replaced by the
 * group member the account's key selects for the word before it. `markText` rewrites a whole answer; a
 * `LexicalMarker` rewrites a stream piece by piece and writes exactly what `markText` would, holding back at most the
 * word in progress.
 */
import { lexicalKey, type SynonymTable, selectedMember, synonymTable } from './synonyms.ts';
import { WordScanner } from './word-scanner.ts';

export class LexicalMarker {
  readonly #scanner: WordScanner;

  constructor(accountKey: Buffer, table: SynonymTable = synonymTable()) {
    const key = lexicalKey(accountKey);
    this.#scanner = new WordScanner(table, (slot) => slot.group.words[selectedMember(key, slot.previousWord, slot.group)] ?? slot.word);
  }

  /** Marked text for this piece of the stream (may end before the piece does: a word in progress waits). */
  push(text: string): string {
    return this.#scanner.push(text);
  }

  /** The rest, at the end of the stream. */
  flush(): string {
    return this.#scanner.flush();
  }
}

/** The whole text, marked for `accountKey`. */
export function markText(text: string, accountKey: Buffer, table?: SynonymTable): string {
  const marker = new LexicalMarker(accountKey, table);
  return marker.push(text) + marker.flush();
}
