import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { initEngine } from './engine/init.ts';
import { ModelFileError } from './engine/io.ts';
import { LM_SIZES } from './models/lm/config.ts';
import { CharLm } from './models/lm/model.ts';
import { CharTokenizer } from './models/lm/tokenizer.ts';
import { loadBuiltinModels, loadModel, saveModel } from './registry.ts';

let dir: string;
before(async () => {
  await initEngine();
  dir = await mkdtemp(join(tmpdir(), 'moat-registry-'));
  const tok = CharTokenizer.fromText('abc def');
  for (const name of ['lm-a', 'lm-b']) {
    const lm = new CharLm({ vocabSize: tok.vocabSize, ...LM_SIZES.tiny }, tok, 'tiny', 1);
    await saveModel(lm, join(dir, name));
    lm.dispose();
  }
  await mkdir(join(dir, 'not-a-model'));
  await writeFile(join(dir, 'README.md'), 'models live here');
});
after(() => rm(dir, { recursive: true, force: true }));

test('loadBuiltinModels loads every model directory, or the named ones, and skips the rest', async () => {
  const all = await loadBuiltinModels(dir);
  assert.deepEqual(all.map((m) => m.model.info.name), ['moat-lm-a', 'moat-lm-b']);
  const some = await loadBuiltinModels(dir, ['lm-b']);
  assert.deepEqual(some.map((m) => m.model.info.name), ['moat-lm-b']);
  await assert.rejects(loadBuiltinModels(dir, ['moat-lm-c']), /no model 'moat-lm-c' in .* \(available: lm-a, lm-b\)/);
});

test('loadModel names the file and the problem for an unknown family or a bad spec', async () => {
  const bad = join(dir, 'bad');
  await mkdir(bad);
  await writeFile(join(bad, 'weights.bin'), Buffer.alloc(0));
  const write = (meta: unknown) =>
    writeFile(join(bad, 'model.json'), JSON.stringify({ format: 'moat-tensors/1', meta, weightsFile: 'weights.bin', weightsBytes: 0, tensors: [] }));
  await write({ family: 'vision', size: 'tiny', spec: {} });
  await assert.rejects(loadModel(bad), (e: unknown) => e instanceof ModelFileError && /bad\/model\.json: not a Moat model: family/.test(e.message));
  await write({ family: 'lm', size: 'tiny', spec: { config: { vocabSize: 3 } } });
  await assert.rejects(loadModel(bad), (e: unknown) => e instanceof ModelFileError && /bad lm spec: config\.contextLength/.test(e.message));
  await write({ family: 'lm', size: 'tiny', spec: { config: { ...LM_SIZES.tiny, vocabSize: 3 }, vocabulary: ['a', 'b'] } });
  await assert.rejects(loadModel(bad), (e: unknown) => e instanceof ModelFileError && /missing tensor 'tok_emb'/.test(e.message));
});
