/**
 * DAWN for classifier labels (Szyller et al., ACM MM 2021). A keyed hash of the canonical input selects a small
 * fraction of inputs; those are answered with a keyed wrong label, the same one every time the input comes back (a
 * flip that changed between asks would give itself away). The probabilities stay consistent: the wrong label takes
 * the top class's probability and the top class the wrong label's, so the answer still sums to 1 and its label is its
 * most probable class. A second, independent hash picks control inputs (answered truthfully) that verification
 * compares against.
 *
 * Both are drawn only from inputs whose teacher margin (top probability minus the runner-up's) lies in a band. A copy
 * memorises a flip it was trained on far more often where the teacher is not near-certain (97% below margin 0.99
 * against 62% at ≥ 0.999; bench watermark-dawn-margin), and it disagrees with the teacher on
 * unseen inputs mostly where the margin is small, which is what the controls' errors are; the band keeps the first
 * and drops the second. The selection rate inside the band is the configured share divided by the band's expected
 * share of traffic, so the overall flipped share stays about `fraction`. Every input in the band gets the same two
 * rates, so watermark and control inputs stay exchangeable and Fisher's test stays exact.
 */
import { createHmac } from 'node:crypto';

export interface LabelAnswer {
  label: string;
  probabilities: Record<string, number>;
}

export type DawnRole = 'watermark' | 'control' | 'none';

/** NFKC, collapsed whitespace, trimmed: the same text always hashes the same. */
export function canonicalInput(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, ' ').trim();
}

function keyedUnit(accountKey: Buffer, label: string, input: string): number {
  return createHmac('sha256', accountKey).update(`moat-dawn/v1/${label}\u0000${canonicalInput(input)}`).digest().readUInt32BE(0) / 2 ** 32;
}

/** What selects DAWN's inputs: the `watermark.classifier` config section (or the same numbers in a test). */
export interface DawnSelection {
  /** Overall share of inputs to flip. */
  fraction: number;
  /** Overall share of inputs to keep as controls. */
  controlFraction: number;
  /** Teacher margins eligible for either role, inclusive. */
  marginBand: { min: number; max: number };
  /** The share of traffic expected in the band; the in-band rates are the shares above divided by it. */
  bandShare: number;
}

/** Top probability minus the runner-up's (1 for a single class), clamped to [0, 1]; non-numbers count as 0. */
export function teacherMargin(probabilities: Readonly<Record<string, unknown>>): number {
  let first = 0;
  let second = 0;
  for (const value of Object.values(probabilities)) {
    const p = typeof value === 'number' && Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
    if (p > first) [first, second] = [p, first];
    else if (p > second) second = p;
  }
  return first - second;
}

/** Whether the band covers every margin, i.e. selection ignores the teacher (classic DAWN). */
export function isFullBand(selection: DawnSelection): boolean {
  return selection.marginBand.min <= 0 && selection.marginBand.max >= 1;
}

/**
 * Whether an input with this teacher margin may get either role. A margin that is not known (a ledger record written
 * before margins were kept) is eligible only when the band covers everything.
 */
export function inMarginBand(margin: number | undefined, selection: DawnSelection): boolean {
  if (margin === undefined) return isFullBand(selection);
  return margin >= selection.marginBand.min && margin <= selection.marginBand.max;
}

/** Watermark, control (independent hash) or neither, for an input whose teacher margin is `margin`. */
export function dawnRole(accountKey: Buffer, input: string, margin: number | undefined, selection: DawnSelection): DawnRole {
  if (!inMarginBand(margin, selection)) return 'none';
  if (keyedUnit(accountKey, 'select', input) < selection.fraction / selection.bandShare) return 'watermark';
  if (keyedUnit(accountKey, 'control', input) < selection.controlFraction / selection.bandShare) return 'control';
  return 'none';
}

/** The keyed wrong label for an input whose true label is `trueLabel` (uniform over the other labels). */
export function keyedWrongLabel(accountKey: Buffer, input: string, labels: readonly string[], trueLabel: string): string {
  const others = labels.filter((l) => l !== trueLabel);
  if (others.length === 0) return trueLabel;
  return others[Math.floor(keyedUnit(accountKey, 'label', input) * others.length)] as string;
}

/** The answer with `wrong` as its label: the two classes' probabilities swapped. */
export function flipAnswer(answer: LabelAnswer, wrong: string): LabelAnswer {
  const probabilities = { ...answer.probabilities };
  const top = probabilities[answer.label] ?? 0;
  probabilities[answer.label] = probabilities[wrong] ?? 0;
  probabilities[wrong] = top;
  return { label: wrong, probabilities };
}
