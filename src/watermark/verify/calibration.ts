/**
 * Calibration of a method's test on independent keys: the same answers scored under keys that never marked
 * anything. Their statistics show the test's real null on *this* suspect's output (repeated n-grams, a small
 * vocabulary and the like make textbook nulls wrong), and give two p-values that do not trust the textbook null:
 * empirical (rank among the null keys, floor 1/(K+1)) and calibrated-normal ((s − mean)/sd of the null statistics).
 */
import { randomBytes } from 'node:crypto';
import type { ResolvedKey } from '../keys.ts';
import { ksUniform, normalUpperTail, type Summary, summarise } from '../stats.ts';
import type { Probe, ScoreResult, VerifyMethod } from './method.ts';

export interface NullCalibration {
  keys: number;
  statistic: Summary;
  /** KS test of the null keys' p-values against U(0, 1): a large p means the textbook p-values are trustworthy. */
  pValueUniformity: { d: number; pValue: number };
  /** Share of null keys with p < 0.01 (should be ≤ 0.01). */
  falseAlarmRateAt001: number;
}

export interface CalibratedResult {
  /** (1 + #{null ≥ observed}) / (1 + K). */
  empiricalPValue: number;
  /** (observed − null mean) / null sd. */
  calibratedZ: number;
  calibratedPValue: number;
}

/** Random keys standing in for "a key that marked nothing". */
export function independentKeys(count: number): ResolvedKey[] {
  return Array.from({ length: count }, (_, i) => ({ keyId: `independent-${i}`, accountId: `independent-${i}`, version: 0, key: randomBytes(32) }));
}

export function calibrateOnKeys<O>(method: VerifyMethod<O>, answers: readonly { probe: Probe; observation: O }[], keys: readonly ResolvedKey[]): { calibration: NullCalibration; nullScores: ScoreResult[] } {
  const nullScores = keys.map((key) => method.score(answers, key));
  const pValues = nullScores.map((s) => s.pValue);
  const ks = ksUniform(pValues);
  return {
    nullScores,
    calibration: {
      keys: keys.length,
      statistic: summarise(nullScores.map((s) => s.statistic)),
      pValueUniformity: { d: ks.d, pValue: ks.pValue },
      falseAlarmRateAt001: keys.length === 0 ? 0 : pValues.filter((p) => p < 0.01).length / keys.length,
    },
  };
}

export function calibrate(observed: number, nullScores: readonly ScoreResult[]): CalibratedResult {
  const stats = nullScores.map((s) => s.statistic);
  const { mean, sd } = summarise(stats);
  const above = stats.filter((s) => s >= observed).length;
  const calibratedZ = sd > 0 ? (observed - mean) / sd : 0;
  return { empiricalPValue: (1 + above) / (1 + stats.length), calibratedZ, calibratedPValue: normalUpperTail(calibratedZ) };
}
