/**
 * Content addresses for teacher requests. Two requests that would get the same answer from the same teacher hash
 * the same, whatever key sent them and whatever order their JSON fields were written in, so a rerun, a resumed run
 * or a second run with overlapping prompts finds the earlier response in the cache.
 */
import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth and `undefined` fields dropped (as JSON.stringify drops them), so
 * equal values always give equal text. Non-finite numbers are refused: JSON would silently turn them into null.
 *
 * @example canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }) // '{"a":[2,{"c":4,"d":3}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`cannot hash a non-finite number (${value})`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`cannot hash a value of type ${typeof value}`);
}

/**
 * sha256 (hex) of the endpoint URL and the request body (model, parameters, prompt). The API key is never part of
 * the body, so the same request sent with another key is the same cache entry.
 */
export function requestHash(endpoint: string, body: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(canonicalJson({ endpoint, body })).digest('hex');
}

/** A short, stable id for a spec (run ids): the first 12 hex digits of sha256 of its canonical JSON. */
export function shortHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 12);
}
