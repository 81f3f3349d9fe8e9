/**
 * HTML to plain text for mail bodies: drops markup, scripts, styles and comments, keeps link targets as text (so
 * the normaliser can count them as URLs) and decodes character references.
 */

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  copy: '©',
  reg: '®',
  trade: '™',
  euro: '€',
  pound: '£',
  cent: '¢',
  mdash: '—',
  ndash: '–',
  hellip: '…',
};

/** Block-level tags whose boundaries separate words (and lines) in rendered text. */
const BLOCK_TAG = /<\/?(?:p|div|br|tr|td|th|li|ul|ol|table|h[1-6]|center|blockquote|title|hr)\b[^>]*>/gi;

/**
 * Renders `html` as plain text. Link targets (`href`) are kept as words because "how many links" is part of what a
 * mail says; every other attribute is dropped.
 *
 * @example htmlToText('<p>Hi&nbsp;<a href="http://x.test">there</a></p>') // ' Hi  http://x.test there '
 */
export function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
      .replace(/<a\b[^>]*?\bhref\s*=\s*["']?([^"'\s>]+)[^>]*>/gi, ' $1 ')
      .replace(BLOCK_TAG, '\n')
      .replace(/<\/?[A-Za-z!][^>]*>/g, ' '),
  );
}

/** Decodes `&name;`, `&#123;` and `&#x7b;` references; unknown names are left as written. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z]+);/g, (all, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
    }
    return NAMED_ENTITIES[ref.toLowerCase()] ?? all;
  });
}
