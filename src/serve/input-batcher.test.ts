import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MoatError } from '../http/errors.ts';
import { InputBatcher } from './input-batcher.ts';

function lengths(calls: string[][]) {
  return (texts: readonly string[]) => {
    calls.push([...texts]);
    return texts.map((t) => t.length);
  };
}

describe('InputBatcher', () => {
  it('answers requests made in the same turn with one model call, each getting its own rows', async () => {
    const batcher = new InputBatcher({ maxQueue: 100 });
    const model = {};
    const calls: string[][] = [];
    const results = await Promise.all([
      batcher.run(model, ['a', 'bb'], lengths(calls)),
      batcher.run(model, ['ccc'], lengths(calls)),
      batcher.run(model, ['dddd', 'e'], lengths(calls)),
    ]);
    assert.deepEqual(results, [[1, 2], [3], [4, 1]]);
    assert.deepEqual(calls, [['a', 'bb', 'ccc', 'dddd', 'e']]);
  });

  it('keeps models apart and cuts batches at maxBatchTexts', async () => {
    const batcher = new InputBatcher({ maxQueue: 100, maxBatchTexts: 3 });
    const callsA: string[][] = [];
    const callsB: string[][] = [];
    const [a, b] = await Promise.all([
      batcher.run({ name: 'a' }, ['1', '22', '333', '4444', '5'], lengths(callsA)),
      batcher.run({ name: 'b' }, ['x'], lengths(callsB)),
    ]);
    assert.deepEqual(a, [1, 2, 3, 4, 1]);
    assert.deepEqual(b, [1]);
    assert.deepEqual(callsA, [['1', '22', '333'], ['4444', '5']]);
    assert.deepEqual(callsB, [['x']]);
  });

  it('rejects the requests of a failing batch and keeps working', async () => {
    const batcher = new InputBatcher({ maxQueue: 100 });
    const model = {};
    await assert.rejects(
      batcher.run(model, ['a'], () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.deepEqual(await batcher.run(model, ['ab'], lengths([])), [2]);
  });

  it('refuses with server_overloaded when maxQueue requests are waiting', async () => {
    const batcher = new InputBatcher({ maxQueue: 2 });
    const model = {};
    const waiting = [batcher.run(model, ['a'], lengths([])), batcher.run(model, ['b'], lengths([]))];
    assert.throws(() => batcher.run(model, ['c'], lengths([])), (err: unknown) => err instanceof MoatError && err.code === 'server_overloaded');
    await Promise.all(waiting);
    assert.deepEqual(await batcher.run(model, ['c'], lengths([])), [1]);
  });
});
