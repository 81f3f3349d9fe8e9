import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../engine/rng.ts';
import { expectedCalibrationError, fitTemperature, meanNll, softmaxWithTemperature } from './calibration.ts';
import { argmaxRows, binaryMetrics } from './metrics.ts';

test('softmax with temperature sums to 1, keeps the arg-max, and flattens as T grows', () => {
  const logits = [2, -1, 0.5];
  for (const t of [0.5, 1, 3]) {
    const p = softmaxWithTemperature(logits, t);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.equal(argmaxRows([p])[0], 0);
  }
  assert.ok(softmaxWithTemperature(logits, 3)[0] < softmaxWithTemperature(logits, 1)[0]);
  assert.ok(softmaxWithTemperature([1000, 0], 1).every(Number.isFinite));
});

test('fitTemperature recovers the temperature that generated the labels', () => {
  // Labels drawn from softmax(z / 2.5): a model reporting softmax(z) is overconfident by T* = 2.5.
  const rng = createRng(7);
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 4000; i++) {
    const z = Float32Array.from([rng.normal() * 6, 0]);
    rows.push(z);
    labels.push(rng.next() < softmaxWithTemperature(z, 2.5)[0] ? 0 : 1);
  }
  const t = fitTemperature(rows, labels);
  assert.ok(Math.abs(t - 2.5) < 0.25, `fitted T = ${t}`);
  assert.ok(meanNll(rows, labels, t) < meanNll(rows, labels, 1));
  const ece = (temp: number) => expectedCalibrationError(rows.map((r) => softmaxWithTemperature(r, temp)), labels);
  assert.ok(ece(t) < ece(1) / 2, `ECE ${ece(1)} → ${ece(t)}`);
});

test('expected calibration error on a hand-computed case', () => {
  // Bin [0.8, 0.867): two predictions at 0.8, one right → |0.5 − 0.8| = 0.3, weight 2/4.
  // Bin [0.933, 1]: two at 1.0, both right → 0. ECE = 0.15.
  const probs = [
    [0.8, 0.2],
    [0.2, 0.8],
    [1, 0],
    [0, 1],
  ];
  assert.ok(Math.abs(expectedCalibrationError(probs, [0, 0, 0, 1]) - 0.15) < 1e-12);
});

test('binary metrics count the positive class', () => {
  const m = binaryMetrics([1, 1, 0, 0, 1], [1, 0, 0, 1, 1]);
  assert.deepEqual(m.confusion, { tp: 2, fp: 1, tn: 1, fn: 1 });
  assert.equal(m.accuracy, 3 / 5);
  assert.equal(m.precision, 2 / 3);
  assert.equal(m.recall, 2 / 3);
  assert.ok(Math.abs(m.f1 - 2 / 3) < 1e-12);
  assert.equal(binaryMetrics([0, 0], [0, 0]).f1, 0);
});
