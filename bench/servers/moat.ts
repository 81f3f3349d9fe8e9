/**
 * Moat with every policy on, as deployed by default: SQLite stores (WAL audit), an account with limits that are
 * checked on every request but high enough not to refuse, deny rules loaded, metrics and a detection listener.
 * Prints `<port> <api key>`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.ts';
import { startGateway } from '../../src/gateway/server.ts';
import { ApiKeyHasher } from '../../src/keys/api-key.ts';
import { openStores } from '../../src/store/index.ts';
import { reportCpuOnSignal } from './cpu-report.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'moat-bench-'));
const config = parseConfig({
  dataDir,
  gateway: { port: 0 },
  limits: {
    account: { requestsPerMinute: 10_000_000, tokensPerMinute: 1_000_000_000, requestsPerDay: 1_000_000_000, concurrentRequests: 10_000 },
    ip: { requestsPerMinute: 10_000_000 },
    subnet: { requestsPerMinute: 10_000_000 },
  },
  models: [{ name: 'bench', kinds: ['chat'], baseUrl: `http://127.0.0.1:${process.argv[2]}/v1`, apiKey: 'sk-bench' }],
});
const stores = openStores(config);
const secret = 'bench-secret-bench-secret-bench-secret-00';
const hasher = new ApiKeyHasher(secret);
const action = { actor: 'bench', action: 'setup', target: '-', details: {} };
const account = await stores.accounts.create({ name: 'bench' }, action);
const issued = hasher.issue();
await stores.keys.create({ id: 'key_bench', accountId: account.id, prefix: issued.prefix, hash: issued.hash, name: null, createdAt: Date.now(), expiresAt: null }, action);
for (let i = 0; i < 100; i++) {
  await stores.ipRules.add({ id: `ipr_b${i}`, cidr: `100.${i}.0.0/16`, action: 'deny', reason: 'bench', actor: 'bench', createdAt: Date.now(), expiresAt: null }, action);
}
const gateway = await startGateway({ config, stores, secret, logger: pino({ level: 'silent' }) });
let events = 0;
gateway.bus.subscribe(() => events++);
process.stdout.write(`${new URL(gateway.url).port} ${issued.key}\n`);
process.on('SIGTERM', async () => {
  await gateway.close();
  await stores.close();
  process.exit(0);
});
reportCpuOnSignal();
