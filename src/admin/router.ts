/**
 * A tiny method + path router for the admin API. Patterns are literal segments and `:name` parameters; parameter
 * values are percent-decoded per segment, so an encoded CIDR such as `10.0.0.0%2F8` arrives whole. A path that
 * matches some pattern but not the method gives 405 with an `Allow` header; no match at all gives 404.
 */
import { MoatError } from '../http/errors.ts';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface Route<C> {
  method: Method;
  /** e.g. `/accounts/:id/keys`, relative to the router's prefix. */
  pattern: string;
  handle(ctx: C, params: Record<string, string>): Promise<RouteResult>;
}

export interface RouteResult {
  status: number;
  body: unknown;
}

interface CompiledRoute<C> {
  route: Route<C>;
  segments: string[];
}

export interface RouteMatch<C> {
  route: Route<C>;
  params: Record<string, string>;
}

/** Compiles `routes` once; `match()` then costs one pass over them per request. */
export class Router<C> {
  readonly #routes: CompiledRoute<C>[];

  /** `prefix` (e.g. `/admin/v1`) is prepended to every pattern. */
  constructor(routes: readonly Route<C>[], prefix = '') {
    this.#routes = routes.map((route) => ({ route, segments: splitPath(`${prefix}${route.pattern}`) }));
  }

  /** Throws `not_found` or `method_not_allowed` (with the allowed methods) when nothing fits. */
  match(method: string, path: string): RouteMatch<C> {
    const segments = splitPath(path);
    const allowed = new Set<string>();
    for (const { route, segments: pattern } of this.#routes) {
      const params = matchSegments(pattern, segments);
      if (!params) continue;
      if (route.method === method) return { route, params };
      allowed.add(route.method);
    }
    if (allowed.size > 0) {
      const allow = [...allowed].sort().join(', ');
      throw new MoatError('method_not_allowed', `${method} is not allowed on ${path}; use ${allow}`, { headers: { allow } });
    }
    throw new MoatError('not_found', `no admin route ${method} ${path}; the routes are listed in docs/admin-api.md`);
  }
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function matchSegments(pattern: readonly string[], actual: readonly string[]): Record<string, string> | null {
  if (pattern.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i];
    if (expected.startsWith(':')) {
      const value = decodeSegment(actual[i]);
      if (value === null || value.length === 0) return null;
      params[expected.slice(1)] = value;
    } else if (expected !== actual[i]) {
      return null;
    }
  }
  return params;
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
