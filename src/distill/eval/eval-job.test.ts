import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createModel, saveModel } from '../../ml/registry.ts';
import type { LmFidelity } from './fidelity.ts';
import { type DistillFixture, startDistillFixture } from '../train/testing/fixtures.ts';
import { runEvalJob } from './eval-job.ts';

let fx: DistillFixture;
let lmData: string;
let spamData: string;
before(async () => {
  fx = await startDistillFixture(['lm', 'classifier']);
  lmData = join(fx.dir, 'lm-harvest');
  spamData = join(fx.dir, 'spam-harvest');
  await fx.harvest({ model: 'moat-lm-tiny', modality: 'text', source: { kind: 'corpus', corpus: 'moby-dick' }, count: 30 }, lmData);
  await fx.harvest({ model: 'moat-classifier-tiny', modality: 'classifier', source: { kind: 'corpus', corpus: 'spam' }, count: 80 }, spamData);
});
after(async () => {
  await fx.close();
});

test('an LM student that IS the teacher: next-token agreement 1, KL 0, perplexity ratio 1', async () => {
  const { report } = await runEvalJob({ student: fx.dirs.lm, teacher: fx.url, model: 'moat-lm-tiny', data: lmData, out: join(fx.dir, 'e1'), curve: false });
  const f = report.fidelity as LmFidelity;
  assert.ok(f.positions > 20, `${f.positions} positions`);
  assert.equal(report.agreement, 1);
  assert.ok(f.klTopK < 1e-4, `KL ${f.klTopK}`);
  assert.ok(Math.abs((report.quality?.kept ?? 0) - 1) < 0.02, `perplexity ratio ${report.quality?.kept}`);
  assert.equal(report.parameterRatio, 1);
  assert.equal(report.latency.teacherWhere, 'remote');
  assert.ok(report.latency.studentMs > 0 && report.latency.teacherMs > 0);
});

test('a random LM student has low agreement and positive KL against the same teacher', async () => {
  const other = await createModel('lm', 'tiny', 99);
  const dir = join(fx.dir, 'lm-random');
  await saveModel(other, dir);
  other.dispose();
  const { report } = await runEvalJob({ student: dir, teacher: fx.dirs.lm, data: lmData, out: join(fx.dir, 'e2'), curve: false });
  const f = report.fidelity as LmFidelity;
  assert.ok(report.agreement < 0.5, `agreement ${report.agreement}`);
  assert.ok(f.klTopK > 1e-3, `KL ${f.klTopK}`);
  assert.equal(report.latency.teacherWhere, 'local');
});

test('classifier eval: the teacher itself agrees 1 and keeps 100% of accuracy; the curve and SVG are written', async () => {
  const out = join(fx.dir, 'e3');
  const { report, curve, files } = await runEvalJob({
    student: fx.dirs.classifier,
    teacher: fx.url,
    model: 'moat-classifier-tiny',
    data: spamData,
    out,
    labelledMax: 60,
    labelledMaxChars: 2000,
    curveSteps: 10,
  });
  assert.equal(report.agreement, 1);
  assert.equal(report.quality?.metric, 'accuracy');
  assert.equal(report.quality?.kept, 1);
  assert.ok(curve !== null && curve.length >= 2, 'curve has points');
  assert.ok(curve.every((p, i) => i === 0 || p.queries > curve[i - 1].queries));
  for (const f of ['eval.json', 'curve.json', 'curve.svg']) assert.ok(existsSync(join(out, f)), f);
  assert.deepEqual(files.sort(), ['curve.json', 'curve.svg', 'eval.json'].map((f) => join(out, f)).sort());
  const svg = await readFile(join(out, 'curve.svg'), 'utf8');
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal((svg.match(/<circle /g) ?? []).length, curve.length);
  assert.match(svg, /<polyline /);
});

test('a teacher that is neither a URL nor a directory is refused', async () => {
  await assert.rejects(runEvalJob({ student: fx.dirs.lm, teacher: join(fx.dir, 'nope'), data: lmData, curve: false }), /neither an http\(s\) URL nor a model directory/);
});
