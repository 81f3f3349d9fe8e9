/**
 * Test helper: a real HTTP server on 127.0.0.1 in front of a model server, standing in for a provider's API edge.
 * A rule decides per request — by key, path, body, or how many requests that key has sent — whether to answer
 * itself (a 429 with Retry-After, a 401, a 500) or forward to the model server, optionally rewriting the answer
 * (to make it malformed). Every request is logged with its key, arrival time and whether it reached the server.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

export type ShimAction =
  | { respond: { status: number; headers?: Record<string, string>; body: string } }
  | { forward: true; rewrite?: (body: string) => string };

export interface ShimRequestInfo {
  key: string;
  path: string;
  body: Record<string, unknown>;
  /** 1 for the first request this key sent, 2 for the second, … */
  nthForKey: number;
}

export type ShimRule = (req: ShimRequestInfo) => ShimAction | undefined;

export interface ShimLogEntry {
  key: string;
  path: string;
  body: Record<string, unknown>;
  /** performance.now() when the request arrived. */
  at: number;
  status: number;
  /** The request reached the model server (a paid query). */
  forwarded: boolean;
}

export interface TeacherShim {
  /** Base URL to give the harvester, e.g. `http://127.0.0.1:1234/v1`. */
  url: string;
  log: ShimLogEntry[];
  rule: ShimRule | undefined;
  /** Requests that reached the model server. */
  forwardedCount(): number;
  close(): Promise<void>;
}

export interface ShimOptions {
  rule?: ShimRule;
  /** Added before answering every request (makes requests overlap, so a kill lands mid-run). */
  delayMs?: number;
}

/** Starts the shim in front of `upstream` (the model server's origin, e.g. `http://127.0.0.1:5678`). */
export async function startTeacherShim(upstream: string, options: ShimOptions = {}): Promise<TeacherShim> {
  const log: ShimLogEntry[] = [];
  const perKey = new Map<string, number>();
  const shim: TeacherShim = {
    url: '',
    log,
    rule: options.rule,
    forwardedCount: () => log.filter((e) => e.forwarded).length,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    void (async () => {
      const at = performance.now();
      const raw = await readAll(req);
      const key = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const nthForKey = (perKey.get(key) ?? 0) + 1;
      perKey.set(key, nthForKey);
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      const path = req.url ?? '/';
      const action = shim.rule?.({ key, path, body, nthForKey }) ?? { forward: true };
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      if ('respond' in action) {
        log.push({ key, path, body, at, status: action.respond.status, forwarded: false });
        res.writeHead(action.respond.status, { 'content-type': 'application/json', ...action.respond.headers });
        res.end(action.respond.body);
        return;
      }
      const up = await request(`${upstream}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });
      const text = await up.body.text();
      log.push({ key, path, body, at, status: up.statusCode, forwarded: true });
      res.writeHead(up.statusCode, { 'content-type': 'application/json' });
      res.end(action.rewrite ? action.rewrite(text) : text);
    })().catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `shim failure: ${(err as Error).message}` } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  shim.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return shim;
}

/** An OpenAI-style error body. */
export function errorJson(message: string, code: string): string {
  return JSON.stringify({ error: { message, type: 'error', code, param: null } });
}

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
