import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { TeacherTransport } from './http-transport.ts';
import { buildTeacherRequest, itemSeed, type TeacherParams } from './teacher-requests.ts';
import { parseTeacherResponse } from './teacher-responses.ts';

const params = (over: Partial<TeacherParams> = {}): TeacherParams => ({
  teacher: 'http://t/v1',
  model: 'm',
  modality: 'text',
  textApi: 'auto',
  logprobs: 2,
  maxTokens: 4,
  temperature: 1,
  seed: 1,
  ...over,
});

const reason = (p: TeacherParams, body: unknown) => {
  const parsed = parseTeacherResponse(buildTeacherRequest({ text: 'hi' }, p), typeof body === 'string' ? body : JSON.stringify(body));
  return parsed.ok ? 'ok' : parsed.reason;
};

describe('teacher requests', () => {
  it('builds each modality’s body; the key is never part of it', () => {
    const completion = buildTeacherRequest({ text: 'hi' }, params());
    assert.equal(completion.path, '/completions');
    const seedHi = itemSeed(1, { text: 'hi' });
    assert.deepEqual(completion.body, { model: 'm', max_tokens: 4, temperature: 1, seed: seedHi, prompt: 'hi', logprobs: 2 });
    const chatItem = { messages: [{ role: 'user' as const, content: 'hi' }] };
    const chat = buildTeacherRequest(chatItem, params());
    assert.equal(chat.path, '/chat/completions');
    assert.deepEqual(chat.body, { model: 'm', max_tokens: 4, temperature: 1, seed: itemSeed(1, chatItem), messages: [{ role: 'user', content: 'hi' }], logprobs: true, top_logprobs: 2 });
    assert.equal('logprobs' in buildTeacherRequest({ text: 'hi' }, params({ logprobs: 0 })).body, false);
    assert.deepEqual(buildTeacherRequest({ text: 'hi' }, params({ modality: 'embedding' })).body, { model: 'm', input: 'hi', encoding_format: 'float' });
    assert.equal(buildTeacherRequest({ text: 'hi' }, params({ modality: 'classifier' })).path, '/classifications');
    assert.throws(() => buildTeacherRequest({ messages: [{ role: 'user', content: 'x' }] }, params({ modality: 'classifier' })), /no single input text/);
    assert.notEqual(completion.hash, buildTeacherRequest({ text: 'hi' }, params({ textApi: 'chat' })).hash);
  });

  it('gives each prompt its own seed, stable across runs and different per run seed', () => {
    const seeds = ['a', 'b', 'c', 'd'].map((text) => buildTeacherRequest({ text }, params()).body.seed);
    assert.equal(new Set(seeds).size, 4, 'different prompts, different seeds');
    assert.deepEqual(seeds, ['a', 'b', 'c', 'd'].map((text) => buildTeacherRequest({ text }, params()).body.seed), 'reproducible');
    assert.notEqual(buildTeacherRequest({ text: 'a' }, params({ seed: 2 })).body.seed, seeds[0]);
    for (const s of seeds) assert.ok(Number.isInteger(s) && (s as number) >= 0 && (s as number) < 2 ** 31);
  });
});

describe('teacher responses', () => {
  const legacy = (tokenLogprobs: number[], top: Record<string, number>[] | null = [{ a: -0.1, b: -2 }]) => ({
    choices: [{ text: 'a', finish_reason: 'length', logprobs: { tokens: ['a'], token_logprobs: tokenLogprobs, top_logprobs: top } }],
    usage: { prompt_tokens: 2, completion_tokens: 1 },
  });

  it('parses legacy completions logprobs into ordered top-k entries with usage', () => {
    const parsed = parseTeacherResponse(buildTeacherRequest({ text: 'hi' }, params()), JSON.stringify(legacy([-0.1], [{ b: -2, a: -0.1 }])));
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.usage, { promptTokens: 2, completionTokens: 1 });
    assert.deepEqual(parsed.record, {
      modality: 'text',
      prompt: 'hi',
      messages: null,
      completion: 'a',
      finishReason: 'length',
      logprobs: [{ token: 'a', logprob: -0.1, top: [{ token: 'a', logprob: -0.1 }, { token: 'b', logprob: -2 }] }],
    });
  });

  it('says precisely why a text answer is malformed', () => {
    assert.match(reason(params(), 'nope'), /^response is not JSON/);
    assert.equal(reason(params(), [1, 2]), 'response is not a JSON object');
    assert.equal(reason(params(), { choices: [] }), 'choices: Too small: expected array to have >=1 items');
    assert.match(reason(params(), { choices: [{ text: 3 }] }), /^choices\.0\.text: /);
    assert.equal(reason(params(), { choices: [{ text: 'a' }] }), 'logprobs were requested (top 2) but the response has none');
    assert.equal(reason(params({ logprobs: 0 }), { choices: [{ text: 'a' }] }), 'ok');
    assert.match(reason(params(), legacy([0.2])), /logprob of token 0 is 0.2/);
    assert.match(reason(params(), legacy([-0.1], [{ a: 1.5 }])), /top logprob of 'a' at token 0 is 1.5/);
    assert.match(reason(params(), { choices: [{ text: 'a', logprobs: { tokens: ['a'], token_logprobs: [] } }] }), /tokens has 1 entries but token_logprobs has 0/);
    const chat = params({ textApi: 'chat' });
    assert.match(reason(chat, { choices: [{ message: { content: null } }] }), /content is null/);
    assert.equal(reason(chat, { choices: [{ message: { content: 'x' }, logprobs: { content: [{ token: 'x', logprob: -1, top_logprobs: [] }] } }] }), 'ok');
  });

  it('checks embeddings and class probabilities', () => {
    const emb = params({ modality: 'embedding' });
    assert.equal(reason(emb, { data: [{ embedding: [0.6, 0.8] }] }), 'ok');
    assert.match(reason(emb, { data: [{ embedding: 'AAAA' }] }), /^data\.0\.embedding: /);
    assert.match(reason(emb, { data: [] }), /^data: /);
    const cls = params({ modality: 'classifier' });
    assert.equal(reason(cls, { data: [{ label: 'spam', probabilities: { ham: 0.2, spam: 0.8 } }] }), 'ok');
    assert.equal(reason(cls, { data: [{ label: 'spam', probabilities: { ham: 0.5, spam: 0.8 } }] }), 'probabilities sum to 1.300000, not 1');
    assert.match(reason(cls, { data: [{ label: 'x', probabilities: { ham: 0.2, spam: 0.8 } }] }), /label 'x' is not one of the classes/);
    assert.match(reason(cls, { data: [{ label: 'ham', probabilities: { ham: 1.2, spam: -0.2 } }] }), /probability of 'ham' is 1.2/);
  });
});

describe('TeacherTransport', () => {
  it('reports a timeout when the teacher never answers, and a network error when nothing listens', async () => {
    const hanging = createServer(() => {});
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    const port = (hanging.address() as AddressInfo).port;
    const transport = new TeacherTransport(`http://127.0.0.1:${port}/v1`, { connections: 1, timeoutMs: 100 });
    const started = performance.now();
    const result = await transport.post('/completions', {}, 'k');
    assert.equal(result.kind, 'timeout');
    assert.ok(performance.now() - started >= 95);
    await transport.close();
    hanging.closeAllConnections();
    await new Promise((r) => hanging.close(r));
    const refused = new TeacherTransport('http://127.0.0.1:9/v1', { connections: 1, timeoutMs: 1000 });
    const down = await refused.post('/completions', {}, 'k');
    assert.equal(down.kind, 'network');
    assert.match(down.kind === 'network' ? down.message : '', /ECONNREFUSED/);
    await refused.close();
  });

  it('cuts off a response larger than the limit', async () => {
    const big = createServer((_req, res) => res.end('x'.repeat(10_000)));
    await new Promise<void>((r) => big.listen(0, '127.0.0.1', r));
    const transport = new TeacherTransport(`http://127.0.0.1:${(big.address() as AddressInfo).port}`, { connections: 1, timeoutMs: 1000, maxResponseBytes: 1000 });
    const result = await transport.post('/x', {}, 'k');
    assert.equal(result.kind, 'network');
    assert.match(result.kind === 'network' ? result.message : '', /exceeded 1000 bytes/);
    await transport.close();
    big.closeAllConnections();
    await new Promise((r) => big.close(r));
  });
});
