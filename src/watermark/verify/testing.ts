/**
 * Test helper: a fake suspect API whose completions come from the bigram fixture LM, optionally marked with a KGW
 * key (standing in for a student that learned the mark), with switches for rate limits, garbage and outages.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRng } from '../../serve/rng.ts';
import { sampleNext } from '../../serve/sampler.ts';
import { createBigramLm } from '../../serve/testing/bigram-lm.ts';
import { kgwProcessor } from '../text/kgw.ts';

export interface FakeSuspectOptions {
  /** KGW key the answers are marked with (none: an independent model). */
  markKey?: Buffer;
  delta?: number;
  /** Every n-th request answers 429 with this Retry-After (seconds) before being served on retry. */
  rateLimitEvery?: number;
  retryAfterSeconds?: number;
  /** Every n-th probe (by prompt) answers 200 with a body that is not JSON. */
  garbageEvery?: number;
  /** Once this many completions were served, close the connection on every request. */
  failAfter?: number;
}

export interface FakeSuspect {
  url: string;
  /** Completions served (not counting 429s and failures). */
  served: number;
  /** Milliseconds between each 429 and the next request. */
  waitsAfter429: number[];
  /** What the last completion request carried (for tests of the client's flags). */
  last: { authorization?: string; maxTokens?: number };
  options: FakeSuspectOptions;
  close(): Promise<void>;
}

export async function startFakeSuspect(options: FakeSuspectOptions = {}): Promise<FakeSuspect> {
  const lm = createBigramLm();
  const processors = options.markKey ? [kgwProcessor(options.markKey, lm.tokenizer, { gamma: 0.25, delta: options.delta ?? 2, contextWidth: 1 })] : [];
  let requests = 0;
  let last429 = 0;
  const state: FakeSuspect = { url: '', served: 0, waitsAfter429: [], last: {}, options, close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (last429) {
      state.waitsAfter429.push(Date.now() - last429);
      last429 = 0;
    }
    const o = state.options;
    if (o.failAfter !== undefined && state.served >= o.failAfter) return void res.socket?.destroy();
    requests++;
    if (o.rateLimitEvery && requests % o.rateLimitEvery === 0) {
      last429 = Date.now();
      res.writeHead(429, { 'retry-after': String(o.retryAfterSeconds ?? 1), 'content-type': 'application/json' });
      return void res.end('{"error":{"message":"slow down"}}');
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { prompt: string; max_tokens: number };
    state.last = { authorization: req.headers.authorization, maxTokens: body.max_tokens };
    const digest = createHash('sha256').update(body.prompt).digest();
    if (o.garbageEvery && digest.readUInt32LE(4) % o.garbageEvery === 0) {
      state.served++;
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end('<html>oops</html>');
    }
    const rng = createRng(digest.readUInt32LE(0));
    const tokens = lm.tokenizer.encode(body.prompt);
    const start = tokens.length;
    for (let step = 0; step < body.max_tokens; step++) {
      const [logits] = lm.nextLogits([tokens]);
      tokens.push(sampleNext(logits, { temperature: 1, topP: 1, logitBias: new Map(), processors, topLogprobs: 0 }, { tokens, step }, rng).token);
    }
    state.served++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'text_completion', choices: [{ index: 0, text: lm.tokenizer.decode(tokens.slice(start)), finish_reason: 'length' }] }));
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
