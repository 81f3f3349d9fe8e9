import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { parseConfig } from '../config/load.ts';
import { openStores } from '../store/index.ts';
import { WatermarkKeyring } from '../watermark/keys.ts';
import { startFakeSuspect } from '../watermark/verify/testing.ts';
import type { CliIO } from './io.ts';
import { verifyCommand } from './verify.ts';

const SECRET = 'cli-verify-master-secret-0123456789abcdefgh';

function io(): CliIO & { text(): string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c) => {
    text += String(c);
  });
  return { stdout: out, stderr: new PassThrough(), json: false, text: () => text };
}

test('refuses to verify without the watermark secret (and never creates one)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'moat-verify-cli-'));
  const config = parseConfig({ dataDir });
  await assert.rejects(verifyCommand({ suspect: 'http://127.0.0.1:9/v1', key: 'wm.1.00000000.acct_a' }, config, io()), (err: Error & { exitCode?: number }) => {
    assert.equal(err.exitCode, 2);
    assert.match(err.message, /refusing to verify: no watermark secret/);
    return true;
  });
  assert.equal(existsSync(join(dataDir, 'watermark-secret.json')), false);
});

test('prints key ids, validates flags, and writes the report for a marked suspect', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'moat-verify-cli-'));
  const config = parseConfig({ dataDir, watermark: { secret: SECRET } });
  const printed = io();
  assert.equal(await verifyCommand({ printKeyId: 'acct_alice' }, config, printed), 0);
  const keyId = printed.text().trim();
  assert.equal(keyId, new WatermarkKeyring({ secret: SECRET, currentVersion: 1 }).keyIdFor('acct_alice'));
  await assert.rejects(verifyCommand({ suspect: 'not a url', key: keyId }, config, io()), /--suspect must be a URL/);
  await assert.rejects(verifyCommand({ suspect: 'http://x/v1', key: keyId, modality: 'smell' }, config, io()), /--modality must be one of text/);
  await assert.rejects(verifyCommand({ suspect: 'http://x/v1' }, config, io()), /--key <keyId> or --accounts all/);

  const suspect = await startFakeSuspect({ markKey: new WatermarkKeyring({ secret: SECRET, currentVersion: 1 }).resolveKey(keyId).key });
  try {
    const out = join(dataDir, 'run');
    const shown = io();
    const code = await verifyCommand({ suspect: suspect.url, key: keyId, model: 'm', probes: '120', out, nullKeys: '50' }, config, shown);
    assert.equal(code, 0);
    assert.match(shown.text(), /watermark of this key detected/);
    assert.ok(existsSync(join(out, 'report.md')) && existsSync(join(out, 'report.json')));
    // By default the built-in teacher (models/lm-teacher) is the reference; 'none' gives the key-only test.
    const report = (dir: string) => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { method: { description: string } };
    assert.match(report(out).method.description, /unmarked reference model models\/lm-teacher/);
    const keyOnly = join(dataDir, 'run-key-only');
    assert.equal(await verifyCommand({ suspect: suspect.url, key: keyId, model: 'm', probes: '120', out: keyOnly, nullKeys: '50', referenceModel: 'none' }, config, io()), 0);
    assert.match(report(keyOnly).method.description, /deduplicated/);
    await assert.rejects(verifyCommand({ suspect: suspect.url, key: keyId, model: 'm', referenceModel: 'models/classifier-student-s' }, config, io()), /is a classifier model; the text test needs a language model/);
    await assert.rejects(verifyCommand({ suspect: suspect.url, key: keyId, model: 'm', referenceModel: join(dataDir, 'nowhere') }, config, io()), /--reference-model .*nowhere/);
  } finally {
    await suspect.close();
  }
});

test('--probe-tokens sets the answer length; --suspect-api-key-file keeps the bearer key off the command line', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'moat-verify-cli-'));
  const config = parseConfig({ dataDir, watermark: { secret: SECRET } });
  const keyId = new WatermarkKeyring({ secret: SECRET, currentVersion: 1 }).keyIdFor('acct_alice');
  const keyFile = join(dataDir, 'suspect-key');
  writeFileSync(keyFile, 'sk-suspect-123\n');
  const suspect = await startFakeSuspect();
  try {
    const base = { suspect: suspect.url, key: keyId, model: 'm', probes: '20', nullKeys: '5', referenceModel: 'none' };
    await assert.rejects(verifyCommand({ ...base, probeTokens: '0' }, config, io()), /--probe-tokens must be a positive integer, got '0'/);
    await assert.rejects(verifyCommand({ ...base, modality: 'classifier', probeTokens: '50' }, config, io()), /--probe-tokens applies to --modality text only/);
    await assert.rejects(verifyCommand({ ...base, suspectApiKey: 'x', suspectApiKeyFile: keyFile }, config, io()), /not both/);
    await assert.rejects(verifyCommand({ ...base, suspectApiKeyFile: join(dataDir, 'missing') }, config, io()), /--suspect-api-key-file .*missing: ENOENT/);
    writeFileSync(join(dataDir, 'empty'), '\n');
    await assert.rejects(verifyCommand({ ...base, suspectApiKeyFile: join(dataDir, 'empty') }, config, io()), /first line must hold the key/);
    assert.equal(await verifyCommand({ ...base, out: join(dataDir, 'run'), probeTokens: '37', suspectApiKeyFile: keyFile }, config, io()), 0);
    assert.deepEqual(suspect.last, { authorization: 'Bearer sk-suspect-123', maxTokens: 37 });
    // The run directory remembers its probe set: other answer lengths would mix answers to different questions.
    await assert.rejects(verifyCommand({ ...base, out: join(dataDir, 'run'), probeTokens: '38' }, config, io()), /holds a verification run with other settings/);
  } finally {
    await suspect.close();
  }
});

test('--accounts all reads every account from the SQLite store and names the one whose key marked the suspect', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'moat-verify-cli-'));
  const config = parseConfig({ dataDir, watermark: { secret: SECRET, keyVersion: 2 } });
  const stores = openStores(config);
  const ids: string[] = [];
  try {
    for (const name of ['a', 'b', 'c']) ids.push((await stores.accounts.create({ name, limits: {}, allowedModels: null }, { actor: 'test', action: 'setup', target: '-', details: {} })).id);
  } finally {
    await stores.close();
  }
  // The leak happened before a rotation: the suspect carries account b's version-1 mark.
  const ring = new WatermarkKeyring({ secret: SECRET, currentVersion: 2 });
  const suspect = await startFakeSuspect({ markKey: ring.resolveKey(ring.keyIdFor(ids[1], 1)).key });
  try {
    const out = join(dataDir, 'ranked');
    const shown = io();
    assert.equal(await verifyCommand({ suspect: suspect.url, accounts: 'all', model: 'm', probes: '120', out, nullKeys: '50' }, config, shown), 0);
    assert.match(shown.text(), new RegExp(`strongest account: ${ids[1]} \\(of 6 keys\\)`));
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { key: { keyId: string; version: number } };
    assert.equal(report.key.version, 1);
  } finally {
    await suspect.close();
  }
});
