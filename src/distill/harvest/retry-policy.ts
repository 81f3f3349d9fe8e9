/**
 * When to retry a teacher request and how long to wait: which HTTP statuses are worth another try, what the
 * server's rate-limit headers ask for, and seeded exponential backoff for everything else.
 */
import { createRng, type Rng } from '../../ml/engine/rng.ts';

/** What an attempt's HTTP status means for the request and for the key that sent it. */
export type StatusClass = 'ok' | 'rate_limited' | 'key_rejected' | 'retryable' | 'fatal';

/**
 * 2xx ok; 429 rate limited (wait, maybe on another key); 401/403 the key is bad (retire it, try another);
 * 408 (timeout) and 409 (conflict, e.g. a concurrent-request lock) and 5xx are transient; any other 4xx is the
 * request's own fault and would fail the same way again.
 */
export function classifyStatus(status: number): StatusClass {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'key_rejected';
  if (status === 408 || status === 409 || status >= 500) return 'retryable';
  return 'fatal';
}

/**
 * `Retry-After` in milliseconds: delay-seconds (RFC 9110 §10.2.3; decimals tolerated) or an HTTP date, measured
 * from `nowMs`. A date in the past means "now" (0); anything unparseable is ignored (undefined).
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/**
 * An `x-ratelimit-reset-*` value in milliseconds. OpenAI sends Go-style durations (`1s`, `6m0s`, `20ms`,
 * `1h2m3.5s`); other providers send plain seconds, a Unix time in seconds, or a date.
 */
export function parseResetValue(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    // A number this large is a Unix timestamp, not a wait: 1e9 s is 2001.
    return n > 1e9 ? Math.max(0, n * 1000 - nowMs) : n * 1000;
  }
  const parts = [...text.matchAll(DURATION_PART)];
  if (parts.length > 0 && parts.map((p) => p[0]).join('') === text) {
    return parts.reduce((ms, p) => ms + Number(p[1]) * UNIT_MS[p[2] as keyof typeof UNIT_MS], 0);
  }
  return parseRetryAfter(text, nowMs);
}

/**
 * How long the server asked us to wait, in ms, or undefined if it did not say: `retry-after-ms` (OpenAI), then
 * `retry-after`, then the reset time of whichever `x-ratelimit-remaining-*` is exhausted (the longer of both resets
 * when neither says which).
 */
export function serverRequestedWaitMs(headers: Readonly<Record<string, string>>, nowMs: number): number | undefined {
  const ms = headers['retry-after-ms'];
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms);
  const retryAfter = parseRetryAfter(headers['retry-after'], nowMs);
  if (retryAfter !== undefined) return retryAfter;
  const requests = parseResetValue(headers['x-ratelimit-reset-requests'], nowMs);
  const tokens = parseResetValue(headers['x-ratelimit-reset-tokens'], nowMs);
  if (headers['x-ratelimit-remaining-requests']?.trim() === '0' && requests !== undefined) return requests;
  if (headers['x-ratelimit-remaining-tokens']?.trim() === '0' && tokens !== undefined) return tokens;
  if (requests === undefined && tokens === undefined) return undefined;
  return Math.max(requests ?? 0, tokens ?? 0);
}

/**
 * After a success: if the server says this key has no requests left in the window, the time until it resets (so
 * the key rests instead of collecting a 429).
 */
export function exhaustedWindowMs(headers: Readonly<Record<string, string>>, nowMs: number): number | undefined {
  if (headers['x-ratelimit-remaining-requests']?.trim() !== '0') return undefined;
  return parseResetValue(headers['x-ratelimit-reset-requests'], nowMs);
}

export interface BackoffPolicy {
  /** Wait before the first retry (before jitter). */
  baseMs: number;
  /** Ceiling on one wait. */
  maxMs: number;
}

/**
 * Exponential backoff with "equal jitter": d = min(max, base·2^(retry−1)), wait uniform in [d/2, d). Half the
 * delay is guaranteed (so retries really back off); the random half spreads clients that failed together. Seeded,
 * so a test (or a replayed run) sees the same waits.
 */
export function createBackoff(policy: BackoffPolicy, seed: number): (retry: number) => number {
  const rng: Rng = createRng(seed);
  return (retry) => {
    const d = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
    return d / 2 + rng.next() * (d / 2);
  };
}
