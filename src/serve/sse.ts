/** Server-Sent Events as OpenAI streams them: `data: <json>\n\n` per chunk, then `data: [DONE]\n\n`. */
import type { ServerResponse } from 'node:http';
import { errorBody, toMoatError } from '../http/errors.ts';

export class SseWriter {
  readonly #res: ServerResponse;

  /** Sends the 200 header at once, so the client knows the request was accepted before the first token. */
  constructor(res: ServerResponse, headers: Record<string, string> = {}) {
    this.#res = res;
    res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
  }

  /** Writes one event; a no-op once the client has gone (generation is being cancelled then). */
  send(chunk: unknown): void {
    if (!this.#res.writableEnded && !this.#res.destroyed) this.#res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  }

  done(): void {
    if (this.#res.writableEnded || this.#res.destroyed) return;
    this.#res.end('data: [DONE]\n\n');
  }

  /** Headers are gone, so an error mid-stream is an `error` event (the OpenAI SDK raises it) and the end. */
  fail(err: unknown): void {
    this.send(errorBody(toMoatError(err)));
    if (!this.#res.writableEnded) this.#res.end();
  }
}
