/**
 * Which parts of an e-mail a text model may see. The policy is an allow-list: the Subject (decoded) and the body
 * text; the From domain is kept aside as metadata. Every other header is dropped — routing (Received, Return-Path),
 * identifiers (Message-Id), dates, and above all the filter verdicts (X-Spam-*, X-SpamCop-*), which would leak the
 * label into the features — as are mailing-list headers that identify the corpus a message came from.
 */
import { normaliseText } from '../normalise-text.ts';
import { headerValue, parseMessage } from './headers.ts';
import { decodeEncodedWords, entityText } from './mime.ts';

export interface EmailDocument {
  /** Decoded Subject, normalised; empty when absent. */
  subject: string;
  /** Lower-cased domain of the From address, or null; metadata, not part of `text`. */
  fromDomain: string | null;
  /** Decoded, de-HTML-ed, normalised body text. */
  body: string;
  /** What a model reads: `subject` then `body`, normalised. */
  text: string;
}

/**
 * Turns a raw RFC 822 message into model input under the allow-list above.
 *
 * @example emailToDocument('Subject: Hi\nX-Spam-Status: Yes\n\nHello').text // 'hi hello'
 */
export function emailToDocument(raw: string): EmailDocument {
  const { headers, body } = parseMessage(raw);
  const subject = normaliseText(decodeEncodedWords(headerValue(headers, 'subject') ?? ''));
  const bodyText = normaliseText(entityText(headers, body));
  return {
    subject,
    fromDomain: fromDomain(headerValue(headers, 'from')),
    body: bodyText,
    text: normaliseText(`${subject} ${bodyText}`),
  };
}

/** The domain of the (last) address in a From value such as `Ann <ann@Example.org>`. */
export function fromDomain(from: string | undefined): string | null {
  if (from === undefined) return null;
  const matches = [...from.matchAll(/@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)/g)];
  return matches.length === 0 ? null : matches[matches.length - 1][1].toLowerCase();
}

/**
 * Whether `text` looks like a raw message (a header block before a blank line) rather than plain prose, so a served
 * classifier can accept either. Requires at least two header lines, one of them a field mail always has.
 */
export function looksLikeEmail(text: string): boolean {
  const head = text.slice(0, 4096);
  const end = head.search(/\r?\n\r?\n/);
  if (end < 0) return false;
  const lines = head.slice(0, end).split(/\r?\n/).filter((l) => !/^[ \t]/.test(l));
  const fields = lines.filter((l) => /^[!-9;-~]+:/.test(l)).map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
  const essential = fields.some((f) => f === 'subject' || f === 'from' || f === 'received' || f === 'content-type');
  return fields.length >= 2 && fields.length >= lines.length - 1 && essential;
}
