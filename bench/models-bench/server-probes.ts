/**
 * Measurements through the real model server over HTTP (undici on 127.0.0.1): sequential request latency,
 * concurrent bursts (with the open sockets counted on the server side, so "concurrent" is what the server saw),
 * time to the first streamed SSE chunk against the whole stream, and seeded text samples.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Agent, request } from 'undici';
import type { ConcurrencyResult, Latency, StreamingResult } from './results.ts';

interface Answer {
  status: number | 'network';
  json: unknown;
  ms: number;
}

/** Nearest-rank percentile of `values` (p in (0, 100]): with fewer than 100 samples, p99 is the maximum. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

const ms2 = (x: number) => Math.round(x * 100) / 100;

async function postJson(dispatcher: Agent, url: string, body: unknown): Promise<Answer> {
  const t0 = performance.now();
  try {
    const res = await request(url, { method: 'POST', dispatcher, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json: unknown = await res.body.json();
    return { status: res.statusCode, json, ms: performance.now() - t0 };
  } catch (err) {
    return { status: 'network', json: { error: String(err) }, ms: performance.now() - t0 };
  }
}

/** One request after another over one keep-alive connection; `describe` names the request in the card. */
export async function sequentialLatency(baseUrl: string, path: string, bodies: readonly unknown[], describe: string): Promise<Latency> {
  const agent = new Agent({ connections: 1 });
  const times: number[] = [];
  let errors = 0;
  try {
    for (const body of bodies) {
      const answer = await postJson(agent, `${baseUrl}${path}`, body);
      if (answer.status !== 200) errors++;
      times.push(answer.ms);
    }
  } finally {
    await agent.close();
  }
  const mean = times.reduce((a, b) => a + b, 0) / Math.max(times.length, 1);
  return { request: describe, requests: bodies.length, errors, p50Ms: ms2(percentile(times, 50)), p99Ms: ms2(percentile(times, 99)), meanMs: ms2(mean) };
}

/** Counts the server's open sockets so a burst can report how many it actually held at once. */
export function connectionGauge(server: Server): { reset(): void; peak(): number } {
  let open = 0;
  let peak = 0;
  server.on('connection', (socket: Socket) => {
    open++;
    peak = Math.max(peak, open);
    socket.once('close', () => open--);
  });
  return { reset: () => (peak = open), peak: () => peak };
}

export interface BurstRequest {
  model: string;
  path: string;
  body: unknown;
}

/** Sends every request at once, each on its own connection, and waits for all answers. */
export async function concurrentBurst(baseUrl: string, requests: readonly BurstRequest[], gauge: { reset(): void; peak(): number }): Promise<ConcurrencyResult> {
  const agent = new Agent({ connections: requests.length, pipelining: 1 });
  gauge.reset();
  const t0 = performance.now();
  const answers = await Promise.all(requests.map((r) => postJson(agent, `${baseUrl}${r.path}`, r.body)));
  const wallMs = performance.now() - t0;
  await agent.close();
  const statuses: Record<string, number> = {};
  for (const a of answers) statuses[String(a.status)] = (statuses[String(a.status)] ?? 0) + 1;
  const ok = answers.filter((a) => a.status === 200 && hasData(a.json)).length;
  const times = answers.map((a) => a.ms);
  return {
    models: [...new Set(requests.map((r) => r.model))],
    routes: [...new Set(requests.map((r) => `POST ${r.path}`))],
    concurrency: requests.length,
    ok,
    errors: requests.length - ok,
    statuses,
    peakOpenConnections: gauge.peak(),
    wallMs: ms2(wallMs),
    p50Ms: ms2(percentile(times, 50)),
    p99Ms: ms2(percentile(times, 99)),
  };
}

function hasData(json: unknown): boolean {
  return typeof json === 'object' && json !== null && Array.isArray((json as { data?: unknown }).data);
}

/** A streamed completion: when the first chunk with text arrived, against the end of the stream. */
export async function streamCompletion(baseUrl: string, model: string, prompt: string, maxTokens: number, seed: number): Promise<StreamingResult> {
  const agent = new Agent({ connections: 1 });
  const body = { model, prompt, max_tokens: maxTokens, temperature: 0.8, seed, stream: true };
  const t0 = performance.now();
  let first = Number.NaN;
  let textChunks = 0;
  let chars = 0;
  let error: string | null = null;
  try {
    const res = await request(`${baseUrl}/v1/completions`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.statusCode !== 200) error = `HTTP ${res.statusCode}: ${await res.body.text()}`;
    let buffered = '';
    if (error === null) {
      for await (const piece of res.body) {
        buffered += Buffer.from(piece as Uint8Array).toString('utf8');
        let end = buffered.indexOf('\n\n');
        while (end >= 0) {
          const text = chunkText(buffered.slice(0, end));
          buffered = buffered.slice(end + 2);
          if (text) {
            if (textChunks === 0) first = performance.now() - t0;
            textChunks++;
            chars += text.length;
          }
          end = buffered.indexOf('\n\n');
        }
      }
    }
  } catch (err) {
    error = String(err);
  } finally {
    await agent.close();
  }
  return { model, maxTokens, textChunks, completionChars: chars, timeToFirstChunkMs: ms2(first), totalMs: ms2(performance.now() - t0), error };
}

/** The completion text of one SSE event (`data: {...}`), '' for `[DONE]`, usage or finish-only chunks. */
function chunkText(event: string): string {
  const line = event.split('\n').find((l) => l.startsWith('data: '));
  if (line === undefined || line === 'data: [DONE]') return '';
  const parsed: unknown = JSON.parse(line.slice(6));
  const choices = (parsed as { choices?: { text?: unknown }[] }).choices;
  const text = choices?.[0]?.text;
  return typeof text === 'string' ? text : '';
}

/** The text of one seeded, non-streamed completion (for the card's samples). */
export async function completionText(baseUrl: string, body: { model: string; prompt: string; max_tokens: number; temperature: number; seed: number }): Promise<string> {
  const agent = new Agent({ connections: 1 });
  try {
    const answer = await postJson(agent, `${baseUrl}/v1/completions`, body);
    const text = (answer.json as { choices?: { text?: unknown }[] }).choices?.[0]?.text;
    if (answer.status !== 200 || typeof text !== 'string') throw new Error(`sample from ${body.model} failed: ${answer.status} ${JSON.stringify(answer.json)}`);
    return text;
  } finally {
    await agent.close();
  }
}
