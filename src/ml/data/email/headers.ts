/**
 * RFC 822 / 5322 message framing: the header block, unfolded, and the body. Nothing here decides which headers
 * matter; see email-document.ts for that policy.
 */

export interface Header {
  /** Lower-cased field name, e.g. `content-type`. */
  name: string;
  /** Unfolded value (continuation lines joined with one space), still possibly RFC 2047-encoded. */
  value: string;
}

export interface RawMessage {
  headers: Header[];
  body: string;
}

/** `field-name = 1*<printable US-ASCII except ":">` (RFC 5322 §2.2); spaces before the colon are tolerated. */
const HEADER_LINE = /^([!-9;-~]+)[ \t]*:[ \t]?(.*)$/;
/** The mbox separator `From sender date` that archives put before the real headers; it is not a header. */
const MBOX_FROM_LINE = /^From /;

/**
 * Splits a raw message into unfolded headers and the body. The header block ends at the first empty line
 * (RFC 5322 §2.1); a line that is neither a header nor a continuation also ends it, so malformed mail still
 * yields its text as body rather than losing it.
 *
 * @example parseMessage('Subject: hi\n\nbody').headers // [{ name: 'subject', value: 'hi' }]
 */
export function parseMessage(raw: string): RawMessage {
  const lines = raw.split(/\r?\n/);
  const headers: Header[] = [];
  let i = 0;
  if (lines.length > 0 && MBOX_FROM_LINE.test(lines[0]) && !HEADER_LINE.test(lines[0])) i = 1;
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') {
      i++;
      break;
    }
    // Folding (RFC 5322 §2.2.3): a line starting with white space continues the previous field.
    if ((line[0] === ' ' || line[0] === '\t') && headers.length > 0) {
      headers[headers.length - 1].value += ` ${line.trim()}`;
      continue;
    }
    const match = HEADER_LINE.exec(line);
    if (match === null) break;
    headers.push({ name: match[1].toLowerCase(), value: match[2].trim() });
  }
  return { headers, body: lines.slice(i).join('\n') };
}

/** The first value of header `name` (case-insensitive), or undefined. */
export function headerValue(headers: readonly Header[], name: string): string | undefined {
  const wanted = name.toLowerCase();
  return headers.find((h) => h.name === wanted)?.value;
}

/**
 * Splits a structured header value such as `text/plain; charset="utf-8"` into its main value (lower-cased) and
 * parameters (names lower-cased, quotes removed), per RFC 2045 §5.1.
 */
export function parseHeaderParams(value: string): { main: string; params: Map<string, string> } {
  const [main, ...rest] = value.split(';');
  const params = new Map<string, string>();
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    let val = part.slice(eq + 1).trim();
    if (val.startsWith('"') && val.endsWith('"') && val.length >= 2) val = val.slice(1, -1);
    params.set(key, val);
  }
  return { main: main.trim().toLowerCase(), params };
}
