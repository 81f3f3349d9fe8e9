/**
 * Stop strings over a token stream. Text is released token by token, but a token is held back while the text so
 * far ends with the beginning of a stop string (it may be completed by the next token), so a stream never shows
 * part of a stop string that later matches. On a match the completion ends just before the stop string: tokens
 * after it are dropped and a token straddling it keeps only its text before the match.
 */

export interface TextPiece<T> {
  text: string;
  /** Character offset of the piece within the completion. */
  offset: number;
  item: T;
}

export class StopMatcher<T> {
  readonly #stops: readonly string[];
  #text = '';
  #stopAt = -1;
  #held: TextPiece<T>[] = [];
  #stopped = false;

  constructor(stops: readonly string[]) {
    this.#stops = stops.filter((s) => s.length > 0);
  }

  /** Appends one token's text; returns the pieces now safe to release and whether a stop string completed. */
  push(text: string, item: T): { release: TextPiece<T>[]; stopped: boolean } {
    if (this.#stopped) return { release: [], stopped: true };
    const before = this.#text.length;
    this.#held.push({ text, offset: before, item });
    this.#text += text;
    const at = this.#firstMatch(before);
    if (at !== -1) {
      this.#stopped = true;
      this.#stopAt = at;
      return { release: this.#releaseUpTo(at, true), stopped: true };
    }
    return { release: this.#releaseUpTo(this.#text.length - this.#partialSuffix(), false), stopped: false };
  }

  /** Releases whatever is held (the sequence ended for another reason). */
  flush(): TextPiece<T>[] {
    return this.#stopped ? [] : this.#releaseUpTo(this.#text.length, true);
  }

  /** The completion text so far, without a matched stop string. */
  get text(): string {
    return this.#stopped ? this.#text.slice(0, this.#stopAt) : this.#text;
  }

  /** Earliest match that could involve characters added since `before`. */
  #firstMatch(before: number): number {
    let best = -1;
    for (const stop of this.#stops) {
      const at = this.#text.indexOf(stop, Math.max(0, before - stop.length + 1));
      if (at !== -1 && (best === -1 || at < best)) best = at;
    }
    return best;
  }

  /** Length of the longest suffix of the text that is a proper prefix of some stop string. */
  #partialSuffix(): number {
    let longest = 0;
    for (const stop of this.#stops) {
      for (let len = Math.min(stop.length - 1, this.#text.length); len > longest; len--) {
        if (this.#text.endsWith(stop.slice(0, len))) {
          longest = len;
          break;
        }
      }
    }
    return longest;
  }

  /**
   * Releases held pieces ending at or before `end`. With `cut`, also releases the piece straddling `end`, cut
   * there, and drops everything after (used on a match and at the end of the sequence).
   */
  #releaseUpTo(end: number, cut: boolean): TextPiece<T>[] {
    const out: TextPiece<T>[] = [];
    while (this.#held.length > 0) {
      const piece = this.#held[0];
      const pieceEnd = piece.offset + piece.text.length;
      if (pieceEnd <= end) {
        out.push(piece);
      } else if (cut && piece.offset < end) {
        out.push({ ...piece, text: piece.text.slice(0, end - piece.offset) });
      } else if (!cut) {
        break;
      }
      this.#held.shift();
    }
    if (cut) this.#held = [];
    return out;
  }
}
