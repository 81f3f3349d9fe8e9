import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createEmbedder } from './embedder.ts';
import { cosine } from './hashed-embedder.ts';
import { ModelPromptEmbedder } from './model-embedder.ts';

describe('ModelPromptEmbedder (built-in embedder model)', () => {
  test('unit vectors in the model dimensions, null for empty prompts, related prompts closer than unrelated', async () => {
    const embedder = await ModelPromptEmbedder.load('models/embedder-student-s');
    const [a, b, c, empty] = await embedder.embed([
      'How should the government reduce taxes for working families?',
      'What tax cuts would help working families the most?',
      'Describe the mating habits of deep sea octopus.',
      '  ',
    ]);
    assert.ok(a && b && c);
    assert.equal(empty, null);
    assert.equal(a.length, embedder.dims);
    assert.ok(embedder.dims <= 256, 'within the detectors’ embedding bound');
    assert.ok(Math.abs(cosine(a, a) - 1) < 1e-4);
    assert.ok(cosine(a, b) > cosine(a, c), `related ${cosine(a, b)} vs unrelated ${cosine(a, c)}`);
  });

  test('the detection config selects it; a directory without an embedder is refused', async () => {
    const embedder = await createEmbedder({ kind: 'model', modelDir: 'models/embedder-student-s', dims: 96, seed: 1 });
    assert.ok(embedder instanceof ModelPromptEmbedder);
    await assert.rejects(ModelPromptEmbedder.load('models/classifier-student-s'), /not an embedder/);
  });
});
