import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StopMatcher } from './stop-sequences.ts';

function feed(stops: string[], pieces: string[]): { released: string[][]; stoppedAt: number; text: string; flushed: string[] } {
  const m = new StopMatcher<number>(stops);
  const released: string[][] = [];
  let stoppedAt = -1;
  for (const [i, p] of pieces.entries()) {
    const r = m.push(p, i);
    released.push(r.release.map((x) => x.text));
    if (r.stopped) {
      stoppedAt = i;
      break;
    }
  }
  return { released, stoppedAt, text: m.text, flushed: m.flush().map((x) => x.text) };
}

describe('StopMatcher', () => {
  it('releases each token at once when nothing could start a stop string', () => {
    const r = feed(['\n\n'], ['a', 'b', 'c']);
    assert.deepEqual(r.released, [['a'], ['b'], ['c']]);
    assert.equal(r.stoppedAt, -1);
    assert.equal(r.text, 'abc');
  });

  it('holds back a possible stop prefix and releases it when the match fails', () => {
    const r = feed(['END'], ['x', 'E', 'N', 'o', 'y']);
    assert.deepEqual(r.released, [['x'], [], [], ['E', 'N', 'o'], ['y']]);
    assert.equal(r.text, 'xENoy');
  });

  it('ends before the stop string and drops the tokens in it', () => {
    const r = feed(['END'], ['a', 'E', 'N', 'D', 'z']);
    assert.equal(r.stoppedAt, 3);
    assert.deepEqual(r.released.flat(), ['a']);
    assert.equal(r.text, 'a');
    assert.deepEqual(r.flushed, []);
  });

  it('cuts a multi-character token that straddles the stop string', () => {
    const r = feed(['\nUser:'], ['hello', ' there\nUs', 'er: hi']);
    assert.equal(r.stoppedAt, 2);
    assert.deepEqual(r.released.flat(), ['hello', ' there']);
    assert.equal(r.text, 'hello there');
  });

  it('picks the earliest of several stop strings', () => {
    const r = feed(['bc', 'abcd'], ['a', 'b', 'c', 'd']);
    assert.equal(r.text, 'a');
  });

  it('flushes held text when the sequence ends for another reason', () => {
    const r = feed(['END'], ['a', 'E', 'N']);
    assert.deepEqual(r.flushed, ['E', 'N']);
  });
});
