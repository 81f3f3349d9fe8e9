import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CharTokenizer, UNK_ID } from './tokenizer.ts';

test('encode/decode round-trips text made of known characters', () => {
  const tok = CharTokenizer.fromText('Call me Ishmael. Some years ago—never mind how long precisely');
  const text = 'Some long mail. Ishmael—ago.';
  const ids = tok.encode(text);
  assert.equal(ids.length, [...text].length);
  assert.ok(ids.every((id) => id > 0 && id < tok.vocabSize));
  assert.equal(tok.decode(ids), text);
});

test('unknown and rare characters map to <unk>, which decodes as U+FFFD', () => {
  const tok = CharTokenizer.fromText('aaab', 2);
  assert.equal(tok.vocabSize, 2);
  assert.deepEqual(tok.encode('abz'), [1, UNK_ID, UNK_ID]);
  assert.equal(tok.decode(tok.encode('abz')), 'a\uFFFD\uFFFD');
});

test('ids are ordered by code point, so the same corpus always gives the same vocabulary', () => {
  const a = CharTokenizer.fromText('zebra');
  const b = CharTokenizer.fromText('arbez');
  assert.deepEqual(a.chars, ['a', 'b', 'e', 'r', 'z']);
  assert.deepEqual(a.chars, b.chars);
});

test('tokenText names each id and rejects ids outside the vocabulary', () => {
  const tok = new CharTokenizer(['x', 'y']);
  assert.equal(tok.tokenText(2), 'y');
  assert.throws(() => tok.tokenText(3), RangeError);
  assert.throws(() => tok.tokenText(-1), RangeError);
  assert.throws(() => tok.tokenText(1.5), RangeError);
  assert.throws(() => new CharTokenizer(['x', 'x']), /duplicate/);
});
