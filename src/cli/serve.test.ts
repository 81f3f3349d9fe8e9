import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { initEngine } from '../ml/engine/init.ts';
import { createModel, saveModel } from '../ml/registry.ts';
import { ExitError } from './io.ts';
import { serveCommand } from './serve.ts';

let root: string;
let configFile: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'moat-cli-serve-'));
  await initEngine();
  await saveModel(await createModel('lm', 'tiny', 2), join(root, 'models', 'lm-tiny'));
  configFile = join(root, 'moat.yaml');
  await writeFile(configFile, `serve:\n  modelsDir: ${JSON.stringify(join(root, 'models'))}\nlog:\n  level: silent\n`);
});
after(() => rm(root, { recursive: true, force: true }));

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.resume();
  return { io: { stdout, stderr, json: true }, printed: () => out };
}

describe('moat serve', () => {
  it('serves the models of serve.modelsDir on the given host and port until told to stop', async () => {
    const { io: cli, printed } = io();
    let stop = () => {};
    const until = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const running = serveCommand({ configFile, port: 0, host: '127.0.0.1', models: ['moat-lm-tiny'], io: cli, until });
    while (!printed()) await new Promise((r) => setTimeout(r, 20));
    const { url, models } = JSON.parse(printed()) as { url: string; models: string[] };
    assert.deepEqual(models, ['moat-lm-tiny']);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const res = await fetch(`${url}/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'moat-lm-tiny', prompt: 'Call me', max_tokens: 4 }),
    });
    assert.equal(res.status, 200);
    stop();
    await running;
    await assert.rejects(() => fetch(`${url}/models`));
  });

  it('exits 1 naming the models directory when a requested model is not there', async () => {
    await assert.rejects(
      () => serveCommand({ configFile, port: 0, models: ['moat-nope'], io: io().io }),
      (err: unknown) => err instanceof ExitError && err.exitCode === 1 && err.message.includes('moat-nope') && err.message.includes(join(root, 'models')),
    );
  });
});
