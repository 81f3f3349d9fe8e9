import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createBigramLm } from '../../serve/testing/bigram-lm.ts';
import { createCharTokenizer } from '../../serve/testing/char-tokenizer.ts';
import { WatermarkKeyring } from '../keys.ts';
import { ksUniform, summarise } from '../stats.ts';
import { detectText, distinctPairs, rawScore, scorePairs } from './detect.ts';
import { greenMask, kgwProcessor, kgwSelector } from './kgw.ts';
import { sampleTexts } from './testing.ts';

const PARAMS = { gamma: 0.25, delta: 2, contextWidth: 1 };
const tokenizer = createCharTokenizer();
const texts = Array.from({ length: tokenizer.vocabSize }, (_, id) => tokenizer.tokenText(id));

test('the processor adds δ to exactly the green tokens of the context, about γ of the vocabulary', () => {
  const key = randomBytes(32);
  const processor = kgwProcessor(key, tokenizer, PARAMS);
  const tokens = tokenizer.encode('the whale');
  const logits = new Float32Array(tokenizer.vocabSize);
  processor({ tokens, step: 0 }, logits);
  const mask = greenMask(key, ['e'], texts, PARAMS.gamma);
  for (let id = 0; id < logits.length; id++) assert.equal(logits[id], mask[id] === 1 ? 2 : 0);
  let total = 0;
  for (const ctx of texts) total += greenMask(key, [ctx], texts, PARAMS.gamma).reduce((s, v) => s + v, 0);
  const fraction = total / (texts.length * texts.length);
  assert.ok(Math.abs(fraction - 0.25) < 0.02, `green fraction ${fraction}`);
  // Another key, another list; the same key, the same list.
  assert.notDeepEqual(greenMask(randomBytes(32), ['e'], texts, 0.25), mask);
  assert.deepEqual(greenMask(key, ['e'], texts, 0.25), mask);
  // Not enough context (width 2 after one token): untouched.
  const wide = kgwProcessor(key, tokenizer, { ...PARAMS, contextWidth: 2 });
  const untouched = new Float32Array(tokenizer.vocabSize);
  wide({ tokens: [5], step: 0 }, untouched);
  assert.ok(untouched.every((x) => x === 0));
});

test('the selector marks only requests whose key id resolves', () => {
  const ring = new WatermarkKeyring({ secret: 's'.repeat(40), currentVersion: 1 });
  const unresolved: string[] = [];
  const select = kgwSelector({ keyring: ring, params: PARAMS, tokenizerOf: () => tokenizer, onUnresolvedKey: (id) => unresolved.push(id) });
  assert.equal(select({ model: 'm', route: 'completions' }).length, 0);
  assert.equal(select({ model: 'm', route: 'completions', requestKey: ring.keyIdFor('acct_a') }).length, 1);
  const foreign = new WatermarkKeyring({ secret: 'f'.repeat(40), currentVersion: 1 }).keyIdFor('acct_a');
  assert.equal(select({ model: 'm', route: 'completions', requestKey: foreign }).length, 0);
  assert.equal(select({ model: 'm', route: 'completions', requestKey: foreign }).length, 0);
  assert.deepEqual(unresolved, [foreign]); // reported once, not per request
});

test('detection: marked text has a tiny p-value, unmarked text and wrong keys do not', () => {
  const lm = createBigramLm();
  const key = randomBytes(32);
  const marked = sampleTexts(lm, [kgwProcessor(key, lm.tokenizer, PARAMS)], 60, 80);
  const plain = sampleTexts(lm, [], 60, 80);
  const hit = detectText(marked, key, PARAMS);
  assert.ok(hit.pValue < 1e-6, `marked p = ${hit.pValue} (z ${hit.z}, green ${hit.greenFraction})`);
  assert.ok(hit.greenFraction > 0.35);
  assert.ok(detectText(plain, key, PARAMS).pValue > 1e-3);
  assert.ok(detectText(marked, randomBytes(32), PARAMS).pValue > 1e-3);
});

test('null calibration: deduplicated p-values over 200 independent keys are uniform; raw counts are not', () => {
  const lm = createBigramLm();
  const plain = sampleTexts(lm, [], 60, 80, 7);
  const pairs = distinctPairs(plain, 1);
  const pValues: number[] = [];
  const rawZ: number[] = [];
  for (let i = 0; i < 200; i++) {
    const key = randomBytes(32);
    pValues.push(scorePairs(pairs, key, 0.25).pValue);
    if (i < 40) rawZ.push(rawScore(plain, key, PARAMS).z);
  }
  // ~2,400 distinct pairs: the binomial tail is fine-grained enough for a KS check against U(0, 1).
  const falseAlarms = pValues.filter((p) => p < 0.01).length;
  assert.ok(falseAlarms <= 6, `${falseAlarms} of 200 below 0.01`);
  const ks = ksUniform(pValues);
  assert.ok(ks.pValue > 0.001, `KS D = ${ks.d}, p = ${ks.pValue}`);
  // Raw counts: the same text's z swings far beyond N(0, 1) with the key (the "measured ahead" warning).
  assert.ok(summarise(rawZ).sd > 2, `raw z sd ${summarise(rawZ).sd}`);
});
