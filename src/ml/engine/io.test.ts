import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from './init.ts';
import { loadTensors, ModelFileError, saveTensors } from './io.ts';
import { normalInit, ParamSet } from './params.ts';
import { createRng } from './rng.ts';

let dir: string;
before(async () => {
  await initEngine({ backend: 'wasm' });
  dir = await mkdtemp(join(tmpdir(), 'moat-io-'));
});
after(() => rm(dir, { recursive: true, force: true }));

function sampleParams(): ParamSet {
  const params = new ParamSet();
  const rng = createRng(3);
  params.add('emb', normalInit(rng, [5, 3], 0.02));
  params.add('head.b', tf.tensor([0, -0, 1e-40, 3.4e38, -1.5], [5]));
  return params;
}

test('save/load round-trips float32 and int32 tensors bit-exactly, with metadata', async () => {
  const params = sampleParams();
  const ids = tf.tensor([1, -2, 2147483647], [3], 'int32');
  const out = join(dir, 'roundtrip');
  await saveTensors(out, { family: 'lm', config: { d: 3 } }, [...params.entries(), ['ids', ids]]);
  const loaded = await loadTensors(out);
  assert.deepEqual(loaded.meta, { family: 'lm', config: { d: 3 } });
  for (const [name, v] of [...params.entries(), ['ids', ids] as [string, tf.Tensor]]) {
    const t = loaded.tensors.get(name);
    assert.ok(t, name);
    assert.equal(t.dtype, v.dtype);
    assert.deepEqual(t.shape, v.shape);
    const a = new Uint8Array((v.dataSync() as Float32Array).buffer.slice(0));
    const b = new Uint8Array((t.dataSync() as Float32Array).buffer.slice(0));
    assert.deepEqual(b, a, `${name} bytes`);
  }
  const copy = sampleParams();
  copy.get('emb').assign(tf.zerosLike(copy.get('emb')));
  copy.assign(loaded.tensors, 'model.json');
  assert.deepEqual(copy.get('emb').dataSync(), params.get('emb').dataSync());
  tf.dispose([...loaded.tensors.values(), ids]);
  params.dispose();
  copy.dispose();
});

test('loading names the file and the problem', async () => {
  const params = sampleParams();
  const out = join(dir, 'broken');
  await saveTensors(out, {}, params.entries());

  await assert.rejects(loadTensors(join(dir, 'nowhere')), (err: unknown) => {
    assert.ok(err instanceof ModelFileError);
    assert.match(err.message, /nowhere\/model\.json: file not found/);
    return true;
  });

  const bin = join(out, 'weights.bin');
  const bytes = await readFile(bin);
  await truncate(bin, bytes.byteLength - 4);
  await assert.rejects(loadTensors(out), /weights\.bin: size mismatch: .* says 80 bytes, the file has 76/);
  await writeFile(bin, bytes);

  const other = new ParamSet();
  other.add('emb', tf.zeros([5, 3]));
  other.add('missing.w', tf.zeros([2]));
  const loaded = await loadTensors(out);
  assert.throws(() => other.assign(loaded.tensors, join(out, 'model.json')), /model\.json: missing tensor 'missing\.w'/);
  const wrongShape = new ParamSet();
  wrongShape.add('emb', tf.zeros([3, 5]));
  assert.throws(() => wrongShape.assign(loaded.tensors, 'model.json'), /'emb' has shape \[5,3\], the model expects \[3,5\]/);

  await writeFile(join(out, 'model.json'), '{"format": "moat-tensors/1", ');
  await assert.rejects(loadTensors(out), /model\.json: bad JSON/);
  await writeFile(join(out, 'model.json'), '{"format": "something-else"}');
  await assert.rejects(loadTensors(out), /model\.json: not a moat-tensors\/1 file: format/);
  tf.dispose([...loaded.tensors.values()]);
  params.dispose();
  other.dispose();
  wrongShape.dispose();
});
