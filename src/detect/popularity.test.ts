import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPublicPrompt, PromptPopularity, PUBLIC_PROMPT_ACCOUNTS } from './popularity.ts';

test('PromptPopularity: counts the other accounts that sent a prompt verbatim before, not the same account again', () => {
  const p = new PromptPopularity();
  const item = 'The following is a multiple choice question about history. … Answer:';
  assert.equal(p.observe('a', item), 0, 'first sender');
  assert.equal(p.observe('a', item), 0, 'the same account re-running its item is not popularity');
  assert.equal(p.observe('b', item), 1);
  assert.equal(p.observe('c', item), 2);
  assert.equal(p.observe('d', item), 3);
  assert.equal(p.observe('b', item), 3, 'b again: a, c, d sent it too');
  assert.equal(p.observe('x', `${item} (changed)`), 0, 'exact text only, never by meaning');
  assert.equal(p.observe('x', ''), 0);
  for (let i = 0; i < 20; i++) p.observe(`u${i}`, 'thanks!');
  assert.equal(p.observe('z', 'thanks!'), 8, 'capped at 8 accounts');
});

test('PromptPopularity: bounded — the oldest prompt is forgotten first', () => {
  const p = new PromptPopularity(100);
  p.observe('a', 'oldest');
  p.observe('b', 'oldest');
  for (let i = 0; i < 150; i++) p.observe('a', `prompt ${i}`);
  assert.equal(p.size, 100);
  assert.equal(p.observe('c', 'oldest'), 0, 'evicted, so it starts over');
});

test('isPublicPrompt: from PUBLIC_PROMPT_ACCOUNTS other accounts; absent means unknown (not public)', () => {
  assert.equal(PUBLIC_PROMPT_ACCOUNTS, 3);
  assert.equal(isPublicPrompt({}), false);
  assert.equal(isPublicPrompt({ sharedBy: 2 }), false);
  assert.equal(isPublicPrompt({ sharedBy: 3 }), true);
});
