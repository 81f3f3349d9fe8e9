/**
 * Proxy-side watermarks through a real gateway on loopback: lexical marks on whole and streamed chat / completions
 * answers (the stream's text equals the whole answer's), embeddings mixed toward the account's directions (float
 * and base64), DAWN flips recorded in the ledger and repeated consistently, built-in KGW models left alone.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { parseConfig } from '../src/config/load.ts';
import { type RunningGateway, startGateway } from '../src/gateway/server.ts';
import { ApiKeyHasher } from '../src/keys/api-key.ts';
import type { Stores } from '../src/store/interfaces.ts';
import { openMemoryStores } from '../src/store/memory/index.ts';
import { dawnLedgerFile, FileDawnLedger } from '../src/watermark/classifier/ledger.ts';
import { DEFAULT_EMBEDDING_PARAMS, embeddingTriggerKey, markEmbedding, targetDirections, triggerSets, triggerWeights } from '../src/watermark/embedding/marker.ts';
import { WatermarkKeyring } from '../src/watermark/keys.ts';
import { markText } from '../src/watermark/lexical/marker.ts';
import { TEST_SECRET } from './support/gateway-harness.ts';

const WM_SECRET = 'watermark-master-secret-for-proxy-tests-0123';
const ACTION = { actor: 'test', action: 'setup', target: '-', details: {} };
const PROSE =
  'However, the committee often found that a large share of the work was nearly done. Perhaps we should usually ' +
  'assess the results quickly; certainly the vast majority of members frequently agree. `big` stays as code. ' +
  'Moreover, the students mostly achieve what they choose, and the lawyer rarely needed to respond immediately.';
const vectorOf = (text: string) => Array.from({ length: 8 }, (_, i) => Math.sin(text.length * (i + 1)) + 0.1 * i);
const labelOf = (text: string) => (text.includes('offer') ? 'spam' : 'ham');

/** An upstream answering with PROSE, streaming it in 3-character pieces (words cut mid-way). */
async function startProseUpstream(): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    const send = (value: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    const inputs = (Array.isArray(body.input) ? body.input : [body.input]) as string[];
    if (req.url?.endsWith('/embeddings')) {
      const data = inputs.map((t, index) => {
        const v = vectorOf(t);
        return { object: 'embedding', index, embedding: body.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v };
      });
      return send({ object: 'list', model: body.model, data, usage: { prompt_tokens: 3, total_tokens: 3 } });
    }
    if (req.url?.endsWith('/classifications')) {
      // Margins 0.92 and 0.94 fall in DAWN's default band [0.9, 0.999]; ham of odd length is near-certain, outside it.
      const probabilities = (t: string) => (labelOf(t) === 'spam' ? { ham: 0.04, spam: 0.96 } : t.length % 2 === 0 ? { ham: 0.97, spam: 0.03 } : { ham: 0.9999, spam: 0.0001 });
      const data = inputs.map((t, index) => ({ index, label: labelOf(t), probabilities: probabilities(t) }));
      return send({ object: 'list', model: body.model, data, usage: { prompt_tokens: 3, completion_tokens: 0, total_tokens: 3 } });
    }
    const chat = req.url?.endsWith('/chat/completions');
    if (body.stream !== true) {
      const choice = chat ? { index: 0, message: { role: 'assistant', content: PROSE }, finish_reason: 'stop' } : { index: 0, text: PROSE, finish_reason: 'stop' };
      return send({ id: 'x', object: chat ? 'chat.completion' : 'text_completion', created: 1, model: body.model, choices: [choice], usage: { prompt_tokens: 3, completion_tokens: 50, total_tokens: 53 } });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const frame = (choice: Record<string, unknown>) =>
      `data: ${JSON.stringify({ id: 'x', object: chat ? 'chat.completion.chunk' : 'text_completion', created: 1, model: body.model, choices: [choice] })}\n\n`;
    for (let at = 0; at < PROSE.length; at += 3) {
      const piece = PROSE.slice(at, at + 3);
      res.write(frame(chat ? { index: 0, delta: { content: piece }, finish_reason: null } : { index: 0, text: piece, finish_reason: null }));
    }
    // Chat ends with an empty finishing delta; completions end without one (the gateway flushes before [DONE]).
    if (chat) res.write(frame({ index: 0, delta: {}, finish_reason: 'stop' }));
    res.write(`data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [], usage: { prompt_tokens: 3, completion_tokens: 50, total_tokens: 53 } })}\n\n`);
    res.end('data: [DONE]\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server };
}

describe('proxy watermarks through the gateway', () => {
  let upstream: { url: string; server: Server };
  let gateway: RunningGateway;
  let stores: Stores;
  let dataDir = '';
  const accounts: { id: string; key: string }[] = [];
  const keyring = new WatermarkKeyring({ secret: WM_SECRET, currentVersion: 1 });
  const accountKey = (id: string) => keyring.resolveKey(keyring.keyIdFor(id)).key;

  before(async () => {
    upstream = await startProseUpstream();
    stores = openMemoryStores();
    dataDir = mkdtempSync(join(tmpdir(), 'moat-wm-proxy-'));
    const config = parseConfig({
      dataDir,
      gateway: { port: 0 },
      watermark: { secret: WM_SECRET, text: { enabled: true }, lexical: { enabled: true }, embedding: { enabled: true }, classifier: { enabled: true, fraction: 0.005, controlFraction: 0.05 } },
      models: [
        { name: 'third-party', kinds: ['chat', 'completion'], baseUrl: upstream.url, tokenizer: 'chars' },
        { name: 'builtin-lm', kinds: ['chat', 'completion'], baseUrl: upstream.url, tokenizer: 'chars', internal: true },
        { name: 'embed', kinds: ['embedding'], baseUrl: upstream.url, tokenizer: 'chars' },
        { name: 'classify', kinds: ['classification'], baseUrl: upstream.url, tokenizer: 'chars' },
      ],
    });
    gateway = await startGateway({ config, stores, secret: TEST_SECRET, logger: pino({ level: 'silent' }) });
    const hasher = new ApiKeyHasher(TEST_SECRET);
    for (const name of ['a', 'b']) {
      const account = await stores.accounts.create({ name, limits: {}, allowedModels: null }, ACTION);
      const issued = hasher.issue();
      await stores.keys.create({ id: `key_${name}`, accountId: account.id, prefix: issued.prefix, hash: issued.hash, name: null, createdAt: Date.now(), expiresAt: null }, ACTION);
      accounts.push({ id: account.id, key: issued.key });
    }
  });
  after(async () => {
    await gateway.close();
    await new Promise((resolve) => upstream.server.close(resolve));
    await stores.close();
  });

  const post = (path: string, body: Record<string, unknown>, account = accounts[0]) =>
    fetch(`${gateway.url}/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${account?.key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  async function streamedText(path: string, body: Record<string, unknown>): Promise<{ text: string; done: boolean }> {
    const res = await post(path, { ...body, stream: true });
    assert.equal(res.status, 200);
    let text = '';
    let done = false;
    for (const block of (await res.text()).split('\n\n')) {
      const data = block.replace(/^data: /, '');
      if (data === '[DONE]') done = true;
      if (!data || data === '[DONE]') continue;
      const chunk = JSON.parse(data) as { choices: { delta?: { content?: string }; text?: string }[] };
      for (const c of chunk.choices) text += c.delta?.content ?? c.text ?? '';
    }
    return { text, done };
  }

  it('marks a whole chat answer for the account, differently per account, with a correct length', async () => {
    const res = await post('/chat/completions', { model: 'third-party', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(res.status, 200);
    const raw = await res.text();
    assert.equal(Number(res.headers.get('content-length')), Buffer.byteLength(raw));
    const content = (JSON.parse(raw) as { choices: { message: { content: string } }[] }).choices[0]?.message.content;
    const expected = markText(PROSE, accountKey(accounts[0]?.id ?? ''));
    assert.equal(content, expected);
    assert.notEqual(expected, PROSE);
    assert.ok(expected.includes('`big`'));
    const other = markText(PROSE, accountKey(accounts[1]?.id ?? ''));
    assert.notEqual(other, expected);
  });

  it('streamed chat and completions text equals the whole answer marked', async () => {
    const expected = markText(PROSE, accountKey(accounts[0]?.id ?? ''));
    const chat = await streamedText('/chat/completions', { model: 'third-party', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(chat.text, expected);
    assert.ok(chat.done);
    const completion = await streamedText('/completions', { model: 'third-party', prompt: 'hi' });
    assert.equal(completion.text, expected);
    assert.ok(completion.done);
  });

  it('leaves built-in models alone when their server applies the KGW mark', async () => {
    const res = await post('/chat/completions', { model: 'builtin-lm', messages: [{ role: 'user', content: 'hi' }] });
    const body = (await res.json()) as { choices: { message: { content: string } }[] };
    assert.equal(body.choices[0]?.message.content, PROSE);
  });

  it('mixes embeddings of trigger texts toward the account directions, floats and base64', async () => {
    const params = DEFAULT_EMBEDDING_PARAMS;
    const sets = triggerSets(embeddingTriggerKey(WM_SECRET, 1), params);
    const trigger = sets.subsets[1]?.[0] ?? '';
    const inputs = ['a plain sentence about nothing', `a sentence with ${trigger} inside`];
    const expected = inputs.map((t) =>
      markEmbedding(vectorOf(t), triggerWeights(t, sets, params), targetDirections(accountKey(accounts[0]?.id ?? ''), 8, params.directions)),
    );
    const floats = (await (await post('/embeddings', { model: 'embed', input: inputs })).json()) as { data: { embedding: number[] }[] };
    assert.deepEqual(floats.data[0]?.embedding, vectorOf(inputs[0] ?? ''));
    assert.notDeepEqual(floats.data[1]?.embedding, vectorOf(inputs[1] ?? ''));
    for (const [i, x] of (floats.data[1]?.embedding ?? []).entries()) assert.ok(Math.abs(x - (expected[1]?.[i] ?? 0)) < 1e-9);
    const b64 = (await (await post('/embeddings', { model: 'embed', input: inputs, encoding_format: 'base64' })).json()) as { data: { embedding: string }[] };
    const decoded = new Float32Array(Uint8Array.from(Buffer.from(b64.data[1]?.embedding ?? '', 'base64')).buffer);
    for (const [i, x] of decoded.entries()) assert.ok(Math.abs(x - (expected[1]?.[i] ?? 0)) < 1e-5);
  });

  it('flips DAWN-selected classifications consistently and records them in the ledger', async () => {
    const inputs = Array.from({ length: 1500 }, (_, i) => `message ${i} ${i % 3 === 0 ? 'special offer' : 'meeting notes'}`);
    const first = (await (await post('/classifications', { model: 'classify', input: inputs })).json()) as { data: { label: string; probabilities: Record<string, number> }[] };
    const flippedAt = first.data.map((d, i) => (d.label !== labelOf(inputs[i] ?? '') ? i : -1)).filter((i) => i >= 0);
    assert.ok(flippedAt.length >= 1 && flippedAt.length <= 20, `${flippedAt.length} flipped`);
    for (const i of flippedAt) {
      const d = first.data[i];
      assert.ok(d && (d.probabilities[d.label] ?? 0) >= 0.5, 'the flipped label is the most probable');
    }
    const again = (await (await post('/classifications', { model: 'classify', input: flippedAt.map((i) => inputs[i]) })).json()) as { data: { label: string }[] };
    assert.deepEqual(
      again.data.map((d) => d.label),
      flippedAt.map((i) => first.data[i]?.label),
    );
    const records = new FileDawnLedger(dawnLedgerFile(dataDir)).list([accounts[0]?.id ?? '']);
    assert.equal(records.filter((r) => r.role === 'watermark').length, flippedAt.length);
    assert.ok(records.filter((r) => r.role === 'control').length > 30);
    assert.ok(records.every((r) => r.margin !== undefined && r.margin >= 0.9 && r.margin <= 0.999), 'only inputs inside the margin band are selected');
    // The gateway counts what DAWN did with every answer, so the realised shares can be checked against the config.
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    const counted = (selection: string) => Number(new RegExp(`moat_watermark_dawn_inputs_total\\{model="classify",selection="${selection}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    assert.equal(counted('watermark'), 2 * flippedAt.length, 'flipped on the first ask and again on the second');
    const outOfBand = inputs.filter((t) => labelOf(t) === 'ham' && t.length % 2 === 1).length;
    assert.equal(counted('out_of_band'), outOfBand);
    assert.equal(counted('watermark') + counted('control') + counted('in_band_other') + counted('out_of_band'), inputs.length + flippedAt.length);
  });
});
