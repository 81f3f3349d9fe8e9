/**
 * How detector scores become one risk and one level. The risk is a weighted noisy-OR:
 *
 *   risk = 1 − Π_d (1 − w_d · s_d)
 *
 * with s_d ∈ [0, 1] the detector's score and w_d ∈ [0, 1] its configured weight. Read it as "the probability that at
 * least one detector is right", treating each as independent evidence that fires with probability w_d · s_d. It is
 * monotone in every score, never exceeds 1, equals w·s when one detector speaks alone (so one certain detector at
 * weight 1 is enough to ban), and lets several moderate signals add up (two at 0.5 give 0.75). A detector's
 * contribution is w_d · s_d; the reasons shown are those of the strongest contributions first.
 */
import type { DetectionConfig } from '../config/detection-schema.ts';
import { ACTION_LEVELS, type ActionLevel, type DetectorScore, type RiskAssessment, type SignalName } from './types.ts';

export interface ScoredDetector {
  detector: SignalName;
  weight: number;
  result: DetectorScore;
}

const MAX_REASONS = 5;

export function combineRisk(scores: readonly ScoredDetector[]): { risk: number; contributions: RiskAssessment['contributions']; reasons: string[] } {
  let survive = 1;
  const contributions: RiskAssessment['contributions'] = [];
  for (const { detector, weight, result } of scores) {
    const score = clamp01(result.score);
    survive *= 1 - weight * score;
    contributions.push({ detector, score, weight });
  }
  const ranked = scores
    .filter((s) => s.weight * clamp01(s.result.score) > 0)
    .sort((a, b) => b.weight * clamp01(b.result.score) - a.weight * clamp01(a.result.score));
  const reasons: string[] = [];
  for (const s of ranked) {
    for (const reason of s.result.reasons) {
      if (reasons.length >= MAX_REASONS) break;
      reasons.push(`${s.detector} (${clamp01(s.result.score).toFixed(2)}): ${reason}`);
    }
  }
  return { risk: clamp01(1 - survive), contributions, reasons };
}

/** The level `risk` reaches under the thresholds; `observe` below `throttle`. */
export function levelFor(risk: number, thresholds: DetectionConfig['thresholds']): ActionLevel {
  if (risk >= thresholds.ban) return 'ban';
  if (risk >= thresholds.degrade) return 'degrade';
  if (risk >= thresholds.throttle) return 'throttle';
  return 'observe';
}

export function severity(level: ActionLevel): number {
  return ACTION_LEVELS.indexOf(level);
}

export function maxLevel(a: ActionLevel, b: ActionLevel): ActionLevel {
  return severity(a) >= severity(b) ? a : b;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
