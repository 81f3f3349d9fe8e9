/**
 * What every admin route handler receives: the services, the authenticated actor, and helpers that read the query
 * string and JSON body through zod so each handler states its input as a schema and never sees unvalidated data.
 */
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import type { Config } from '../config/schema.ts';
import type { DetectionService } from '../detect/service.ts';
import { parseJson, readBody, validate } from '../http/respond.ts';
import type { ApiKeyHasher } from '../keys/api-key.ts';
import type { Stores } from '../store/interfaces.ts';
import type { AdminAction } from '../store/types.ts';
import type { Route } from './router.ts';

/** Admin request bodies are small JSON documents; anything bigger is a mistake or an attack. */
export const MAX_ADMIN_BODY_BYTES = 1024 * 1024; // 1 MiB

export interface AdminDeps {
  config: Config;
  stores: Stores;
  hasher: ApiKeyHasher;
  /** Epoch milliseconds; injected so tests can move time. */
  now: () => number;
  /** Detection, when running in this process (null when `detection.enabled` is false). */
  detection?: DetectionService | null;
}

export interface AdminContext {
  deps: AdminDeps;
  /** Who made the change, from `x-moat-actor` (default "admin"); recorded in every admin audit row. */
  actor: string;
  query: URLSearchParams;
  /** Reads the JSON body and validates it; with `optional`, an empty body is treated as `{}`. */
  body<S extends z.ZodType>(schema: S, options?: { optional?: boolean }): Promise<z.output<S>>;
  /** Validates the query string (every value a string; schemas coerce). Unknown parameters are refused. */
  queryAs<S extends z.ZodType>(schema: S): z.output<S>;
  /** The audit row to write in the same transaction as the change. */
  action(action: string, target: string, details?: Record<string, unknown>): AdminAction;
}

export type AdminRoute = Route<AdminContext>;

export function createAdminContext(deps: AdminDeps, req: IncomingMessage, url: URL, actor: string): AdminContext {
  return {
    deps,
    actor,
    query: url.searchParams,
    async body(schema, options = {}) {
      const raw = await readBody(req, MAX_ADMIN_BODY_BYTES);
      const value = raw.length === 0 && options.optional ? {} : parseJson(raw);
      return validate(schema, value);
    },
    queryAs(schema) {
      return validate(schema, Object.fromEntries(url.searchParams));
    },
    action(action, target, details = {}) {
      return { actor, action, target, details };
    },
  };
}
