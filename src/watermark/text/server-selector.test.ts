import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { parseConfig } from '../../config/load.ts';
import { WATERMARK_KEY_HEADER } from '../../serve/logits-processors.ts';
import { type RunningModelServer, startModelServer } from '../../serve/server.ts';
import { fixtureModels } from '../../serve/testing/fixture-server.ts';
import { WatermarkKeyring } from '../keys.ts';
import { detectText } from './detect.ts';

const SECRET = 'server-selector-test-master-secret-0123456789';
const ring = new WatermarkKeyring({ secret: SECRET, currentVersion: 1 });
const PROMPTS = Array.from({ length: 16 }, (_, i) => `Call me ${i} `);

async function complete(server: RunningModelServer, keyId?: string): Promise<string[]> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (keyId) headers[WATERMARK_KEY_HEADER] = keyId;
  const r = await fetch(`${server.url}/v1/completions`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ model: 'test-lm', prompt: PROMPTS, max_tokens: 120, seed: 42, temperature: 1 }),
  });
  assert.equal(r.status, 200);
  const body = (await r.json()) as { choices: { text: string }[] };
  return body.choices.map((c) => c.text);
}

describe('model server: text watermark from the internal key header', () => {
  let trusted: RunningModelServer;
  let untrusted: RunningModelServer;
  before(async () => {
    const config = parseConfig({ serve: { host: '127.0.0.1', port: 0, maxTokens: 300 }, watermark: { secret: SECRET, text: { enabled: true, delta: 2 } } });
    const logger = pino({ level: 'silent' });
    trusted = await startModelServer({ config, models: fixtureModels(), logger, trustInternalHeaders: true });
    untrusted = await startModelServer({ config, models: fixtureModels(), logger, trustInternalHeaders: false });
  });
  after(async () => {
    await trusted.close(100);
    await untrusted.close(100);
  });

  it("marks a trusted request with the named account's key, detectable only with that key", async () => {
    const keyId = ring.keyIdFor('acct_alice');
    const marked = await complete(trusted, keyId);
    const plain = await complete(trusted);
    assert.notDeepEqual(marked, plain);
    const alice = ring.resolveKey(keyId).key;
    const params = { gamma: 0.25, contextWidth: 1 };
    const hit = detectText(marked, alice, params);
    assert.ok(hit.pValue < 1e-4, `p = ${hit.pValue}, green ${hit.greenFraction}`);
    assert.ok(detectText(plain, alice, params).pValue > 1e-3);
    assert.ok(detectText(marked, ring.resolveKey(ring.keyIdFor('acct_bob')).key, params).pValue > 1e-3);
  });

  it('ignores the header on a server that does not trust its callers, and an unresolvable key id', async () => {
    const keyId = ring.keyIdFor('acct_alice');
    assert.deepEqual(await complete(untrusted, keyId), await complete(untrusted));
    const foreign = new WatermarkKeyring({ secret: 'x'.repeat(40), currentVersion: 1 }).keyIdFor('acct_alice');
    assert.deepEqual(await complete(trusted, foreign), await complete(trusted));
  });
});
