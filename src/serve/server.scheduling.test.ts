import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import type { LogitsProcessor, ProcessorRequest } from './logits-processors.ts';
import { startFixtureServer } from './testing/fixture-server.ts';

const slow = { model: 'test-lm-slow', prompt: 'Call me' };

describe('model server scheduling', () => {
  it('a short request finishes while a long generation is still streaming', async () => {
    const s = await startFixtureServer();
    try {
      const long = await s.client.completions.create({ ...slow, max_tokens: 250, stream: true });
      const iterator = long[Symbol.asyncIterator]();
      await iterator.next(); // the long one is generating
      const t0 = performance.now();
      const short = await s.client.completions.create({ ...slow, max_tokens: 5 });
      const shortMs = performance.now() - t0;
      let longTokensAfterShort = 0;
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) longTokensAfterShort += r.value.choices[0]?.text.length ?? 0;
      assert.equal(short.choices[0].text.length, 5);
      assert.ok(longTokensAfterShort > 150, `the long request had only ${longTokensAfterShort} tokens left when the short one ended`);
      assert.ok(shortMs < 250, `short request took ${shortMs.toFixed(0)} ms next to a 250-token generation`);
    } finally {
      await s.close();
    }
  });

  it('refuses generation beyond serve.maxQueue with 429 server_overloaded', async () => {
    const s = await startFixtureServer({ maxQueue: 2 });
    try {
      const aborts = [new AbortController(), new AbortController()];
      const busy = await Promise.all(aborts.map((a) => s.client.completions.create({ ...slow, max_tokens: 300, stream: true }, { signal: a.signal })));
      await Promise.all(busy.map((b) => b[Symbol.asyncIterator]().next()));
      await assert.rejects(
        () => s.client.completions.create({ ...slow, max_tokens: 5 }),
        (err: unknown) => err instanceof OpenAI.RateLimitError && err.code === 'server_overloaded',
      );
      for (const a of aborts) a.abort();
    } finally {
      await s.close(100);
    }
  });

  it('stops generating when the client disconnects', async () => {
    let steps = 0;
    const counting: LogitsProcessor = () => {
      steps++;
    };
    const s = await startFixtureServer({}, { selectLogitsProcessors: () => [counting] });
    try {
      const abort = new AbortController();
      const res = await fetch(`${s.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...slow, max_tokens: 300, stream: true }),
        signal: abort.signal,
      });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      abort.abort();
      await new Promise((r) => setTimeout(r, 30));
      const atDisconnect = steps;
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(atDisconnect < 100, `${atDisconnect} steps ran before the disconnect was noticed`);
      assert.equal(steps, atDisconnect, 'no tokens are generated after the disconnect');
    } finally {
      await s.close();
    }
  });

  it('hands x-moat-watermark-key to the processor selector only when the caller is trusted', async () => {
    const seen: ProcessorRequest[] = [];
    const forceZ: LogitsProcessor = (ctx, logits) => {
      if (ctx.requestKey === 'key-1') logits['z'.charCodeAt(0) - 31] += 1000;
    };
    const select = (request: ProcessorRequest) => {
      seen.push(request);
      return [forceZ];
    };
    const trusted = await startFixtureServer({}, { trustInternalHeaders: true, selectLogitsProcessors: select });
    const untrusted = await startFixtureServer({}, { selectLogitsProcessors: select });
    try {
      const headers = { 'x-moat-watermark-key': 'key-1' };
      const a = await trusted.client.completions.create({ model: 'test-lm', prompt: 'Call', max_tokens: 4 }, { headers });
      const b = await untrusted.client.completions.create({ model: 'test-lm', prompt: 'Call', max_tokens: 4, seed: 1 }, { headers });
      const c = await trusted.client.chat.completions.create({ model: 'test-lm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }, { headers });
      assert.equal(a.choices[0].text, 'zzzz');
      assert.notEqual(b.choices[0].text, 'zzzz');
      assert.equal(c.choices[0].message.content, 'zzz');
      assert.deepEqual(seen, [
        { model: 'test-lm', route: 'completions', requestKey: 'key-1' },
        { model: 'test-lm', route: 'completions', requestKey: undefined },
        { model: 'test-lm', route: 'chat.completions', requestKey: 'key-1' },
      ]);
    } finally {
      await Promise.all([trusted.close(), untrusted.close()]);
    }
  });

  it('close() lets a running stream finish and refuses new connections', async () => {
    const s = await startFixtureServer();
    const stream = await s.client.completions.create({ ...slow, max_tokens: 60, stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    let text = (await iterator.next()).value?.choices[0]?.text ?? '';
    const closing = s.close(5_000);
    let finish: string | null | undefined;
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      text += r.value.choices[0]?.text ?? '';
      finish = r.value.choices[0]?.finish_reason ?? finish;
    }
    await closing;
    assert.equal(text.length, 60);
    assert.equal(finish, 'length');
    await assert.rejects(() => fetch(`${s.url}/v1/models`));
  });
});
