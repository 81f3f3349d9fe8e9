/** A restart on the same SQLite file keeps what is durable: keys, bans, audit rows, and today's daily counts. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSqliteStores } from '../src/store/sqlite/index.ts';
import { startHarness } from './support/gateway-harness.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-restart-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const call = (baseURL: string, key: string) =>
  fetch(`${baseURL}/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'test-embed', input: 'x' }) });

describe('gateway restart', () => {
  it('does not hand out a fresh daily quota after a restart', async () => {
    const file = join(dir, 'moat.db');
    const first = await startHarness({ stores: openSqliteStores(file) });
    const { key } = await first.createAccount({ limits: { requestsPerDay: 3, requestsPerMinute: 0, tokensPerMinute: 0, concurrentRequests: 0 } });
    assert.equal((await call(first.baseURL, key)).status, 200);
    assert.equal((await call(first.baseURL, key)).status, 200);
    await first.close();

    const second = await startHarness({ stores: openSqliteStores(file) });
    try {
      assert.equal((await call(second.baseURL, key)).status, 200);
      const refused = await call(second.baseURL, key);
      assert.equal(refused.status, 429);
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'daily_quota_exceeded');
    } finally {
      await second.close();
    }
  });
});
