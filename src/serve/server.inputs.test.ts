import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHashedEmbedder } from './testing/hashed-embedder.ts';
import { type FixtureServer, startFixtureServer } from './testing/fixture-server.ts';

let s: FixtureServer;
before(async () => {
  s = await startFixtureServer();
});
after(() => s.close());

interface Classification {
  object: string;
  model: string;
  data: { index: number; label: string; probabilities: Record<string, number> }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

async function classify(input: string | string[]): Promise<{ status: number; body: Classification }> {
  const res = await fetch(`${s.url}/v1/classifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'test-spam', input }),
  });
  return { status: res.status, body: (await res.json()) as Classification };
}

const reference = createHashedEmbedder('ref', 32);

describe('POST /v1/embeddings through the openai SDK', () => {
  it('returns the model embeddings (the SDK asks for base64 and decodes it)', async () => {
    const texts = ['free cash now', 'the whale swims', 'the whale sings'];
    const r = await s.client.embeddings.create({ model: 'test-embed', input: texts });
    assert.equal(r.data.length, 3);
    const expected = reference.embed(texts);
    for (const [i, d] of r.data.entries()) {
      assert.equal(d.index, i);
      assert.deepEqual(d.embedding, Array.from(expected[i]));
    }
    assert.equal(r.usage.prompt_tokens, 9);
    assert.equal(r.usage.total_tokens, 9);
  });

  it('serves float and base64 encodings of the same vector', async () => {
    const float = await s.client.embeddings.create({ model: 'test-embed', input: 'a b c', encoding_format: 'float' });
    const raw = await fetch(`${s.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test-embed', input: 'a b c', encoding_format: 'base64' }),
    });
    const b64 = ((await raw.json()) as { data: { embedding: string }[] }).data[0].embedding;
    const bytes = Buffer.from(b64, 'base64');
    const decoded = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    assert.deepEqual(decoded, float.data[0].embedding);
    const norm = Math.hypot(...decoded);
    assert.ok(Math.abs(norm - 1) < 1e-5);
  });
});

describe('POST /v1/classifications', () => {
  it('labels each input with class probabilities that sum to 1', async () => {
    const { status, body } = await classify(['WIN a FREE prize, click now', 'see you at lunch tomorrow']);
    assert.equal(status, 200);
    assert.equal(body.object, 'list');
    assert.deepEqual(body.data.map((d) => d.label), ['spam', 'ham']);
    for (const d of body.data) {
      assert.deepEqual(Object.keys(d.probabilities), ['ham', 'spam']);
      assert.ok(Math.abs(d.probabilities.ham + d.probabilities.spam - 1) < 1e-9);
    }
    assert.ok(body.data[0].probabilities.spam > 0.9);
    assert.deepEqual(body.usage, { prompt_tokens: 11, completion_tokens: 0, total_tokens: 11 });
  });

  it('accepts a single string and refuses the wrong model family', async () => {
    const one = await classify('hello');
    assert.equal(one.body.data.length, 1);
    const wrong = await fetch(`${s.url}/v1/classifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test-embed', input: 'x' }),
    });
    assert.equal(wrong.status, 400);
  });
});

describe('concurrent input requests', () => {
  it('answers 60 concurrent classification and 60 embedding requests, each with its own result', async () => {
    const texts = Array.from({ length: 60 }, (_, i) => `message ${i} ${i % 3 === 0 ? 'free cash prize' : 'meeting notes'}`);
    const [classes, embeds] = await Promise.all([
      Promise.all(texts.map((t) => classify(t))),
      Promise.all(texts.map((t) => s.client.embeddings.create({ model: 'test-embed', input: t }))),
    ]);
    const expected = reference.embed(texts);
    for (const [i, c] of classes.entries()) {
      assert.equal(c.status, 200);
      assert.equal(c.body.data[0].label, i % 3 === 0 ? 'spam' : 'ham', texts[i]);
      assert.deepEqual(embeds[i].data[0].embedding, Array.from(expected[i]));
    }
  });
});
