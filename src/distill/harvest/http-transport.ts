/**
 * The wire under the teacher client: JSON POSTs over one keep-alive undici Pool per teacher origin, with a
 * per-request deadline and a cap on response size. It never throws for a failed request; it reports what happened,
 * and the client decides whether to retry.
 */
import { Pool } from 'undici';

export type TransportResult =
  | { kind: 'response'; status: number; headers: Record<string, string>; body: string; latencyMs: number }
  | { kind: 'timeout' | 'network'; message: string; latencyMs: number };

export interface TransportOptions {
  /** Keep-alive connections to the teacher (at least the harvest's concurrency). */
  connections: number;
  /** Deadline for one request, headers and body together. */
  timeoutMs: number;
  /** Larger bodies are cut off and reported as a network failure (a teacher cannot exhaust our memory). */
  maxResponseBytes?: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export class TeacherTransport {
  readonly #pool: Pool;
  readonly #basePath: string;
  readonly #options: Required<TransportOptions>;

  /** `baseUrl` is the OpenAI-style base, e.g. `http://127.0.0.1:8090/v1`; paths are appended to it. */
  constructor(baseUrl: string, options: TransportOptions) {
    const url = new URL(baseUrl);
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#options = { maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES, ...options };
    this.#pool = new Pool(url.origin, { connections: Math.max(1, options.connections), pipelining: 1, keepAliveTimeout: 30_000 });
  }

  /** POSTs `body` as JSON to `<base><path>` with a bearer key. */
  async post(path: string, body: unknown, apiKey: string): Promise<TransportResult> {
    const started = performance.now();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#options.timeoutMs);
    const elapsed = () => performance.now() - started;
    try {
      const res = await this.#pool.request({
        path: `${this.#basePath}${path}`,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        size += buf.length;
        if (size > this.#options.maxResponseBytes) {
          res.body.destroy();
          return { kind: 'network', message: `response exceeded ${this.#options.maxResponseBytes} bytes`, latencyMs: elapsed() };
        }
        chunks.push(buf);
      }
      return { kind: 'response', status: res.statusCode, headers: flatten(res.headers), body: Buffer.concat(chunks).toString('utf8'), latencyMs: elapsed() };
    } catch (err) {
      if (timedOut) return { kind: 'timeout', message: `no complete response within ${this.#options.timeoutMs} ms`, latencyMs: elapsed() };
      return { kind: 'network', message: describe(err), latencyMs: elapsed() };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${typeof code === 'string' ? `${code} ` : ''}${err.message}${cause}`;
}
