/**
 * An in-process Moat for evaluation: a fast fixture model server (the bigram test LM, so the upstream costs little),
 * the real gateway and admin API over memory stores, with loopback trusted as a proxy so the simulator can state each
 * request's client address. Detection is configured by the caller (on, enforcing, by default).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { AdminClient } from '../../admin/client.ts';
import { parseConfig } from '../../config/load.ts';
import type { Config, ConfigInput } from '../../config/schema.ts';
import { type RunningServices, startServices } from '../../runtime/services.ts';
import { startModelServer } from '../../serve/server.ts';
import { createBigramLm } from '../../serve/testing/bigram-lm.ts';

export const EVAL_MODEL = 'test-lm';
const ADMIN_TOKEN = 'moat-detect-eval-admin-token';

export interface EvalStackOptions {
  detection?: ConfigInput['detection'];
  /** Default per-account limits (the compressed-time scale of the scenario). */
  accountLimits?: NonNullable<ConfigInput['limits']>['account'];
}

export interface EvalStack {
  config: Config;
  services: RunningServices;
  gatewayUrl: string;
  adminUrl: string;
  adminToken: string;
  admin: AdminClient;
  close(): Promise<void>;
}

export async function startEvalStack(options: EvalStackOptions = {}): Promise<EvalStack> {
  const silent = pino({ level: 'silent' });
  const serveConfig = parseConfig({ serve: { host: '127.0.0.1', port: 0, maxTokens: 64, maxN: 4, maxInputChars: 8192, maxQueue: 4096 } });
  const upstream = await startModelServer({ config: serveConfig, logger: silent, models: [{ family: 'lm', model: createBigramLm({ name: EVAL_MODEL }) }] });
  const dataDir = mkdtempSync(join(tmpdir(), 'moat-detect-eval-'));
  try {
    const config = parseConfig({
      dataDir,
      storage: { driver: 'memory' },
      gateway: { host: '127.0.0.1', port: 0, trustedProxies: ['127.0.0.1', '::1'], lookupCacheMs: 100 },
      admin: { host: '127.0.0.1', port: 0, token: ADMIN_TOKEN },
      limits: { account: { requestsPerMinute: 600, tokensPerMinute: 0, concurrentRequests: 16, ...options.accountLimits } },
      models: [{ name: EVAL_MODEL, kinds: ['chat', 'completion'], baseUrl: `${upstream.url}/v1`, tokenizer: 'chars', defaultMaxTokens: 16, internal: true }],
      detection: { enabled: true, shadow: false, ...options.detection },
      log: { level: 'silent' },
    });
    const services = await startServices({ config, logger: silent });
    const admin = new AdminClient({ baseUrl: services.admin.url, token: ADMIN_TOKEN, actor: 'detect-eval', timeoutMs: 30_000 });
    return {
      config,
      services,
      gatewayUrl: services.gateway.url,
      adminUrl: services.admin.url,
      adminToken: ADMIN_TOKEN,
      admin,
      async close() {
        await services.close();
        await upstream.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await upstream.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
