import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadSotuSpeeches } from '../../ml/data/sotu.ts';
import { ksUniform } from '../stats.ts';
import { lexicalSlots, scoreLexical } from './detect.ts';
import { LexicalMarker, markText } from './marker.ts';
import { buildSynonymTable, synonymTable } from './synonyms.ts';

const keyOf = (name: string) => createHash('sha256').update(name).digest();
const speeches = loadSotuSpeeches();
/** ~40 k words of real prose, plenty of slots. */
const prose = speeches
  .slice(-6)
  .map((s) => s.text)
  .join('\n\n');

function randomChunks(text: string, seed: number): string[] {
  const chunks: string[] = [];
  let at = 0;
  let state = seed;
  while (at < text.length) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const size = 1 + (state % 9);
    chunks.push(text.slice(at, at + size));
    at += size;
  }
  return chunks;
}

describe('lexical watermark', () => {
  it('the shipped table is non-trivial and each word is in one group', () => {
    const table = synonymTable();
    assert.ok(table.groups.length >= 80, `${table.groups.length} groups`);
    for (const g of table.groups) assert.ok(Math.abs(g.weights.reduce((s, w) => s + w, 0) - 1) < 1e-9);
  });

  it('marks in the keyed member, keeping case, and leaves code, glued words and articles alone', () => {
    const table = buildSynonymTable([
      [
        ['big', 1],
        ['large', 1],
      ],
    ]);
    const texts = ['big', 'Big', 'BIG', 'a big', '`big`', 'big_x', 'file.big', 'x big-y'];
    const marked = texts.map((t) => markText(t, keyOf('k'), table));
    const chosen = marked[0];
    assert.ok(chosen === 'big' || chosen === 'large');
    assert.equal(marked[1], chosen.charAt(0).toUpperCase() + chosen.slice(1));
    assert.equal(marked[2], chosen.toUpperCase());
    assert.deepEqual(marked.slice(3), ['a big', '`big`', 'big_x', 'file.big', 'x big-y']);
  });

  it('changes a few percent of words at most and keeps the text length in words', () => {
    const marked = markText(prose, keyOf('account-1'));
    const before = prose.split(/\s+/);
    const after = marked.split(/\s+/);
    assert.equal(after.length, before.length);
    const changed = before.filter((w, i) => w !== after[i]).length;
    assert.ok(changed > 20 && changed / before.length < 0.03, `${changed} of ${before.length} words changed`);
  });

  it('streamed marking equals whole-text marking for any chunking, holding back at most one word', () => {
    const text = prose.slice(0, 6_000);
    for (const seed of [1, 2, 3]) {
      const key = keyOf(`stream-${seed}`);
      const marker = new LexicalMarker(key);
      let out = '';
      let fed = '';
      for (const chunk of randomChunks(text, seed)) {
        fed += chunk;
        out += marker.push(chunk);
        // Everything but the word in progress is out, and it is what whole-text marking writes.
        const whole = markText(fed, key);
        assert.ok(whole.startsWith(out) && /^[A-Za-z]*$/.test(whole.slice(out.length)), `held back ${JSON.stringify(whole.slice(out.length))}`);
      }
      out += marker.flush();
      assert.equal(out, markText(text, key));
    }
  });

  it('detects marked text and not unmarked text', () => {
    const key = keyOf('detect');
    const sample = prose.slice(0, 15_000);
    const marked = scoreLexical(lexicalSlots([markText(sample, key)]).slots, key);
    const clean = scoreLexical(lexicalSlots([sample]).slots, key);
    assert.ok(marked.pValue < 1e-6, `marked p = ${marked.pValue}`);
    assert.ok(clean.pValue > 0.01, `clean p = ${clean.pValue}`);
    assert.equal(marked.hits, marked.scored);
  });

  it('null p-values over 150 independent keys are uniform-ish (KS)', () => {
    const slots = lexicalSlots([prose]).slots;
    const pValues = Array.from({ length: 150 }, (_, i) => scoreLexical(slots, keyOf(`null-${i}`)).pValue);
    const ks = ksUniform(pValues);
    assert.ok(ks.pValue > 0.01, `KS p = ${ks.pValue}, D = ${ks.d}`);
    assert.ok(pValues.filter((p) => p < 0.01).length <= 5);
  });

  it('names the account among 10 whose marked text was reused', () => {
    const accounts = Array.from({ length: 10 }, (_, i) => keyOf(`acct-${i}`));
    const leaked = 6;
    const texts = speeches.slice(-12, -8).map((s) => markText(s.text.slice(0, 6000), accounts[leaked] as Buffer));
    const slots = lexicalSlots(texts).slots;
    const scores = accounts.map((k) => scoreLexical(slots, k).z);
    const best = scores.indexOf(Math.max(...scores));
    assert.equal(best, leaked);
  });
});
