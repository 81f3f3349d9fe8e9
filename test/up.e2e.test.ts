/**
 * The quickstart path end to end: `moat up` brings up the model server (worker thread) with saved models, the gateway
 * in front of it on SQLite, the admin API and a demo account; the printed key works through the official SDK, a
 * restart prints the same key, and the admin API's bans reach the gateway.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startUp } from '../src/cli/up.ts';
import { initEngine } from '../src/ml/engine/init.ts';
import { createModel, saveModel } from '../src/ml/registry.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'moat-up-'));
  await initEngine();
  await saveModel(await createModel('lm', 'tiny', 7), join(root, 'models', 'lm-teacher'));
});
after(() => rm(root, { recursive: true, force: true }));

const io = () => ({ stdout: new PassThrough(), stderr: new PassThrough(), json: false });
const overrides = () => ({
  dataDir: join(root, 'data'),
  gateway: { port: 0 },
  admin: { port: 0 },
  serve: { port: 0, modelsDir: join(root, 'models') },
  log: { level: 'silent' as const },
});

describe('moat up', () => {
  it('serves the built-in models behind the gateway with a working demo key, stable across restarts', async () => {
    const first = await startUp({ io: io(), overrides: overrides() });
    let key: string;
    try {
      key = first.demo.key;
      assert.equal(first.demo.created, true);
      assert.match(first.banner, /curl http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions/);
      assert.ok(first.banner.includes(key));
      const client = new OpenAI({ apiKey: key, baseURL: `${first.services.gateway.url}/v1`, maxRetries: 0 });
      const models = await client.models.list();
      assert.deepEqual(models.data.map((m) => m.id), ['moat-lm-teacher']);
      const reply = await client.chat.completions.create({ model: 'moat-lm-teacher', messages: [{ role: 'user', content: 'Call me Ishmael.' }], max_tokens: 12, seed: 3 });
      assert.equal(reply.usage?.completion_tokens, 12);
      const stream = await client.chat.completions.create({ model: 'moat-lm-teacher', messages: [{ role: 'user', content: 'Whale' }], max_tokens: 6, stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      assert.equal(text.length, 6);

      // The admin API bans the demo account; the gateway refuses it within a second.
      const admin = `${first.services.admin.url}/admin/v1`;
      const auth = { authorization: `Bearer ${first.services.secrets.adminToken}`, 'content-type': 'application/json' };
      const ban = await fetch(`${admin}/accounts/${first.demo.accountId}/ban`, { method: 'POST', headers: auth, body: JSON.stringify({ reason: 'e2e' }) });
      assert.equal(ban.status, 201, await ban.text());
      await new Promise((r) => setTimeout(r, 400));
      await assert.rejects(client.models.list(), OpenAI.PermissionDeniedError);
      await fetch(`${admin}/accounts/${first.demo.accountId}/unban`, { method: 'POST', headers: auth, body: '{}' });
    } finally {
      await first.services.close();
    }
    const second = await startUp({ io: io(), overrides: overrides() });
    try {
      assert.equal(second.demo.created, false);
      assert.equal(second.demo.key, key);
      await second.services.stores.audit.flush();
      const rows = await second.services.stores.audit.query({ accountId: second.demo.accountId, limit: 50 });
      assert.ok(rows.items.some((r) => r.route === 'chat' && r.status === 200), 'audit rows survive the restart');
    } finally {
      await second.services.close();
    }
  });

  it('fails with a message naming the models directory when it has no models', async () => {
    await assert.rejects(
      startUp({ io: io(), overrides: { ...overrides(), serve: { port: 0, modelsDir: join(root, 'nothing-here') } } }),
      (err: Error) => err.message.includes('nothing-here'),
    );
  });
});
