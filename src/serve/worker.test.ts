import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { parseConfig } from '../config/load.ts';
import { initEngine } from '../ml/engine/init.ts';
import { createModel, saveModel } from '../ml/registry.ts';
import { startModelServerInWorker } from './worker.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'moat-serve-worker-'));
  await initEngine();
  const lm = await createModel('lm', 'tiny', 3);
  for (const dir of ['good', 'no-weights', 'corrupt']) await saveModel(lm, join(root, dir, 'lm-tiny'));
  await rm(join(root, 'no-weights', 'lm-tiny', 'weights.bin'));
  await writeFile(join(root, 'corrupt', 'lm-tiny', 'model.json'), '{"format": "moat-tensors/1", "tensors": [');
});
after(() => rm(root, { recursive: true, force: true }));

const configFor = (modelsDir: string) => parseConfig({ serve: { host: '127.0.0.1', port: 0, modelsDir }, log: { level: 'silent' } });

describe('startModelServerInWorker', () => {
  it('serves the saved models from a worker thread until closed', async () => {
    const server = await startModelServerInWorker(configFor(join(root, 'good')));
    try {
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const models = await client.models.list();
      assert.deepEqual(models.data.map((m) => m.id), ['moat-lm-tiny']);
      const r = await client.completions.create({ model: 'moat-lm-tiny', prompt: 'Call me', max_tokens: 8, seed: 1 });
      assert.equal(r.choices[0].text.length, 8);
    } finally {
      await server.close();
    }
    await assert.rejects(() => fetch(`${server.url}/v1/models`));
  });

  it('rejects naming the weights file when it is missing', async () => {
    await assert.rejects(
      () => startModelServerInWorker(configFor(join(root, 'no-weights'))),
      (err: Error) => err.message.includes(join('no-weights', 'lm-tiny', 'weights.bin')),
    );
  });

  it('rejects naming model.json when it is corrupt', async () => {
    await assert.rejects(
      () => startModelServerInWorker(configFor(join(root, 'corrupt'))),
      (err: Error) => err.message.includes(join('corrupt', 'lm-tiny', 'model.json')),
    );
  });

  it('rejects naming the models directory when it does not exist, or an unknown model name', async () => {
    await assert.rejects(() => startModelServerInWorker(configFor(join(root, 'absent'))), (err: Error) => err.message.includes(join(root, 'absent')));
    await assert.rejects(
      () => startModelServerInWorker(configFor(join(root, 'good')), { models: ['moat-nope'] }),
      (err: Error) => /moat-nope/.test(err.message) && /lm-tiny/.test(err.message),
    );
  });
});
