import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TtlCache } from './lookup-cache.ts';

describe('TtlCache', () => {
  it('serves a hit until the entry expires, then loads again', async () => {
    const cache = new TtlCache<string, number>(100);
    let loads = 0;
    const load = async () => ++loads;
    assert.equal(await cache.get('a', 1000, load), 1);
    assert.equal(await cache.get('a', 1099, load), 1);
    assert.equal(await cache.get('a', 1100, load), 2);
  });

  it('caches nothing with a zero TTL', async () => {
    const cache = new TtlCache<string, number>(0);
    let loads = 0;
    await cache.get('a', 1, async () => ++loads);
    await cache.get('a', 1, async () => ++loads);
    assert.equal(loads, 2);
  });

  it('evicts the oldest entry beyond its size bound', async () => {
    const cache = new TtlCache<string, string>(10_000, 2);
    let loads = 0;
    const load = (v: string) => async () => {
      loads++;
      return v;
    };
    await cache.get('a', 0, load('a'));
    await cache.get('b', 0, load('b'));
    await cache.get('c', 0, load('c'));
    await cache.get('b', 0, load('b'));
    assert.equal(loads, 3);
    await cache.get('a', 0, load('a'));
    assert.equal(loads, 4);
  });
});
