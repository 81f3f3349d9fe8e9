import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PAD_ID, splitWords, UNK_ID, WordVocab } from './word-vocab.ts';

const corpus = ['the cat sat', 'the cat ran!', 'The dog sat at http://x.test', 'a bird'];

test('splitWords keeps placeholders, contractions and punctuation as words', () => {
  assert.deepEqual(splitWords("Don't pay $5 at www.x.test!"), ["don't", 'pay', '$', '<num>', 'at', '<url>', '!']);
});

test('build keeps the most frequent words, ties by code-unit order, above minCount', () => {
  const vocab = WordVocab.build(corpus, { size: 6 });
  // 'ran', '!', 'dog' … occur once: below the default minCount of 2, so the vocabulary stops short of `size`.
  assert.deepEqual(vocab.toSpec().words, ['<pad>', '<unk>', 'the', 'cat', 'sat']);
  assert.equal(vocab.vocabSize, 5);
  assert.equal(WordVocab.build(corpus, { size: 4 }).toSpec().words.at(-1), 'cat');
  assert.deepEqual(WordVocab.build([...corpus].reverse(), { size: 6 }).toSpec(), vocab.toSpec());
});

test('encode maps unknown words to <unk>; decode and tokenText invert known ids', () => {
  const vocab = WordVocab.build(corpus, { size: 10, minCount: 1 });
  const ids = vocab.encode('The cat flew');
  assert.equal(ids.length, 3);
  assert.equal(ids[2], UNK_ID);
  assert.equal(vocab.decode([PAD_ID, ...ids.slice(0, 2), PAD_ID]), 'the cat');
  assert.throws(() => vocab.tokenText(10), RangeError);
  assert.throws(() => vocab.tokenText(-1), RangeError);
});

test('a vocabulary survives toSpec/fromSpec and rejects malformed specs', () => {
  const vocab = WordVocab.build(corpus, { size: 8, minCount: 1 });
  const copy = WordVocab.fromSpec(vocab.toSpec());
  assert.deepEqual(copy.encode('a bird sat'), vocab.encode('a bird sat'));
  assert.throws(() => WordVocab.fromSpec({ words: ['x', '<unk>'] }));
  assert.throws(() => WordVocab.fromSpec({ words: ['<pad>', '<unk>', 'a', 'a'] }));
});
