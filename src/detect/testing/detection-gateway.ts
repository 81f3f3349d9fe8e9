/**
 * A gateway with detection and the admin API, wired the way src/runtime/services.ts wires them, in front of the test
 * upstream, with memory stores and chosen detectors: for integration tests over loopback.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { startTestUpstream, type TestUpstream } from '../../../test/support/test-upstream.ts';
import { AdminClient } from '../../admin/client.ts';
import { type RunningAdminServer, startAdminServer } from '../../admin/server.ts';
import { parseConfig } from '../../config/load.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { type RunningGateway, startGateway } from '../../gateway/server.ts';
import { ApiKeyHasher } from '../../keys/api-key.ts';
import type { Stores } from '../../store/interfaces.ts';
import { openMemoryStores } from '../../store/memory/index.ts';
import type { LimitOverrides } from '../../store/types.ts';
import { ActiveActions } from '../active-actions.ts';
import { DetectionBus } from '../bus.ts';
import { type DetectionService, startDetection } from '../service.ts';
import type { Detector } from '../types.ts';

const SECRET = 'detection-test-secret-detection-test-secret';
const TOKEN = 'moat_admin_detection_test_token';
const SETUP = { actor: 'test', action: 'setup', target: '-', details: {} };

export interface DetectionGateway {
  baseURL: string;
  upstream: TestUpstream;
  stores: Stores;
  gateway: RunningGateway;
  detection: DetectionService;
  admin: AdminClient;
  adminUrl: string;
  adminToken: string;
  createAccount(limits?: LimitOverrides): Promise<{ accountId: string; key: string }>;
  /** Waits until the engine has scored `events` events of the account, then until its actions are applied. */
  settle(accountId: string, events: number): Promise<void>;
  close(): Promise<void>;
}

export async function startDetectionGateway(options: { detection: ConfigInput['detection']; detectors?: Detector<unknown>[] }): Promise<DetectionGateway> {
  const upstream = await startTestUpstream();
  const config = parseConfig(
    {
      dataDir: '/nonexistent-moat-test',
      secret: SECRET,
      gateway: { port: 0, lookupCacheMs: 0 },
      admin: { port: 0, token: TOKEN },
      storage: { driver: 'memory' },
      limits: { account: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentRequests: 0 } },
      models: [{ name: 'test-chat', kinds: ['chat', 'completion'], baseUrl: upstream.url, defaultMaxTokens: 16, timeoutMs: 2_000 }],
      detection: options.detection,
    },
    'test config',
  );
  const stores = openMemoryStores();
  const logger = pino({ level: 'silent' });
  const bus = new DetectionBus();
  const actions = new ActiveActions();
  const gateway = await startGateway({ config, stores, secret: SECRET, logger, bus, actions });
  const detection = await startDetection({ config: config.detection, stores, bus, actions, registry: gateway.metrics.registry, logger, detectors: options.detectors });
  const hasher = new ApiKeyHasher(SECRET);
  const adminServer: RunningAdminServer = await startAdminServer({ config, stores, hasher, adminToken: TOKEN, logger, detection });
  return {
    baseURL: `${gateway.url}/v1`,
    upstream,
    stores,
    gateway,
    detection,
    admin: new AdminClient({ baseUrl: adminServer.url, token: TOKEN, actor: 'alice' }),
    adminUrl: adminServer.url,
    adminToken: TOKEN,
    async createAccount(limits = {}) {
      const account = await stores.accounts.create({ name: 'tester', limits }, SETUP);
      const issued = hasher.issue();
      const keyId = `key_${randomBytes(6).toString('hex')}`;
      await stores.keys.create({ id: keyId, accountId: account.id, prefix: issued.prefix, hash: issued.hash, name: null, createdAt: Date.now(), expiresAt: null }, SETUP);
      return { accountId: account.id, key: issued.key };
    },
    async settle(accountId, events) {
      const deadline = Date.now() + 5_000;
      const seen = async () => (await detection.accountView(accountId, 0)).events;
      while ((await seen()) < events) {
        if (Date.now() > deadline) throw new Error(`detection saw ${await seen()} of ${events} events of ${accountId}`);
        await detection.drain();
        await new Promise((r) => setTimeout(r, 5));
      }
      await detection.drain();
    },
    async close() {
      await adminServer.close();
      await detection.close();
      await gateway.close();
      await upstream.close();
      await stores.close();
    },
  };
}
