import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { harvestActively } from './active-harvest.ts';
import { classifierUncertainty, createActiveSelector, disagreement, entropy, marginUncertainty } from './active-selector.ts';
import { type Harness, startHarness } from './testing/harness.ts';
import type { PromptItem } from './types.ts';

describe('uncertainty measures', () => {
  it('entropy, margin and disagreement have their textbook values', () => {
    assert.equal(entropy([1, 0]), 0);
    assert.ok(Math.abs(entropy([0.5, 0.5]) - Math.LN2) < 1e-12);
    assert.ok(entropy([0.5, 0.5]) > entropy([0.9, 0.1]));
    assert.equal(marginUncertainty([0.5, 0.5]), 1);
    assert.ok(Math.abs(marginUncertainty([0.1, 0.7, 0.2]) - 0.5) < 1e-12);
    assert.equal(disagreement([1, 0], [0, 1]), 1);
    assert.equal(disagreement([0.3, 0.7], [0.3, 0.7]), 0);
  });
});

describe('ActiveSelector', () => {
  // A stand-in student: P(spam) rises with the number of "!" — texts with one "!" are the ones it is unsure about.
  const student = (texts: readonly string[]) =>
    texts.map((t) => {
      const p = 1 / (1 + Math.exp(-3 * (t.split('!').length - 2)));
      return [1 - p, p];
    });
  const pool: PromptItem[] = ['plain a', 'plain b', 'one! a', 'one! b', 'two!! a', 'three!!! a', 'one! c', 'plain c'].map((text) => ({ text }));

  it('picks the inputs the student is least sure about, never twice', async () => {
    const selector = createActiveSelector({ score: classifierUncertainty(student, 'entropy') });
    const first = await selector.selectNext(pool, 3);
    assert.deepEqual(first.map((i) => ('text' in i ? i.text : '')).sort(), ['one! a', 'one! b', 'one! c']);
    const second = await selector.selectNext(pool, 3);
    assert.equal(second.filter((i) => first.includes(i)).length, 0);
    assert.equal(selector.selected, 6);
    assert.equal((await selector.selectNext(pool, 10)).length, 2, 'only what is left');
    assert.deepEqual(await selector.selectNext(pool, 10), []);
  });

  it('mixes in random picks when asked to explore, reproducibly', async () => {
    const pick = async (seed: number) => (await createActiveSelector({ score: classifierUncertainty(student, 'margin'), explore: 0.5, seed }).selectNext(pool, 4)).map((i) => ('text' in i ? i.text : ''));
    const a = await pick(1);
    assert.deepEqual(await pick(1), a);
    assert.equal(a.filter((t) => t.startsWith('one!')).length >= 2, true, 'half the batch still goes to the most uncertain');
  });

  it('refuses a scorer that returns the wrong number of scores or non-finite ones', async () => {
    await assert.rejects(createActiveSelector({ score: () => [1] }).selectNext(pool, 2), /returned 1 scores for 8 inputs/);
    await assert.rejects(createActiveSelector({ score: (xs) => xs.map(() => Number.NaN) }).selectNext(pool, 2), /must be finite/);
  });
});

describe('harvestActively', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('harvests round by round from the teacher, letting the student learn between rounds', async () => {
    const items: PromptItem[] = ['win a free prize', 'hello team', 'cash offer now', 'lunch on monday', 'free cash', 'the build failed'].map((text) => ({ text }));
    const session = await h.open({ source: { kind: 'synthetic' }, count: 1, modality: 'classifier', model: 'test-spam', out: join(h.dir, 'active') });
    // The student memorises the teacher's answers: a text it has learnt is certain, an unseen one maximally uncertain.
    const learnt = new Map<string, number[]>();
    const selector = createActiveSelector({ score: classifierUncertainty((texts) => texts.map((t) => learnt.get(t) ?? [0.5, 0.5])) });
    const rounds: string[][] = [];
    const summaries = await harvestActively(session.harvester, {
      selector,
      pool: items,
      batchSize: 2,
      rounds: 5,
      run: { concurrency: 2 },
      afterRound: (_round, batch) => {
        rounds.push(batch.map((i) => ('text' in i ? i.text : '')));
        for (const r of session.store.reader.records('classifier')) learnt.set(r.record.input, Object.values(r.record.probabilities));
      },
    });
    const total = session.store.reader.count('classifier', { runId: session.runId });
    await session.close();
    assert.equal(summaries.length, 3, 'the pool of 6 is used up after 3 rounds of 2');
    assert.equal(new Set(rounds.flat()).size, 6);
    assert.equal(total, 6);
    assert.ok(summaries.every((s) => s.harvested === 2 && s.runId === session.runId));
  });
});
