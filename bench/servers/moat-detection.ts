/**
 * Moat as `moat up` runs it, with detection on its worker thread (`on`, the default), on the gateway's thread
 * (`thread`), or off (`off`); shadow mode, so the bench account is never throttled and every request does the same
 * work. Memory stores, one account, limits checked but never refusing. Args: <upstream port> <on|thread|off>.
 * Prints `<port> <api key>`.
 */
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.ts';
import { ActiveActions } from '../../src/detect/active-actions.ts';
import { DetectionBus } from '../../src/detect/bus.ts';
import { startDetection } from '../../src/detect/service.ts';
import { startGateway } from '../../src/gateway/server.ts';
import { ApiKeyHasher } from '../../src/keys/api-key.ts';
import { openMemoryStores } from '../../src/store/memory/index.ts';
import { reportCpuOnSignal } from './cpu-report.ts';

const mode = process.argv[3] ?? 'off';
const detectionOn = mode !== 'off';
const config = parseConfig({
  dataDir: '/nonexistent-moat-bench',
  gateway: { port: 0 },
  limits: { account: { requestsPerMinute: 10_000_000, tokensPerMinute: 1_000_000_000, concurrentRequests: 10_000 } },
  models: [{ name: 'bench', kinds: ['chat'], baseUrl: `http://127.0.0.1:${process.argv[2]}/v1`, apiKey: 'sk-bench' }],
  detection: { enabled: detectionOn, shadow: true, worker: mode === 'on' },
});
const stores = openMemoryStores();
const secret = 'bench-secret-bench-secret-bench-secret-00';
const hasher = new ApiKeyHasher(secret);
const action = { actor: 'bench', action: 'setup', target: '-', details: {} };
const account = await stores.accounts.create({ name: 'bench' }, action);
const issued = hasher.issue();
await stores.keys.create({ id: 'key_bench', accountId: account.id, prefix: issued.prefix, hash: issued.hash, name: null, createdAt: Date.now(), expiresAt: null }, action);
const logger = pino({ level: 'silent' });
const bus = new DetectionBus();
const actions = new ActiveActions();
const gateway = await startGateway({ config, stores, secret, logger, bus, actions });
const detection = detectionOn ? await startDetection({ config: config.detection, stores, bus, actions, registry: gateway.metrics.registry, logger }) : null;
process.stdout.write(`${new URL(gateway.url).port} ${issued.key}\n`);
process.on('SIGTERM', async () => {
  await detection?.close();
  await gateway.close();
  process.exit(0);
});
reportCpuOnSignal();
