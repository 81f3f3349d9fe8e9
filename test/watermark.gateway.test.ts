/** The gateway names each account's watermark key to internal model servers only, and ignores and logs a client's copy. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { parseConfig } from '../src/config/load.ts';
import { type RunningGateway, startGateway } from '../src/gateway/server.ts';
import { ApiKeyHasher } from '../src/keys/api-key.ts';
import { WATERMARK_KEY_HEADER } from '../src/serve/logits-processors.ts';
import type { Stores } from '../src/store/interfaces.ts';
import { openMemoryStores } from '../src/store/memory/index.ts';
import { WatermarkKeyring } from '../src/watermark/keys.ts';
import { TEST_SECRET } from './support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from './support/test-upstream.ts';

const WM_SECRET = 'watermark-master-secret-for-gateway-tests';
const ACTION = { actor: 'test', action: 'setup', target: '-', details: {} };

describe('gateway → model server watermark key header', () => {
  let upstream: TestUpstream;
  let gateway: RunningGateway;
  let stores: Stores;
  const logLines: Record<string, unknown>[] = [];
  let key = '';
  let accountId = '';

  before(async () => {
    upstream = await startTestUpstream();
    stores = openMemoryStores();
    const config = parseConfig({
      dataDir: '/nonexistent-moat-test',
      gateway: { port: 0 },
      watermark: { secret: WM_SECRET, keyVersion: 2, text: { enabled: true } },
      models: [
        { name: 'builtin-lm', kinds: ['chat', 'completion'], baseUrl: upstream.url, tokenizer: 'chars', internal: true },
        { name: 'builtin-embed', kinds: ['embedding'], baseUrl: upstream.url, tokenizer: 'chars', internal: true },
        { name: 'third-party', kinds: ['chat', 'completion'], baseUrl: upstream.url, tokenizer: 'chars' },
      ],
    });
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    gateway = await startGateway({ config, stores, secret: TEST_SECRET, logger: pino({ level: 'warn' }, sink) });
    const hasher = new ApiKeyHasher(TEST_SECRET);
    const account = await stores.accounts.create({ name: 'wm', limits: {}, allowedModels: null }, ACTION);
    const issued = hasher.issue();
    await stores.keys.create({ id: 'key_wm', accountId: account.id, prefix: issued.prefix, hash: issued.hash, name: null, createdAt: Date.now(), expiresAt: null }, ACTION);
    key = issued.key;
    accountId = account.id;
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
    await stores.close();
  });

  const post = (path: string, body: Record<string, unknown>, extra: Record<string, string> = {}) =>
    fetch(`${gateway.url}/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...extra }, body: JSON.stringify(body) }).then(async (r) => {
      await r.arrayBuffer();
      return r.status;
    });
  const lastHeader = () => upstream.received[upstream.received.length - 1].headers[WATERMARK_KEY_HEADER];

  it("sends the account's current key id to internal generation routes; it resolves with the same master", async () => {
    assert.equal(await post('/completions', { model: 'builtin-lm', prompt: 'hi', max_tokens: 4 }), 200);
    const sent = lastHeader();
    const ring = new WatermarkKeyring({ secret: WM_SECRET, currentVersion: 2 });
    assert.equal(sent, ring.keyIdFor(accountId));
    assert.equal(ring.resolveKey(String(sent)).accountId, accountId);
    assert.equal(await post('/chat/completions', { model: 'builtin-lm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, stream: true }), 200);
    assert.equal(lastHeader(), sent);
  });

  it('sends nothing to third-party upstreams or non-generation routes', async () => {
    assert.equal(await post('/completions', { model: 'third-party', prompt: 'hi', max_tokens: 4 }), 200);
    assert.equal(lastHeader(), undefined);
    assert.equal(await post('/embeddings', { model: 'builtin-embed', input: 'hi' }), 200);
    assert.equal(lastHeader(), undefined);
  });

  it("ignores a client's copy of the header (the upstream sees the gateway's own) and logs it", async () => {
    const forged = new WatermarkKeyring({ secret: WM_SECRET, currentVersion: 2 }).keyIdFor('acct_someone_else');
    assert.equal(await post('/completions', { model: 'builtin-lm', prompt: 'hi', max_tokens: 4 }, { [WATERMARK_KEY_HEADER]: forged }), 200);
    assert.notEqual(lastHeader(), forged);
    assert.match(String(lastHeader()), new RegExp(`\\.${accountId}$`));
    assert.equal(await post('/completions', { model: 'third-party', prompt: 'hi', max_tokens: 4 }, { [WATERMARK_KEY_HEADER]: forged }), 200);
    assert.equal(lastHeader(), undefined);
    const warnings = logLines.filter((l) => String(l.msg).includes('internal watermark key header'));
    assert.equal(warnings.length, 2);
    assert.equal(warnings[0].accountId, accountId);
    assert.ok(!JSON.stringify(warnings).includes(forged), 'the forged value itself is not echoed into logs');
  });
});
