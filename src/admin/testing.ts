/**
 * Test support: a real admin server on a loopback port over memory stores, with a clock tests can move, and a
 * `call()` that returns status, headers and parsed JSON. Used by the admin route tests and the CLI tests.
 */
import { pino } from 'pino';
import { parseConfig } from '../config/load.ts';
import type { Config, ConfigInput } from '../config/schema.ts';
import { ApiKeyHasher } from '../keys/api-key.ts';
import type { Stores } from '../store/interfaces.ts';
import { openMemoryStores } from '../store/memory/index.ts';
import { ADMIN_PREFIX, type RunningAdminServer, startAdminServer } from './server.ts';

export const TEST_ADMIN_TOKEN = 'moat_admin_test_token_0123456789';
export const TEST_SECRET = 'admin-test-secret-admin-test-secret-01';

export interface CallResult {
  status: number;
  headers: Headers;
  /** Parsed JSON body (every admin response is JSON). */
  body: Record<string, unknown> & { error?: { code: string; message: string; param: string | null; type: string } };
}

export interface TestAdmin {
  admin: RunningAdminServer;
  stores: Stores;
  config: Config;
  hasher: ApiKeyHasher;
  /** The test clock: epoch ms, moved with `advance`. */
  clock: { now: number; advance(ms: number): void };
  /** Calls `${ADMIN_PREFIX}${path}` with the admin token unless `headers.authorization` is given (null: none). */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string | null>): Promise<CallResult>;
  close(): Promise<void>;
}

/** Starts an admin server for a test (memory stores unless `stores` is given); always `close()` it, e.g. in `after`. */
export async function startTestAdmin(options: { config?: ConfigInput; stores?: Stores } = {}): Promise<TestAdmin> {
  const clock = {
    now: Date.UTC(2026, 0, 15, 12, 0, 0),
    advance(ms: number) {
      clock.now += ms;
    },
  };
  const now = () => clock.now;
  const config = parseConfig({ dataDir: '/nonexistent-moat-admin-test', ...options.config, admin: { port: 0, token: TEST_ADMIN_TOKEN } }, 'test config');
  const stores = options.stores ?? openMemoryStores({ now });
  const hasher = new ApiKeyHasher(TEST_SECRET);
  const admin = await startAdminServer({ config, stores, hasher, adminToken: TEST_ADMIN_TOKEN, logger: pino({ level: 'silent' }), now });
  return {
    admin,
    stores,
    config,
    hasher,
    clock,
    async call(method, path, body, headers = {}) {
      const merged: Record<string, string> = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
      for (const [name, value] of Object.entries(headers)) {
        if (value === null) delete merged[name];
        else merged[name] = value;
      }
      if (body !== undefined) merged['content-type'] = 'application/json';
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const res = await fetch(`${admin.url}${ADMIN_PREFIX}${path}`, { method, headers: merged, body: payload });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as CallResult['body']) : {} };
    },
    async close() {
      await admin.close();
      await stores.close();
    },
  };
}
