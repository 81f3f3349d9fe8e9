import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MoatError } from '../../http/errors.ts';
import { KeyPool } from './key-pool.ts';

describe('KeyPool', () => {
  it('hands out keys round-robin', async () => {
    const pool = new KeyPool(['a', 'b', 'c']);
    const order = [];
    for (let i = 0; i < 6; i++) order.push((await pool.acquire()).secret);
    assert.deepEqual(order, ['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('skips a key in back-off while the others work, and takes it back when the back-off ends', async () => {
    const pool = new KeyPool(['a', 'b']);
    const a = await pool.acquire();
    pool.backOff(a.id, 60);
    const during = [(await pool.acquire()).secret, (await pool.acquire()).secret, (await pool.acquire()).secret];
    assert.deepEqual(during, ['b', 'b', 'b']);
    await new Promise((r) => setTimeout(r, 70));
    assert.deepEqual([(await pool.acquire()).secret, (await pool.acquire()).secret], ['a', 'b']);
  });

  it('waits when every key is in back-off', async () => {
    const pool = new KeyPool(['a']);
    pool.backOff(pool.keys[0].id, 80);
    const started = performance.now();
    await pool.acquire();
    assert.ok(performance.now() - started >= 75);
  });

  it('paces each key to its requests per minute', async () => {
    const pool = new KeyPool(['a', 'b'], { rpmPerKey: 1200 }); // one start per 50 ms per key
    const started = performance.now();
    const stamps: [string, number][] = [];
    for (let i = 0; i < 6; i++) {
      const k = await pool.acquire();
      stamps.push([k.secret, performance.now() - started]);
    }
    for (const key of ['a', 'b']) {
      const times = stamps.filter(([s]) => s === key).map(([, t]) => t);
      for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] >= 45, `${key}: starts ${times[i - 1].toFixed(0)} and ${times[i].toFixed(0)} ms`);
    }
    assert.ok(stamps[5][1] >= 95, 'six starts over two keys at 50 ms spacing take at least 100 ms');
  });

  it('retires rejected keys and names every reason once none is left', async () => {
    const retired: string[] = [];
    const pool = new KeyPool(['a', 'b'], { onRetire: (k, reason) => retired.push(`${k.label} ${reason}`) });
    pool.retire(pool.keys[0].id, '401 invalid key');
    assert.equal((await pool.acquire()).secret, 'b');
    pool.retire(pool.keys[1].id, '403 banned');
    await assert.rejects(pool.acquire(), (err: unknown) => err instanceof MoatError && err.code === 'unauthorized' && /k1: 401 invalid key; k2: 403 banned/.test(err.message));
    assert.deepEqual(retired, ['k1 401 invalid key', 'k2 403 banned']);
  });

  it('stops waiting when aborted', async () => {
    const pool = new KeyPool(['a']);
    pool.backOff(pool.keys[0].id, 10_000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 20);
    await assert.rejects(pool.acquire(controller.signal), /stop/);
  });

  it('refuses empty, repeated or no keys without echoing them', () => {
    assert.throws(() => new KeyPool([]), /at least one API key/);
    assert.throws(() => new KeyPool(['sk-1', ' ']), /API key 2 is empty/);
    assert.throws(() => new KeyPool(['sk-secret', 'x', 'sk-secret']), (err: Error) => /key 3 repeats key 1/.test(err.message) && !err.message.includes('sk-secret'));
    assert.throws(() => new KeyPool(['a'], { rpmPerKey: 0 }), /must be > 0/);
  });

  it('labels long keys by their last four characters and never stores the key in the id', () => {
    const [long, short] = new KeyPool(['sk-proj-abcdefghijkl9f3a', 'k']).keys;
    assert.equal(long.label, 'k1 …9f3a');
    assert.equal(short.label, 'k2');
    assert.match(long.id, /^[0-9a-f]{12}$/);
  });
});
