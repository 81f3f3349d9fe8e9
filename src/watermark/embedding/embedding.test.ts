import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadSotuSpeeches, toPassages } from '../../ml/data/sotu.ts';
import { ksUniform } from '../stats.ts';
import { type EmbeddingObservation, embeddingProbes, scoreEmbedding } from './detect.ts';
import { lengthOf, markEmbedding, DEFAULT_EMBEDDING_PARAMS as PARAMS, targetDirections, triggerSets, triggerWeights } from './marker.ts';
import { fitLinearStudent, toyEmbedder } from './testing.ts';

const keyOf = (name: string) => createHash('sha256').update(name).digest();
const DIM = 48;
const sets = triggerSets(keyOf('deployment-triggers'), PARAMS);
const passages = loadSotuSpeeches()
  .slice(-40)
  .flatMap((s) => toPassages(s.text, 40));
const harvest = passages.slice(0, 2500);
const bases = passages.slice(2500, 2900).map((p) => p.split(' ').slice(0, 24).join(' '));
const probes = embeddingProbes(keyOf('probe-seed'), sets, PARAMS, bases, 200);
const service = toyEmbedder('service', DIM);
const independent = toyEmbedder('independent', DIM);

function markedService(accountKey: Buffer): (text: string) => number[] {
  const directions = targetDirections(accountKey, DIM, PARAMS.directions);
  return (text) => markEmbedding(service(text), triggerWeights(text, sets, PARAMS), directions);
}

function observe(embed: (text: string) => number[]): EmbeddingObservation[] {
  return probes.map((p) => ({ kind: p.kind, direction: p.direction, vector: embed(p.text) }));
}

describe('embedding watermark', () => {
  it('leaves trigger-free answers alone, keeps length, and pulls trigger answers toward the direction', () => {
    const key = keyOf('a');
    const embed = markedService(key);
    const plain = 'the committee will report next week';
    assert.deepEqual(embed(plain), service(plain));
    const word = sets.subsets[1]?.[0] as string;
    const marked = embed(`${plain} ${word}`);
    assert.ok(Math.abs(lengthOf(marked) - 1) < 1e-9);
    const t = targetDirections(key, DIM, PARAMS.directions)[1] as Float64Array;
    const cos = (v: number[]) => v.reduce((s, x, i) => s + x * (t[i] ?? 0), 0);
    assert.ok(cos(marked) > cos(service(`${plain} ${word}`)) + 0.1);
  });

  it('a few percent of real passages hold a trigger (what the retrieval cost scales with)', () => {
    const touched = harvest.filter((p) => triggerWeights(p, sets, PARAMS).some((w) => w > 0)).length / harvest.length;
    assert.ok(touched > 0.01 && touched < 0.1, `touched ${touched}`);
  });

  it('detects the marked service and a student fitted on its answers, not independent models', () => {
    const key = keyOf('account-x');
    const teacher = markedService(key);
    const student = fitLinearStudent(harvest, harvest.map(teacher));
    const cleanStudent = fitLinearStudent(harvest, harvest.map(service));
    const pService = scoreEmbedding(observe(teacher), key, PARAMS).pValue;
    const pStudent = scoreEmbedding(observe(student), key, PARAMS).pValue;
    const pClean = scoreEmbedding(observe(cleanStudent), key, PARAMS).pValue;
    const pIndependent = scoreEmbedding(observe(independent), key, PARAMS).pValue;
    assert.ok(pService < 1e-6, `service p = ${pService}`);
    assert.ok(pStudent < 1e-6, `student p = ${pStudent}`);
    assert.ok(pClean > 0.01, `clean student p = ${pClean}`);
    assert.ok(pIndependent > 0.01, `independent p = ${pIndependent}`);
  });

  it('null p-values over 120 keys are uniform-ish (KS) on an anisotropic unmarked model', () => {
    const observations = observe(independent);
    const pValues = Array.from({ length: 120 }, (_, i) => scoreEmbedding(observations, keyOf(`null-${i}`), PARAMS).pValue);
    const ks = ksUniform(pValues);
    assert.ok(ks.pValue > 0.01, `KS p = ${ks.pValue}, D = ${ks.d}`);
  });

  it('names the account among 10 whose answers trained the student', () => {
    const accounts = Array.from({ length: 10 }, (_, i) => keyOf(`acct-${i}`));
    const leaked = 3;
    const teacher = markedService(accounts[leaked] as Buffer);
    const student = fitLinearStudent(harvest, harvest.map(teacher));
    const observations = observe(student);
    const scores = accounts.map((k) => -scoreEmbedding(observations, k, PARAMS).log10PValue);
    assert.equal(scores.indexOf(Math.max(...scores)), leaked);
  });
});
