/**
 * A non-streamed upstream call, collected straight from undici's dispatcher. `pool.request()` wraps every response
 * in an async resource and a Readable body stream, which a caller that wants the whole body anyway pays for and
 * throws away; this handler keeps the chunks and the one header the gateway reads. Same pool, same connection reuse,
 * same timeouts and the same undici errors (codes `UND_ERR_*`) on failure.
 */
import type { Dispatcher } from 'undici';

export interface WholeResponse {
  statusCode: number;
  /** The `content-type` header (several are joined with `,`, as undici's parsed headers print), or undefined. */
  contentType: string | undefined;
  body: Buffer;
}

export function requestWhole(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions): Promise<WholeResponse> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch(options, new WholeResponseHandler(resolve, reject));
  });
}

/** undici's (non-deprecated, still native) callback handler interface. */
class WholeResponseHandler implements Dispatcher.DispatchHandler {
  #statusCode = 0;
  #contentType: string | undefined = undefined;
  readonly #chunks: Buffer[] = [];
  #size = 0;

  constructor(
    private readonly resolve: (response: WholeResponse) => void,
    private readonly reject: (err: Error) => void,
  ) {}

  onConnect(): void {}

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    if (statusCode < 200) return true; // 1xx: informational, the real head follows
    this.#statusCode = statusCode;
    this.#contentType = contentTypeOf(rawHeaders);
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    return true;
  }

  onComplete(): void {
    const chunks = this.#chunks;
    this.resolve({ statusCode: this.#statusCode, contentType: this.#contentType, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this.#size) });
  }

  onError(err: Error): void {
    this.reject(err);
  }
}

/** Header names arrive as sent (any case); values as Buffers. */
function contentTypeOf(rawHeaders: Buffer[]): string | undefined {
  let value: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name.length !== 12 || name.toString('latin1').toLowerCase() !== 'content-type') continue;
    const v = rawHeaders[i + 1].toString('latin1');
    value = value === undefined ? v : `${value},${v}`;
  }
  return value;
}
