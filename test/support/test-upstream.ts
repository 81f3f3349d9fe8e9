/**
 * A small OpenAI-compatible upstream for gateway tests: real HTTP on loopback, deterministic answers with `usage`,
 * SSE streams with a pause between chunks, and switches to make it fail, hang or cut a stream.
 */
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UpstreamBehaviour {
  /** Milliseconds before answering. */
  delayMs: number;
  /** Milliseconds between stream chunks. */
  chunkDelayMs: number;
  /** Words a completion contains (one stream chunk each). */
  words: number;
  /** Answer every request with this status and an error body. */
  failWith: number | null;
  /** Never answer (for timeout tests). */
  hang: boolean;
}

export interface TestUpstream {
  url: string;
  behaviour: UpstreamBehaviour;
  /** Bodies received, newest last. */
  received: { path: string; headers: IncomingMessage['headers']; body: Record<string, unknown> }[];
  /** How many requests are being answered right now, and the most at once. */
  inFlight: number;
  maxInFlight: number;
  close(): Promise<void>;
}

export async function startTestUpstream(overrides: Partial<UpstreamBehaviour> = {}): Promise<TestUpstream> {
  const state: TestUpstream = {
    url: '',
    behaviour: { delayMs: 0, chunkDelayMs: 5, words: 5, failWith: null, hang: false, ...overrides },
    received: [],
    inFlight: 0,
    maxInFlight: 0,
    close: async () => {},
  };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    state.received.push({ path: req.url ?? '', headers: req.headers, body });
    const b = state.behaviour;
    if (b.hang) return;
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    res.on('close', () => state.inFlight--);
    if (b.delayMs) await sleep(b.delayMs);
    if (b.failWith) {
      res.writeHead(b.failWith, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'upstream failure for tests', type: 'server_error', code: null } }));
      return;
    }
    const model = String(body.model);
    const words = Array.from({ length: b.words }, (_, i) => `w${i}`);
    const promptTokens = 7;
    if (req.url?.endsWith('/embeddings')) {
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      return json(res, { object: 'list', model, data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: [0.6, 0.8] })), usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } });
    }
    if (req.url?.endsWith('/classifications')) {
      return json(res, { object: 'list', model, data: [{ index: 0, label: 'ham', probabilities: { ham: 0.9, spam: 0.1 } }], usage: { prompt_tokens: promptTokens, completion_tokens: 0, total_tokens: promptTokens } });
    }
    const chat = req.url?.endsWith('/chat/completions');
    if (body.stream !== true) {
      const text = words.join(' ');
      const choice = chat ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' } : { index: 0, text, finish_reason: 'stop' };
      return json(res, { id: 'cmpl-test', object: chat ? 'chat.completion' : 'text_completion', created: 1, model, choices: [choice], usage: { prompt_tokens: promptTokens, completion_tokens: words.length, total_tokens: promptTokens + words.length } });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const [i, word] of words.entries()) {
      if (res.destroyed) return;
      const piece = i === 0 ? word : ` ${word}`;
      const choice = chat ? { index: 0, delta: { content: piece }, finish_reason: null } : { index: 0, text: piece, finish_reason: null };
      res.write(`data: ${JSON.stringify({ id: 'cmpl-test', object: chat ? 'chat.completion.chunk' : 'text_completion', created: 1, model, choices: [choice] })}\n\n`);
      await sleep(b.chunkDelayMs);
    }
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    if (includeUsage) {
      res.write(`data: ${JSON.stringify({ id: 'cmpl-test', object: 'chat.completion.chunk', created: 1, model, choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: words.length, total_tokens: promptTokens + words.length } })}\n\n`);
    }
    res.end('data: [DONE]\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

function json(res: import('node:http').ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
