/**
 * Sends probes to a suspect API and keeps every answer in a JSONL file as it arrives, so an interrupted run (crash,
 * Ctrl-C, the suspect going away) resumes where it stopped: answered and garbage probes are not asked again, failed
 * ones are. A 429 waits for the suspect's `Retry-After` (capped) and asks again; network errors and 5xx back off
 * and retry; a run of consecutive failures means the suspect is unreachable and stops the run with a clear error.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { classifyStatus, parseRetryAfter } from '../../distill/harvest/retry-policy.ts';
import type { Probe } from './method.ts';

export type ProbeRecord =
  | { probeId: string; status: 'ok'; response: unknown; at: number }
  /** The suspect answered, but not with anything usable (not JSON, 4xx): counted, not retried. */
  | { probeId: string; status: 'garbage'; error: string; at: number }
  /** No answer after the retries (network, 5xx, rate limit that never lifted): retried on resume. */
  | { probeId: string; status: 'failed'; error: string; at: number };

export interface ProberOptions {
  /** OpenAI-style base URL of the suspect, including `/v1`. */
  baseUrl: string;
  apiKey?: string;
  /** JSONL file holding this target's answers (created if missing, appended to). */
  file: string;
  concurrency?: number;
  timeoutMs?: number;
  /** Attempts per probe before it is recorded as failed. */
  maxAttempts?: number;
  /** Longest single wait for a rate limit. */
  maxRetryAfterMs?: number;
  /** Rate-limit waits per probe that do not count as attempts. */
  maxRateLimitWaits?: number;
  /** This many failed probes in a row and the suspect is declared unreachable. */
  maxConsecutiveFailures?: number;
  /** Base of the exponential backoff for network errors and 5xx. */
  backoffMs?: number;
  onRecord?: (record: ProbeRecord, done: number, total: number) => void;
}

export class SuspectUnreachable extends Error {
  override readonly name = 'SuspectUnreachable';
}

/** The last record per probe in a JSONL file (a torn last line from a crash is skipped). */
export function readRecords(file: string): Map<string, ProbeRecord> {
  const records = new Map<string, ProbeRecord>();
  if (!existsSync(file)) return records;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const record = JSON.parse(line) as ProbeRecord;
      if (typeof record.probeId === 'string') records.set(record.probeId, record);
    } catch {
      // torn write at a crash: the probe is asked again
    }
  }
  return records;
}

/** Asks every probe not already answered; resolves with the final record of every probe. */
export async function probeSuspect(probes: readonly Probe[], options: ProberOptions): Promise<Map<string, ProbeRecord>> {
  mkdirSync(dirname(options.file), { recursive: true });
  const records = readRecords(options.file);
  const pending = probes.filter((p) => {
    const r = records.get(p.id);
    return r === undefined || r.status === 'failed';
  });
  const maxFailures = options.maxConsecutiveFailures ?? 20;
  let consecutiveFailures = 0;
  let done = probes.length - pending.length;
  let stopped: Error | null = null;
  let next = 0;

  const worker = async () => {
    while (!stopped && next < pending.length) {
      const probe = pending[next++];
      const record = await askOnce(probe, options);
      // Written even after another worker stopped the run: an answer already paid for is kept for the resume.
      appendFileSync(options.file, `${JSON.stringify(record)}\n`);
      records.set(probe.id, record);
      if (stopped) return;
      done++;
      options.onRecord?.(record, done, probes.length);
      consecutiveFailures = record.status === 'failed' ? consecutiveFailures + 1 : 0;
      if (consecutiveFailures >= maxFailures) {
        stopped = new SuspectUnreachable(`${consecutiveFailures} probes in a row got no answer from ${options.baseUrl} (last: ${record.status === 'failed' ? record.error : ''}); answers so far are kept in ${options.file}, run again to resume`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  if (stopped) throw stopped;
  return records;
}

async function askOnce(probe: Probe, options: ProberOptions): Promise<ProbeRecord> {
  const attempts = options.maxAttempts ?? 4;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const url = `${options.baseUrl.replace(/\/$/, '')}${probe.path}`;
  let lastError = 'not attempted';
  let rateLimitWaits = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(probe.body), signal: AbortSignal.timeout(options.timeoutMs ?? 60_000) });
    } catch (err) {
      lastError = `network: ${describe(err)}`;
      await sleep(backoff(options, attempt));
      continue;
    }
    const text = await response.text().catch((err: unknown) => `\u0000${describe(err)}`);
    const at = Date.now();
    const kind = classifyStatus(response.status);
    if (kind === 'ok') {
      try {
        return { probeId: probe.id, status: 'ok', response: JSON.parse(text), at };
      } catch {
        return { probeId: probe.id, status: 'garbage', error: `HTTP ${response.status} with a body that is not JSON (${text.length} bytes)`, at };
      }
    }
    if (kind === 'rate_limited') {
      lastError = 'rate limited (429)';
      const asked = parseRetryAfter(response.headers.get('retry-after') ?? undefined, at) ?? backoff(options, attempt);
      await sleep(Math.min(asked, options.maxRetryAfterMs ?? 60_000));
      // Waiting out a rate limit is not a failed attempt, up to a bound so a suspect that only says 429 ends.
      if (++rateLimitWaits <= (options.maxRateLimitWaits ?? 30)) attempt--;
      continue;
    }
    if (kind === 'retryable') {
      lastError = `HTTP ${response.status}`;
      await sleep(backoff(options, attempt));
      continue;
    }
    return { probeId: probe.id, status: 'garbage', error: `HTTP ${response.status}: ${text.slice(0, 200)}`, at };
  }
  return { probeId: probe.id, status: 'failed', error: lastError, at: Date.now() };
}

function backoff(options: ProberOptions, attempt: number): number {
  return (options.backoffMs ?? 500) * 2 ** (attempt - 1);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
}
