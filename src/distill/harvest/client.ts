/**
 * The OpenAI-compatible teacher client: one `query` per prompt item, for every modality (completions or chat with
 * top-k logprobs, embeddings, classification probabilities). It picks keys from the pool, retries what is worth
 * retrying within bounds, honours the server's rate-limit headers, and parses the answer. Every failed attempt is
 * reported as it happens (for the ledger); the final answer is returned for the caller to commit with the cache.
 */
import type { TransportResult } from './http-transport.ts';
import type { KeyPool, PooledKey } from './key-pool.ts';
import { sleep } from './key-pool.ts';
import { type BackoffPolicy, classifyStatus, createBackoff, exhaustedWindowMs, serverRequestedWaitMs } from './retry-policy.ts';
import type { TeacherRequest } from './teacher-requests.ts';
import { parseTeacherResponse } from './teacher-responses.ts';
import type { HarvestRecord, TokenUsage } from './types.ts';

/** Kinds of failed attempt, as the ledger counts them. `malformed` is a 2xx that could not be used. */
export type ErrorKind = 'rate_limited' | 'key_rejected' | 'client_error' | 'server_error' | 'timeout' | 'network' | 'malformed';

export interface FailedAttempt {
  key: PooledKey;
  kind: Exclude<ErrorKind, 'malformed'>;
  message: string;
  latencyMs: number;
}

/** What came of one item. `ok` and `malformed` were paid (a 2xx); `failed` gave up; `stopped` was abandoned unsent. */
export type QueryOutcome =
  | { kind: 'ok'; key: PooledKey; record: HarvestRecord; usage: TokenUsage; body: string; latencyMs: number }
  | { kind: 'malformed'; key: PooledKey; reason: string; usage: TokenUsage; body: string; latencyMs: number }
  | { kind: 'failed'; errorKind: Exclude<ErrorKind, 'malformed'>; message: string }
  | { kind: 'stopped' };

export interface Transport {
  post(path: string, body: unknown, apiKey: string): Promise<TransportResult>;
}

export interface RetryOptions extends BackoffPolicy {
  /** Retries after transient failures (5xx, 408, 409, timeouts, network errors) before an item gives up. */
  maxRetries: number;
  /** 429s tolerated per item; a teacher that never lets us through must not hold the run forever. */
  maxRateLimitRetries: number;
  /** Ceiling on an honoured Retry-After, so a hostile or buggy header cannot park a key for a day. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxRetries: 4, maxRateLimitRetries: 20, baseMs: 500, maxMs: 30_000, maxRetryAfterMs: 120_000 };

export interface TeacherClientOptions {
  transport: Transport;
  keys: KeyPool;
  retry?: Partial<RetryOptions>;
  /** Seeds the backoff jitter. */
  seed?: number;
  now?: () => number;
  onFailedAttempt?: (attempt: FailedAttempt) => void;
}

export class TeacherClient {
  readonly #transport: Transport;
  readonly #keys: KeyPool;
  readonly #retry: RetryOptions;
  readonly #backoff: (retry: number) => number;
  readonly #now: () => number;
  readonly #onFailed: (attempt: FailedAttempt) => void;

  constructor(options: TeacherClientOptions) {
    this.#transport = options.transport;
    this.#keys = options.keys;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#backoff = createBackoff(this.#retry, options.seed ?? 1);
    this.#now = options.now ?? Date.now;
    this.#onFailed = options.onFailedAttempt ?? (() => {});
  }

  /**
   * Sends `request` until it is answered, gives up, or `signal` stops it while waiting (a request already on the
   * wire is always let finish, so its answer is not paid for and then lost). Throws only when every key is retired.
   */
  async query(request: TeacherRequest, signal?: AbortSignal): Promise<QueryOutcome> {
    let retries = 0;
    let rateLimited = 0;
    for (;;) {
      let key: PooledKey;
      try {
        key = await this.#keys.acquire(signal);
      } catch (err) {
        if (signal?.aborted) return { kind: 'stopped' };
        throw err;
      }
      const result = await this.#transport.post(request.path, request.body, key.secret);
      if (result.kind !== 'response') {
        this.#onFailed({ key, kind: result.kind, message: result.message, latencyMs: result.latencyMs });
        if (++retries > this.#retry.maxRetries) return gaveUp(result.kind, result.message, retries);
        if (!(await this.#pause(this.#backoff(retries), signal))) return { kind: 'stopped' };
        continue;
      }
      const { status, headers, body, latencyMs } = result;
      const now = this.#now();
      switch (classifyStatus(status)) {
        case 'ok': {
          const rest = exhaustedWindowMs(headers, now);
          if (rest !== undefined && rest > 0) this.#keys.backOff(key.id, Math.min(rest, this.#retry.maxRetryAfterMs));
          const parsed = parseTeacherResponse(request, body);
          return parsed.ok
            ? { kind: 'ok', key, record: parsed.record, usage: parsed.usage, body, latencyMs }
            : { kind: 'malformed', key, reason: parsed.reason, usage: parsed.usage, body, latencyMs };
        }
        case 'rate_limited': {
          this.#onFailed({ key, kind: 'rate_limited', message: `429 ${errorMessage(body)}`, latencyMs });
          rateLimited++;
          const asked = serverRequestedWaitMs(headers, now);
          this.#keys.backOff(key.id, Math.min(asked ?? this.#backoff(rateLimited), this.#retry.maxRetryAfterMs));
          if (rateLimited > this.#retry.maxRateLimitRetries) return gaveUp('rate_limited', `429 ${errorMessage(body)}`, rateLimited);
          continue;
        }
        case 'key_rejected': {
          const message = `${status} ${errorMessage(body)}`;
          this.#onFailed({ key, kind: 'key_rejected', message, latencyMs });
          this.#keys.retire(key.id, message);
          continue;
        }
        case 'retryable': {
          const message = `${status} ${errorMessage(body)}`;
          const kind = status === 408 ? 'timeout' : 'server_error';
          this.#onFailed({ key, kind, message, latencyMs });
          if (++retries > this.#retry.maxRetries) return gaveUp(kind, message, retries);
          const asked = serverRequestedWaitMs(headers, now);
          const wait = asked === undefined ? this.#backoff(retries) : Math.min(asked, this.#retry.maxRetryAfterMs);
          if (!(await this.#pause(wait, signal))) return { kind: 'stopped' };
          continue;
        }
        case 'fatal': {
          const message = `${status} ${errorMessage(body)}`;
          this.#onFailed({ key, kind: 'client_error', message, latencyMs });
          return { kind: 'failed', errorKind: 'client_error', message: `the teacher refused the request: ${message}` };
        }
      }
    }
  }

  /** Waits unless stopped; false when the stop came first. */
  async #pause(ms: number, signal?: AbortSignal): Promise<boolean> {
    try {
      await sleep(ms, signal);
      return true;
    } catch {
      return false;
    }
  }
}

function gaveUp(kind: Exclude<ErrorKind, 'malformed'>, message: string, attempts: number): QueryOutcome {
  return { kind: 'failed', errorKind: kind, message: `gave up after ${attempts} failed attempts; last: ${message}` };
}

/** The message of an OpenAI error envelope, else the start of the body. */
export function errorMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'error' in parsed) {
      const error = (parsed as { error: unknown }).error;
      if (typeof error === 'string') return error;
      if (error && typeof error === 'object' && 'message' in error && typeof error.message === 'string') return error.message;
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  const text = body.trim().replace(/\s+/g, ' ');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text || '(empty body)';
}
