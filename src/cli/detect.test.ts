import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Command } from 'commander';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { type DetectionGateway, startDetectionGateway } from '../detect/testing/detection-gateway.ts';
import { probingFake } from '../detect/testing/engine-fixtures.ts';
import type { AccountDetectionView } from '../detect/views.ts';
import { registerDetectCommand } from './detect.ts';

describe('moat detect', () => {
  let g: DetectionGateway;
  let dir: string;
  let configFile: string;
  before(async () => {
    g = await startDetectionGateway({ detection: { shadow: false, minEventsForAction: 3 }, detectors: [probingFake()] });
    dir = mkdtempSync(join(tmpdir(), 'moat-detect-cli-'));
    configFile = join(dir, 'moat.yaml');
    const port = Number(new URL(g.adminUrl).port);
    writeFileSync(configFile, stringify({ dataDir: dir, admin: { host: '127.0.0.1', port, token: g.adminToken }, secret: 'cli-test-secret-cli-test-secret-cli-test' }));
  });
  after(async () => {
    await g.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(args: string[]): Promise<{ stdout: string; error: unknown }> {
    const chunks: Buffer[] = [];
    const stdout = new Writable({
      write(chunk: Buffer, _e, done) {
        chunks.push(chunk);
        done();
      },
    });
    const program = new Command('moat').option('-c, --config <file>').option('--json').exitOverride();
    registerDetectCommand(program, { streams: { stdout, stderr: stdout } });
    let error: unknown = null;
    try {
      await program.parseAsync(['node', 'moat', '--config', configFile, ...args]);
    } catch (err) {
      error = err;
    }
    return { stdout: Buffer.concat(chunks).toString('utf8'), error };
  }

  test('show explains a banned prober; clear reverses it; clusters lists none', async () => {
    const { accountId, key } = await g.createAccount();
    const client = new OpenAI({ apiKey: key, baseURL: g.baseURL, maxRetries: 0 });
    for (let i = 0; i < 3; i++) {
      await client.chat.completions.create({ model: 'test-chat', messages: [{ role: 'user', content: `q${i}` }], logprobs: true, top_logprobs: 5, logit_bias: { '1': 5 } });
    }
    await g.settle(accountId, 3);

    const shown = await run(['detect', 'show', accountId]);
    assert.equal(shown.error, null);
    assert.match(shown.stdout, new RegExp(`^account ${accountId}: risk 1\\.00 → ban \\(3 events in memory\\)`));
    assert.match(shown.stdout, /action in force: ban since/);
    assert.match(shown.stdout, /api-probing\s+1\.00\s+1\.00\s+3 of 3 requests probe logits/);
    assert.match(shown.stdout, /TIME\s+RISK\s+LEVEL/);
    const json = JSON.parse((await run(['--json', 'detect', 'show', accountId])).stdout) as AccountDetectionView;
    assert.equal(json.action?.level, 'ban');

    const cleared = await run(['detect', 'clear', accountId, '--reason', 'test']);
    assert.equal(cleared.stdout.trim(), `cleared ban on ${accountId} (ban lifted)`);
    assert.match((await run(['detect', 'show', accountId])).stdout, /action in force: none/);
    assert.equal((await run(['detect', 'clusters'])).stdout.trim(), 'no linked clusters');
    const unknown = await run(['detect', 'show', 'acct_nope']);
    assert.match(String((unknown.error as Error)?.message), /does not exist/);
  });
});
