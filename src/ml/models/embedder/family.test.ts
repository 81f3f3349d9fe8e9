import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { initEngine } from '../../engine/init.ts';
import { createRng } from '../../engine/rng.ts';
import { loadModel, saveModel } from '../../registry.ts';
import { warmupCosine } from '../../train/schedule.ts';
import { train } from '../../train/train.ts';
import { EMBEDDER_SIZES, embedderParameterCount } from './config.ts';
import { createEmbedderFamily } from './family.ts';
import type { EmbedderData, PassageSource } from './sotu-corpus.ts';
import { asTextEmbedder } from './text-embedder.ts';

/** Sources that each favour their own 3 topic words among shared filler, so passages of a source look alike. */
function toySources(count: number, seed: number, offset: number): PassageSource[] {
  const rng = createRng(seed);
  const filler = ['the', 'of', 'and', 'to', 'we', 'our', 'is', 'in'];
  return Array.from({ length: count }, (_, s) => {
    const topic = [0, 1, 2].map((i) => `topic${(offset + s) * 3 + i}`);
    const passages = Array.from({ length: 6 }, () =>
      Array.from({ length: 12 }, () => (rng.next() < 0.4 ? topic[rng.int(3)] : filler[rng.int(filler.length)])).join(' '),
    );
    return { key: `source ${offset + s}`, passages };
  });
}

const data: EmbedderData = {
  train: toySources(24, 1, 0),
  validation: toySources(6, 2, 24),
  test: toySources(6, 3, 30),
  description: { corpus: 'toy' },
};
const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

test('a tiny embedder learns from InfoNCE pairs, gives unit-norm vectors, and round-trips through the registry', async () => {
  await initEngine();
  const family = createEmbedderFamily(() => data);
  const network = await family.create('tiny', 1, 'moat-embedder-toy');
  const plan = await family.prepareTraining(network, 1);
  const losses: number[] = [];
  const { steps, lr, warmup } = plan.defaults;
  await train({
    model: network,
    batches: plan.batches,
    steps,
    lr: warmupCosine({ peak: lr, warmup, total: steps }),
    seed: 1,
    callbacks: { onStep: (s) => losses.push(s.loss) },
  });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(losses.slice(-10)) < mean(losses.slice(0, 10)) * 0.8, `InfoNCE ${mean(losses.slice(0, 10))} → ${mean(losses.slice(-10))}`);
  assert.equal(network.params.count(), embedderParameterCount(EMBEDDER_SIZES.tiny));
  // Held-out sources use topic words never seen in training (<unk> to the model), so held-out recall stays low here;
  // the report must still be complete and ordered.
  const report = plan.finalReport();
  assert.equal(report.testQueries, 36);
  assert.ok(report.testRecallAt10 >= report.testRecallAt5 && report.testRecallAt5 >= report.testRecallAt1);
  assert.ok(report.tfidfRecallAt1 > report.chanceRecallAt1, 'topic words make TF-IDF beat chance');

  const embedder = asTextEmbedder(network);
  const texts = [data.train[0].passages[0], data.train[0].passages[1], data.train[5].passages[0], '', 'unseen words only'];
  const vectors = embedder.embed(texts);
  assert.equal(vectors.length, texts.length);
  for (const v of vectors) {
    assert.equal(v.length, embedder.dimensions);
    const norm = Math.sqrt(cosine(v, v));
    assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
  }
  assert.ok(cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2]), 'two passages of a source should be closer than another source');

  const dir = await mkdtemp(join(tmpdir(), 'moat-embedder-'));
  try {
    await saveModel(network, dir, 'moat-embedder-toy');
    const loaded = await loadModel(dir);
    assert.equal(loaded.family, 'embedder');
    if (loaded.family !== 'embedder') return;
    assert.equal(loaded.model.info.name, 'moat-embedder-toy');
    assert.deepEqual(loaded.model.embed(texts), vectors);
  } finally {
    network.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});
