import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MoatError } from '../../http/errors.ts';
import { corpusPrompts } from './corpus-source.ts';
import { parsePromptFile } from './file-source.ts';
import { loadSource, parseSourceSpec } from './sources.ts';
import { syntheticPrompts } from './synthetic-source.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-sources-'));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('prompt sources', () => {
  it('parses JSONL with prompt, input or messages, and reports every bad line by number', () => {
    const text = [
      '{"prompt": "Call me Ishmael."}',
      '',
      '{"input": "free money", "id": 7}',
      '{"messages": [{"role": "user", "content": "hi"}]}',
      '{"prompt": ""}',
      'not json',
      '{"prompt": "a", "input": "b"}',
      '{"messages": [{"role": "robot", "content": "x"}]}',
      '[1, 2]',
    ].join('\n');
    const { items, bad } = parsePromptFile(text, 'jsonl', 'text');
    assert.deepEqual(items, [{ text: 'Call me Ishmael.' }, { text: 'free money' }, { messages: [{ role: 'user', content: 'hi' }] }]);
    assert.deepEqual(bad.map((b) => b.line), [5, 6, 7, 8, 9]);
    assert.match(bad[0].reason, /prompt: must not be empty/);
    assert.match(bad[1].reason, /not valid JSON/);
    assert.match(bad[2].reason, /exactly one of "prompt", "input" or "messages"/);
    assert.match(bad[3].reason, /^messages\.0\.role: /);
    const forClassifier = parsePromptFile('{"messages": [{"role": "user", "content": "hi"}]}\n', 'jsonl', 'classifier');
    assert.match(forClassifier.bad[0].reason, /"messages" needs --modality text/);
  });

  it('reads plain text one prompt per line, skipping blank lines (CRLF too)', () => {
    assert.deepEqual(parsePromptFile('first\r\n\r\n  second  \n', 'text', 'text').items, [{ text: 'first' }, { text: '  second  ' }]);
  });

  it('refuses a file with bad lines naming them, and a missing file', async () => {
    const path = join(dir, 'bad.jsonl');
    await writeFile(path, '{"prompt":"ok"}\n{oops\n');
    await assert.rejects(loadSource({ kind: 'file', path }, { modality: 'text', seed: 1 }), (err: unknown) => err instanceof MoatError && err.code === 'invalid_request' && /1 bad line .*\n {2}line 2: not valid JSON/.test(err.message));
    await assert.rejects(loadSource({ kind: 'file', path: join(dir, 'none.txt') }, { modality: 'text', seed: 1 }), /cannot read the prompt file/);
    const good = join(dir, 'good.txt');
    await writeFile(good, 'a\nb\nc\n');
    const loaded = await loadSource({ kind: 'file', path: good }, { modality: 'text', seed: 1, count: 2 });
    assert.deepEqual(loaded.items, [{ text: 'a' }, { text: 'b' }]);
    assert.equal(loaded.identity.file, good);
  });

  it('parses source specs and rejects unknown ones with the choices', () => {
    assert.deepEqual(parseSourceSpec('corpus:sotu'), { kind: 'corpus', corpus: 'sotu' });
    assert.deepEqual(parseSourceSpec('file:/x/y.jsonl'), { kind: 'file', path: '/x/y.jsonl' });
    assert.deepEqual(parseSourceSpec('synthetic'), { kind: 'synthetic' });
    assert.throws(() => parseSourceSpec('corpus:wiki'), /unknown corpus 'wiki': choose one of moby-dick, sotu, spam/);
    assert.throws(() => parseSourceSpec('http://x'), /use file:PATH, corpus:moby-dick/);
  });

  it('cuts seeded, distinct, word-aligned Moby-Dick spans', () => {
    const a = corpusPrompts('moby-dick', { count: 50, seed: 3 });
    assert.deepEqual(corpusPrompts('moby-dick', { count: 50, seed: 3 }), a, 'same seed, same prompts');
    assert.notDeepEqual(corpusPrompts('moby-dick', { count: 50, seed: 4 }), a);
    const texts = a.map((p) => ('text' in p ? p.text : ''));
    assert.equal(new Set(texts).size, 50);
    for (const t of texts) {
      assert.ok(t.length >= 20 && t.length <= 240, `span of ${t.length} chars`);
      assert.equal(t, t.trim());
      assert.doesNotMatch(t, /\s{2,}|\n/);
    }
  });

  it('draws SOTU passages of 48 words', () => {
    const passages = corpusPrompts('sotu', { count: 5, seed: 1 });
    assert.equal(passages.length, 5);
    for (const p of passages) assert.equal('text' in p && p.text.split(' ').length, 48);
  });

  it('makes seeded synthetic prompts per modality, a mix of spam-like and ordinary messages for classifiers', () => {
    const text = syntheticPrompts('text', 40, 1);
    assert.equal(text.length, 40);
    assert.deepEqual(syntheticPrompts('text', 40, 1), text);
    assert.equal(new Set(text.map((p) => ('text' in p ? p.text : ''))).size, 40);
    const mails = syntheticPrompts('classifier', 40, 1).map((p) => ('text' in p ? p.text : ''));
    const spammy = mails.filter((m) => /free|prize|cash|win/i.test(m)).length;
    assert.ok(spammy >= 8 && spammy <= 32, `${spammy} of 40 look like spam`);
    assert.ok(mails.every((m) => !m.includes('{')), 'every placeholder is filled');
  });
});
