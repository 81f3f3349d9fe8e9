/**
 * Text normalisation shared by every word-level model: the same function runs on training data and on text sent to
 * a served model, so a URL or a number means the same thing in both places.
 */

/** Placeholder words that stand for a whole class of strings; the word tokenizer keeps them as single tokens. */
export const PLACEHOLDERS = { url: '<url>', email: '<email>', number: '<num>' } as const;

/** Trailing sentence punctuation is not part of a URL written in prose (`see www.x.test!`). */
const URL_PATTERN = /\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'()]*[^\s<>"'().,;:!?]/gi;
const EMAIL_PATTERN = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
/** Stand-alone numbers only (with thousands separators or decimals): `mp3` and `x86` stay words. */
const NUMBER_PATTERN = /(?<![\p{L}\p{N}_])\d+(?:[.,]\d+)*(?![\p{L}\p{N}_])/gu;
/** U+FFFD marks bytes that could not be decoded; a run of them carries no more information than one. */
const REPLACEMENT_RUN = /\uFFFD+/g;

/**
 * Lower-cases `text`, replaces URLs, e-mail addresses and numbers with placeholders, and collapses white space.
 * Idempotent: normalising twice gives the same result as once.
 *
 * @example normaliseText('Visit http://a.test NOW, $1,000!') // 'visit <url> now, $<num>!'
 */
export function normaliseText(text: string): string {
  return text
    .replace(URL_PATTERN, ` ${PLACEHOLDERS.url} `)
    .replace(EMAIL_PATTERN, ` ${PLACEHOLDERS.email} `)
    .toLowerCase()
    .replace(NUMBER_PATTERN, PLACEHOLDERS.number)
    .replace(REPLACEMENT_RUN, '\uFFFD')
    .replace(/\s+/g, ' ')
    .trim();
}
