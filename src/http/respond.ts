/** Small helpers every listener (gateway, admin API, model server) uses to read bodies and write JSON. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { errorBody, MoatError, toMoatError } from './errors.ts';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  // Copied key by key: `{ ...headers, 'content-type': … }` is slow to build in V8 and slow for writeHead to walk.
  const all: Record<string, string | number> = {};
  for (const name in headers) all[name] = headers[name];
  all['content-type'] = 'application/json';
  all['content-length'] = Buffer.byteLength(payload);
  res.writeHead(status, all);
  res.end(payload);
}

export function sendError(res: ServerResponse, err: unknown, requestId?: string): MoatError {
  const moat = toMoatError(err);
  if (res.headersSent) {
    res.destroy();
    return moat;
  }
  const headers: Record<string, string> = {};
  for (const name in moat.headers) headers[name] = moat.headers[name];
  if (requestId) headers['x-request-id'] = requestId;
  sendJson(res, moat.status, errorBody(moat, requestId), headers);
  return moat;
}

/**
 * Reads a request body up to `maxBytes`. A declared Content-Length over the limit is refused before reading a
 * byte; a chunked body is cut off as soon as it crosses the limit (RFC 9112 §6.3: the length is unknown up front).
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new MoatError('body_too_large', `request body is ${declared} bytes; the limit is ${maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) throw new MoatError('body_too_large', `request body exceeds the limit of ${maxBytes} bytes`);
    chunks.push(buf);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
}

/** Parses JSON and reports the position of a syntax error, never a stack. */
export function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) throw new MoatError('invalid_json', 'request body is empty; expected a JSON object');
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new MoatError('invalid_json', `request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Validates with a zod schema and names the first offending field (OpenAI's `param`). */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.path.map(String).join('.');
  const where = path ? `'${path}'` : 'body';
  throw new MoatError('invalid_request', `invalid ${where}: ${issue.message}`, { param: path || undefined });
}
