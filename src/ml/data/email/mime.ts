/**
 * Just enough MIME (RFC 2045–2047) to read the text of ordinary mail: transfer decodings, encoded words in
 * headers, and multipart bodies. Non-text parts (images, attachments) are dropped: a classifier of text should not
 * see base64 noise.
 */
import { base64Bytes, decodeBytes, hexEscapeBytes } from './charset.ts';
import { type Header, headerValue, parseHeaderParams, parseMessage } from './headers.ts';
import { htmlToText } from './html.ts';

/** Deeper nesting than this is treated as hostile (a multipart bomb) and its remainder ignored. */
const MAX_MIME_DEPTH = 8;

/**
 * Decodes a quoted-printable body (RFC 2045 §6.7): soft line breaks `=\n` vanish, and each run of `=XX` escapes is
 * turned into bytes and decoded in `charset` as a whole, so multi-byte UTF-8 sequences survive.
 *
 * @example decodeQuotedPrintable('caf=C3=A9 =\nbar', 'utf-8') // 'café bar'
 */
export function decodeQuotedPrintable(text: string, charset?: string): string {
  return text
    .replace(/=\r?\n/g, '')
    .replace(/(?:=[0-9A-Fa-f]{2})+/g, (run) => decodeBytes(hexEscapeBytes(run), charset ?? 'latin1'));
}

/**
 * Decodes RFC 2047 encoded words in a header value, e.g. `=?iso-8859-1?Q?caf=E9?=` or `=?utf-8?B?Y2Fmw6k=?=`.
 * White space between two adjacent encoded words is dropped (RFC 2047 §6.2).
 */
export function decodeEncodedWords(value: string): string {
  const word = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
  return value.replace(/(\?=)\s+(=\?)/g, '$1$2').replace(word, (_all, charset: string, kind: string, data: string) => {
    if (kind.toUpperCase() === 'B') return decodeBytes(base64Bytes(data), charset);
    // Q encoding: like quoted-printable, with `_` standing for a space.
    return data
      .replace(/_/g, ' ')
      .replace(/(?:=[0-9A-Fa-f]{2})+/g, (run) => decodeBytes(hexEscapeBytes(run), charset));
  });
}

/** Undoes Content-Transfer-Encoding; 7bit, 8bit, binary and unknown encodings pass through unchanged. */
export function decodeTransferEncoding(body: string, encoding: string | undefined, charset?: string): string {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'base64':
      return decodeBytes(base64Bytes(body), charset);
    case 'quoted-printable':
      return decodeQuotedPrintable(body, charset);
    default:
      return body;
  }
}

/**
 * The readable text of a MIME entity given its headers and raw body: text/plain as is, text/html with tags
 * stripped, multipart parts concatenated (for multipart/alternative, the plain version when it has content), an
 * attached message/rfc822 by its own body. Everything else contributes nothing.
 */
export function entityText(headers: readonly Header[], body: string, depth = 0): string {
  if (depth > MAX_MIME_DEPTH) return '';
  const { main: type, params } = parseHeaderParams(headerValue(headers, 'content-type') ?? 'text/plain');
  const encoding = headerValue(headers, 'content-transfer-encoding');
  const charset = params.get('charset');
  if (type.startsWith('multipart/')) {
    const boundary = params.get('boundary');
    // A multipart without a boundary is broken; reading its body as text keeps what a person would see.
    if (boundary === undefined || boundary === '') return body;
    const parts = splitMultipart(body, boundary).map((part) => {
      const parsed = parseMessage(part);
      return { type: contentType(parsed.headers), text: entityText(parsed.headers, parsed.body, depth + 1) };
    });
    if (type === 'multipart/alternative') {
      const plain = parts.find((p) => p.type === 'text/plain' && p.text.trim() !== '');
      if (plain !== undefined) return plain.text;
    }
    return parts.map((p) => p.text).join('\n');
  }
  if (type === 'message/rfc822') {
    const inner = parseMessage(body);
    return entityText(inner.headers, inner.body, depth + 1);
  }
  if (type === 'text/html') return htmlToText(decodeTransferEncoding(body, encoding, charset));
  if (type.startsWith('text/') || type === '') return decodeTransferEncoding(body, encoding, charset);
  return '';
}

function contentType(headers: readonly Header[]): string {
  return parseHeaderParams(headerValue(headers, 'content-type') ?? 'text/plain').main;
}

/**
 * The parts between `--boundary` delimiter lines (RFC 2046 §5.1.1); the preamble before the first delimiter and
 * the epilogue after `--boundary--` are discarded. A missing close delimiter ends the last part at the body's end.
 */
export function splitMultipart(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let current: string[] | null = null;
  for (const line of body.split(/\r?\n/)) {
    const trimmed = line.trimEnd();
    if (trimmed === `${delimiter}--`) {
      if (current !== null) parts.push(current.join('\n'));
      return parts;
    }
    if (trimmed === delimiter) {
      if (current !== null) parts.push(current.join('\n'));
      current = [];
      continue;
    }
    current?.push(line);
  }
  if (current !== null) parts.push(current.join('\n'));
  return parts;
}
