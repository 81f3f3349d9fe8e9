import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cosine, HashedNgramEmbedder } from './hashed-embedder.ts';

describe('HashedNgramEmbedder', () => {
  const embedder = new HashedNgramEmbedder({ dims: 96, seed: 7 });

  test('vectors are unit length, deterministic, and null for empty text', async () => {
    const [a, b, empty] = await embedder.embed(['Explain the causes of the French Revolution.', 'Explain the causes of the French Revolution.', '   ']);
    assert.ok(a && b);
    assert.equal(empty, null);
    assert.equal(a.length, 96);
    assert.ok(Math.abs(cosine(a, a) - 1) < 1e-5);
    assert.deepEqual([...a], [...b]);
    const other = new HashedNgramEmbedder({ dims: 96, seed: 8 }).embedOne('Explain the causes of the French Revolution.');
    assert.notDeepEqual([...a], [...(other ?? [])], 'the seed changes the projection');
  });

  test('shared wording is closer than unrelated text', () => {
    const base = embedder.embedOne('Translate to French: the cat sat on the mat')!;
    const templated = embedder.embedOne('Translate to French: the dog sat on the rug')!;
    const unrelated = embedder.embedOne('What is the derivative of x squared times sine x?')!;
    assert.ok(cosine(base, templated) > 0.6, `templated ${cosine(base, templated)}`);
    assert.ok(cosine(base, unrelated) < 0.35, `unrelated ${cosine(base, unrelated)}`);
    assert.ok(cosine(base, templated) > cosine(base, unrelated) + 0.3);
  });

  test('whitespace and case do not matter; very long prompts are bounded', () => {
    const a = embedder.embedOne('Hello   World')!;
    const b = embedder.embedOne('hello world')!;
    assert.ok(cosine(a, b) > 0.999);
    const long = 'lorem ipsum '.repeat(10_000);
    const started = performance.now();
    assert.ok(embedder.embedOne(long));
    assert.ok(performance.now() - started < 50);
  });
});
