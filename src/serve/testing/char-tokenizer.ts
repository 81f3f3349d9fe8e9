/** Test fixture: one token per printable ASCII character plus newline; anything else encodes as '?'. */
import type { Tokenizer } from '../../ml/contracts.ts';

const ALPHABET = ['\n', ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))];
const IDS = new Map(ALPHABET.map((ch, id) => [ch, id]));
const UNKNOWN = IDS.get('?') as number;

/** A character tokenizer over printable ASCII (96 ids). */
export function createCharTokenizer(): Tokenizer {
  return {
    vocabSize: ALPHABET.length,
    encode: (text) => Array.from(text, (ch) => IDS.get(ch) ?? UNKNOWN),
    decode: (ids) => ids.map((id) => ALPHABET[id] ?? '').join(''),
    tokenText(id) {
      const text = ALPHABET[id];
      if (text === undefined) throw new RangeError(`unknown token id ${id}`);
      return text;
    },
  };
}
