import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { combineRisk, levelFor, maxLevel } from './risk.ts';

const s = (detector: 'volume-pacing' | 'coverage' | 'api-probing', score: number, weight = 1, reasons = [`${detector} says ${score}`]) => ({
  detector,
  weight,
  result: { score, reasons, features: {} },
});

describe('combineRisk (weighted noisy-OR)', () => {
  test('no evidence is zero risk; one certain detector at weight 1 is risk 1', () => {
    assert.equal(combineRisk([s('coverage', 0), s('api-probing', 0)]).risk, 0);
    assert.equal(combineRisk([s('coverage', 0), s('api-probing', 1)]).risk, 1);
  });

  test('moderate signals add up; weights scale each one', () => {
    assert.ok(Math.abs(combineRisk([s('coverage', 0.5), s('api-probing', 0.5)]).risk - 0.75) < 1e-9);
    assert.ok(Math.abs(combineRisk([s('coverage', 0.8, 0.5)]).risk - 0.4) < 1e-9);
  });

  test('reasons come strongest first and name their detector; bad scores are clamped', () => {
    const r = combineRisk([s('coverage', 0.3), s('api-probing', 0.9), s('volume-pacing', Number.NaN)]);
    assert.match(r.reasons[0], /^api-probing \(0\.90\)/);
    assert.match(r.reasons[1], /^coverage/);
    assert.equal(r.reasons.length, 2);
    assert.equal(r.contributions.find((c) => c.detector === 'volume-pacing')?.score, 0);
  });
});

describe('levelFor', () => {
  const t = { throttle: 0.5, degrade: 0.7, ban: 0.9 };
  test('maps risk to graduated levels at the thresholds', () => {
    assert.deepEqual([0, 0.49, 0.5, 0.69, 0.7, 0.89, 0.9, 1].map((r) => levelFor(r, t)), ['observe', 'observe', 'throttle', 'throttle', 'degrade', 'degrade', 'ban', 'ban']);
    assert.equal(maxLevel('throttle', 'degrade'), 'degrade');
    assert.equal(maxLevel('ban', 'observe'), 'ban');
  });
});
