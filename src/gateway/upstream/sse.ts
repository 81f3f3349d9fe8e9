/**
 * Incremental Server-Sent Events framing (WHATWG HTML §9.2): splits a byte stream into whole events without
 * waiting for the stream to end, so each event can be forwarded the moment it is complete. Only `data:` lines matter
 * for OpenAI streams; an event is the bytes up to and including its blank line.
 */
export interface SseEvent {
  /** The raw bytes of the event, blank line included, to forward unchanged. */
  raw: Buffer;
  /** Joined `data:` lines, or null for comment-only events. */
  data: string | null;
}

export class SseSplitter {
  #pending: Buffer = Buffer.alloc(0);

  /** Feeds a chunk; returns every event completed by it. */
  push(chunk: Buffer): SseEvent[] {
    const buf = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const end = findEventEnd(buf, start);
      if (end === -1) break;
      const raw = buf.subarray(start, end);
      events.push({ raw, data: dataOf(raw.toString('utf8')) });
      start = end;
    }
    this.#pending = start === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(start));
    return events;
  }

  /** Bytes of an unfinished event left when the stream ended. */
  rest(): Buffer {
    return this.#pending;
  }
}

/** Index just past the first blank line (`\n\n`, `\r\n\r\n`) at or after `from`, or -1. */
function findEventEnd(buf: Buffer, from: number): number {
  for (let i = from; i < buf.length - 1; i++) {
    if (buf[i] !== 0x0a) continue;
    if (buf[i + 1] === 0x0a) return i + 2;
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

function dataOf(text: string): string | null {
  const lines: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('data:')) lines.push(line.slice(line[5] === ' ' ? 6 : 5));
  }
  return lines.length ? lines.join('\n') : null;
}
