import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openHarvestStore } from '../distill/harvest/store.ts';
import { type DistillFixture, startDistillFixture } from '../distill/train/testing/fixtures.ts';
import { captureIO } from './capture-io.test-helpers.ts';
import { type HarvestArgs, harvestCommand } from './distill-harvest.ts';
import { ExitError } from './io.ts';

let fx: DistillFixture;
let base: HarvestArgs;
before(async () => {
  fx = await startDistillFixture(['classifier']);
  base = {
    teacher: fx.url,
    key: 'k1,k2',
    model: 'test-spam',
    modality: 'classifier',
    source: 'corpus:spam',
    count: '40',
    active: true,
    activeBatch: '5',
    activeRounds: '2',
    activeSteps: '20',
    studentSize: 'tiny',
    out: join(fx.dir, 'active'),
  };
});
after(() => fx.close());

async function harvestedInputs(out: string): Promise<string[]> {
  const store = await openHarvestStore(out);
  try {
    return [...store.reader.records('classifier')].map((r) => r.record.input);
  } finally {
    store.close();
  }
}

describe('moat distill harvest --active', () => {
  it('pays for rounds × batch distinct pool inputs, reports each round, and a rerun pays nothing', async () => {
    const io = captureIO(true);
    const summary = await harvestCommand(base, io);
    assert.equal(summary.paid, 10);
    assert.equal(summary.paidTotal, 10);
    assert.equal(summary.total, 10);
    assert.match(io.err(), /round 1\/2: 5 picked, 5 paid/);
    assert.match(io.err(), /round 1: student trained on 5 answers/);
    assert.match(io.err(), /round 2\/2: 5 picked, 5 paid/);
    const inputs = await harvestedInputs(base.out as string);
    assert.equal(new Set(inputs).size, 10, 'round 2 picked inputs other than round 1');
    const report = JSON.parse(io.out()) as { paid: number; ledger: { total: { paid: number } } };
    assert.equal(report.ledger.total.paid, 10);

    const again = captureIO(true);
    const rerun = await harvestCommand(base, again);
    assert.equal(rerun.paid, 0);
    assert.equal(rerun.cacheHits, 10);
    assert.equal(rerun.paidTotal, 10);
    assert.deepEqual(new Set(await harvestedInputs(base.out as string)), new Set(inputs));
  });

  it('stops at --budget exactly, over rounds', async () => {
    const io = captureIO(true);
    const summary = await harvestCommand({ ...base, activeRounds: '4', budget: '7', out: join(fx.dir, 'budget') }, io);
    assert.equal(summary.paidTotal, 7);
    assert.equal((await harvestedInputs(join(fx.dir, 'budget'))).length, 7);
    assert.doesNotMatch(io.err(), /round 3/);
  });

  it('rejects bad combinations with exit 2', async () => {
    const io = captureIO(true);
    const exitsWith = (args: HarvestArgs, pattern: RegExp) =>
      assert.rejects(harvestCommand(args, io), (err: unknown) => err instanceof ExitError && err.exitCode === 2 && pattern.test(err.message));
    await exitsWith({ ...base, modality: 'text', model: 'test-lm' }, /--active needs --modality classifier/);
    await exitsWith({ ...base, modality: 'embedding' }, /'embedding' has no uncertainty score/);
    await exitsWith({ ...base, active: undefined }, /--active-batch, --active-rounds, --active-steps, --student-size only apply with --active/);
    await exitsWith({ ...base, studentSize: 'teacher' }, /--student-size must be one of tiny|student-s|student-m/);
    await exitsWith({ ...base, activeBatch: '0' }, /--active-batch must be a whole number ≥ 1/);
    await exitsWith({ ...base, activeExplore: '1.5' }, /--active-explore must be a number in \[0, 1\]/);
  });
});
