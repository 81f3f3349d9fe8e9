/**
 * The admin API and the gateway over the same stores: what an admin does through the API is what the gateway
 * enforces (keys issued here authenticate there; bans, IP rules, revocation and rotation take effect).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { type Harness, startHarness, TEST_SECRET } from '../../test/support/gateway-harness.ts';
import { parseConfig } from '../config/load.ts';
import { ApiKeyHasher } from '../keys/api-key.ts';
import { AdminClient } from './client.ts';
import { type RunningAdminServer, startAdminServer } from './server.ts';

const TOKEN = 'moat_admin_integration_token_01';

describe('admin API drives the gateway', () => {
  let h: Harness;
  let admin: RunningAdminServer;
  let client: AdminClient;
  before(async () => {
    h = await startHarness();
    const config = parseConfig({ dataDir: '/nonexistent', admin: { port: 0 } });
    admin = await startAdminServer({ config, stores: h.stores, hasher: new ApiKeyHasher(TEST_SECRET), adminToken: TOKEN, logger: pino({ level: 'silent' }) });
    client = new AdminClient({ baseUrl: admin.url, token: TOKEN, actor: 'integration' });
  });
  after(async () => {
    await admin.close();
    await h.close();
  });

  const embed = async (key: string) => {
    const res = await fetch(`${h.baseURL}/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'test-embed', input: 'hello' }) });
    const body = (await res.json()) as { error?: { code: string } };
    return { status: res.status, code: body.error?.code ?? null };
  };
  // The gateway promises 1 s; the extra second is slack for a loaded CI machine.
  const until = async (check: () => Promise<boolean>, ms = 2_000) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (await check()) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
    return false;
  };

  test('a key issued by the admin API works; a ban stops it; unban restores it', async () => {
    const { account, key } = await client.createAccount({ name: 'integration', limits: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentRequests: 0 } });
    assert.deepEqual(await embed(key.key), { status: 200, code: null });
    await client.banAccount(account.id, { reason: 'test', expiresIn: 60 });
    // The gateway caches lookups briefly (gateway.lookupCacheMs); a change must apply within a second.
    assert.ok(await until(async () => (await embed(key.key)).code === 'account_banned'), 'banned within 1 s');
    await client.unbanAccount(account.id);
    assert.ok(await until(async () => (await embed(key.key)).status === 200), 'unbanned within 1 s');
  });

  test('an IP block applies within a second and unblocking lifts it', async () => {
    const { key } = await client.createAccount({ name: 'ip-test', limits: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentRequests: 0 } });
    await client.addIpRule({ cidr: '127.0.0.1', action: 'deny', reason: 'test' });
    assert.ok(await until(async () => (await embed(key.key)).code === 'ip_blocked'), 'blocked within 1 s');
    await client.removeIpRule('127.0.0.1/32');
    assert.ok(await until(async () => (await embed(key.key)).status === 200), 'unblocked within 1 s');
  });

  test('rotation keeps both keys working during the grace; revocation ends a key at once', async () => {
    const { key } = await client.createAccount({ name: 'rotate-test', limits: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentRequests: 0 } });
    const next = await client.rotateKey(key.id, { graceSeconds: 3600 });
    assert.equal((await embed(key.key)).status, 200);
    assert.equal((await embed(next.key)).status, 200);
    await client.revokeKey(key.id);
    assert.ok(await until(async () => (await embed(key.key)).code === 'unauthorized'), 'revoked within 1 s');
    assert.equal((await embed(next.key)).status, 200);
  });
});
