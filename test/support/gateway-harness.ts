/**
 * Starts a real gateway in-process on a loopback port, in front of a test upstream, with memory stores, and hands
 * out accounts with keys. Every gateway test builds on this so each one reads as the behaviour it checks.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { type RunningGateway, startGateway } from '../../src/gateway/server.ts';
import { ApiKeyHasher } from '../../src/keys/api-key.ts';
import type { Stores } from '../../src/store/interfaces.ts';
import { openMemoryStores } from '../../src/store/memory/index.ts';
import type { LimitOverrides } from '../../src/store/types.ts';
import { type TestUpstream, type UpstreamBehaviour, startTestUpstream } from './test-upstream.ts';

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123';
const ACTION = { actor: 'test', action: 'setup', target: '-', details: {} };

export interface Harness {
  gateway: RunningGateway;
  upstream: TestUpstream;
  stores: Stores;
  hasher: ApiKeyHasher;
  /** OpenAI SDK base URL of the gateway. */
  baseURL: string;
  createAccount(options?: { name?: string; limits?: LimitOverrides; allowedModels?: string[] | null }): Promise<{ accountId: string; key: string; keyId: string }>;
  addKey(accountId: string, expiresAt?: number | null): Promise<{ key: string; keyId: string }>;
  close(): Promise<void>;
}

export async function startHarness(options: { config?: ConfigInput; upstream?: Partial<UpstreamBehaviour>; stores?: Stores } = {}): Promise<Harness> {
  const upstream = await startTestUpstream(options.upstream);
  const stores = options.stores ?? openMemoryStores();
  const models = [
    { name: 'test-chat', kinds: ['chat', 'completion'] as const, baseUrl: upstream.url, apiKey: 'sk-upstream-secret', tokenizer: 'o200k_base' as const, defaultMaxTokens: 16, timeoutMs: 2_000 },
    { name: 'test-embed', kinds: ['embedding'] as const, baseUrl: upstream.url, tokenizer: 'o200k_base' as const },
    { name: 'test-classify', kinds: ['classification'] as const, baseUrl: upstream.url, tokenizer: 'chars' as const },
  ];
  const base: ConfigInput = { dataDir: '/nonexistent-moat-test', gateway: { port: 0 }, limits: { account: { requestsPerMinute: 100_000 }, ip: {}, subnet: {} }, models: models.map((m) => ({ ...m, kinds: [...m.kinds] })) };
  const merged = { ...base, ...options.config, gateway: { ...base.gateway, ...options.config?.gateway }, limits: { ...base.limits, ...options.config?.limits } } as ConfigInput;
  if (options.config?.models) merged.models = options.config.models;
  const config = parseConfig(merged, 'test config');
  const gateway = await startGateway({ config, stores, secret: TEST_SECRET, logger: pino({ level: 'silent' }) });
  const hasher = new ApiKeyHasher(TEST_SECRET);

  const addKey = async (accountId: string, expiresAt: number | null = null) => {
    const issued = hasher.issue();
    const keyId = `key_${randomBytes(6).toString('hex')}`;
    await stores.keys.create({ id: keyId, accountId, prefix: issued.prefix, hash: issued.hash, name: null, createdAt: Date.now(), expiresAt }, ACTION);
    return { key: issued.key, keyId };
  };
  return {
    gateway,
    upstream,
    stores,
    hasher,
    baseURL: `${gateway.url}/v1`,
    async createAccount(o = {}) {
      const account = await stores.accounts.create({ name: o.name ?? 'tester', limits: o.limits ?? {}, allowedModels: o.allowedModels ?? null }, ACTION);
      const { key, keyId } = await addKey(account.id);
      return { accountId: account.id, key, keyId };
    },
    addKey,
    async close() {
      await gateway.close();
      await upstream.close();
      await stores.close();
    },
  };
}
