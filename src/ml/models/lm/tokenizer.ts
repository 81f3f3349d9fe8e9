/**
 * Character vocabulary for the built-in LMs: one token per Unicode code point seen in the training corpus, plus id 0
 * for anything else (`<unk>`, decoded as U+FFFD).
 */
import type { Tokenizer } from '../../contracts.ts';

export const UNK_ID = 0;
const UNK_TEXT = '\uFFFD';

export class CharTokenizer implements Tokenizer {
  private readonly ids: Map<string, number>;

  /** `chars[i]` is the text of token id i + 1. */
  constructor(readonly chars: readonly string[]) {
    this.ids = new Map(chars.map((c, i) => [c, i + 1]));
    if (this.ids.size !== chars.length) throw new Error('CharTokenizer: duplicate characters in the vocabulary');
    for (const c of chars) if ([...c].length !== 1) throw new Error(`CharTokenizer: '${c}' is not one character`);
  }

  /**
   * The vocabulary of `text`: characters seen at least `minCount` times (rarer ones become `<unk>`, so the model
   * learns what to do with an unseen character), in code-point order so the ids are deterministic.
   *
   * @example
   * const tok = CharTokenizer.fromText(corpus, 2);
   */
  static fromText(text: string, minCount = 1): CharTokenizer {
    const counts = new Map<string, number>();
    for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
    const chars = [...counts].filter(([, n]) => n >= minCount).map(([c]) => c);
    chars.sort((a, b) => (a.codePointAt(0) as number) - (b.codePointAt(0) as number));
    return new CharTokenizer(chars);
  }

  get vocabSize(): number {
    return this.chars.length + 1;
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const c of text) out.push(this.ids.get(c) ?? UNK_ID);
    return out;
  }

  decode(ids: readonly number[]): string {
    let s = '';
    for (const id of ids) s += this.tokenText(id);
    return s;
  }

  tokenText(id: number): string {
    if (id === UNK_ID) return UNK_TEXT;
    const c = this.chars[id - 1];
    if (!Number.isInteger(id) || c === undefined) throw new RangeError(`token id ${id} is outside the vocabulary (0–${this.chars.length})`);
    return c;
  }
}
