import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createBigramLm } from '../../serve/testing/bigram-lm.ts';
import { ksUniform } from '../stats.ts';
import { detectText } from './detect.ts';
import { kgwProcessor } from './kgw.ts';
import { referenceResiduals, type ScoredText } from './reference-residuals.ts';
import { log10NormalUpperTail, ResidualTable, scoreResiduals } from './residual-test.ts';
import { sampleTexts } from './testing.ts';

const GAMMA = 0.25;
const lm = createBigramLm();
// sampleTexts prompts with `Prompt ${n}: ` and samples at temperature 1.
const withPrompts = (completions: string[]): ScoredText[] => completions.map((completion, n) => ({ prompt: `Prompt ${n}: `, completion }));

function residualScore(completions: string[], key: Buffer, width = 1) {
  const table = referenceResiduals(lm, withPrompts(completions), width, 1);
  return scoreResiduals(table.weights(), table.positions, key, GAMMA);
}

test('a weak mark gives far more evidence when every position is weighed against the reference than deduplicated', () => {
  // A fixed key: the margin over the deduplicated test varies with the key (z ratio 1.25–1.9 over random keys), and
  // a test that draws a fresh key each run failed once in CI at a ratio of 1.25 against an additive margin of 3.
  const key = createHash('sha256').update('residual-test/weak-mark').digest();
  const marked = sampleTexts(lm, [kgwProcessor(key, lm.tokenizer, { gamma: GAMMA, delta: 0.5, contextWidth: 1 })], 60, 80, 3);
  const dedup = detectText(marked, key, { gamma: GAMMA, contextWidth: 1 });
  const residual = residualScore(marked, key);
  assert.ok(residual.positions === 60 * 79, `${residual.positions} positions`);
  assert.ok(residual.pValue < 1e-6, `residual p ${residual.pValue} (z ${residual.z})`);
  assert.ok(residual.boundPValue < 1e-3, `Bernstein bound ${residual.boundPValue}`);
  assert.ok(residual.z > dedup.z * 1.2, `residual z ${residual.z} vs deduplicated z ${dedup.z}`);
  assert.ok(residual.observedGreen > residual.expectedGreen);
  // Another key sees nothing in the same text.
  assert.ok(residualScore(marked, randomBytes(32)).pValue > 1e-3);
});

test('null: unmarked text under 200 independent keys gives uniform p-values, the bound is never below the normal p', () => {
  const plain = sampleTexts(lm, [], 60, 80, 11);
  const table = referenceResiduals(lm, withPrompts(plain), 1, 1);
  const weights = table.weights();
  const scores = Array.from({ length: 200 }, () => scoreResiduals(weights, table.positions, randomBytes(32), GAMMA));
  const pValues = scores.map((s) => s.pValue);
  assert.ok(pValues.filter((p) => p < 0.01).length <= 6, `${pValues.filter((p) => p < 0.01).length} of 200 below 0.01`);
  const ks = ksUniform(pValues);
  assert.ok(ks.pValue > 0.001, `KS D ${ks.d}, p ${ks.pValue}`);
  for (const s of scores) assert.ok(s.boundPValue >= s.pValue || s.z <= 0, `bound ${s.boundPValue} < normal ${s.pValue}`);
});

test('wider contexts: the table is keyed by the previous two characters and still finds the mark', () => {
  const key = randomBytes(32);
  const marked = sampleTexts(lm, [kgwProcessor(key, lm.tokenizer, { gamma: GAMMA, delta: 1, contextWidth: 2 })], 40, 80, 5);
  const score = residualScore(marked, key, 2);
  assert.ok(score.pValue < 1e-6, `p ${score.pValue}`);
  assert.ok(residualScore(marked, key, 1).pValue > score.pValue, 'the width-1 test is weaker on a width-2 mark');
});

test('the table refuses mismatched input and the normal tail stays finite far out', () => {
  const table = new ResidualTable(1);
  assert.throws(() => table.add(['a', 'b'], 'c', [1], ['c']), /context of 2 tokens/);
  assert.throws(() => table.add(['a'], 'c', [0.5, 0.5], ['c']), /differ in length/);
  assert.throws(() => new ResidualTable(0), /positive integer/);
  assert.ok(Math.abs(log10NormalUpperTail(3) - Math.log10(0.0013499)) < 1e-3);
  const far = log10NormalUpperTail(40);
  assert.ok(Number.isFinite(far) && far < -340 && far > -360, `log10 tail at 40 = ${far}`);
  assert.ok(Math.abs(log10NormalUpperTail(8.0001) - log10NormalUpperTail(7.9999)) < 0.01, 'continuous at the switch');
});
