/**
 * DAWN for classifier labels (Szyller et al., ACM MM 2021). A keyed hash of the canonical input selects a small
 * fraction of inputs; those are answered with a keyed wrong label, the same one every time the input comes back (a
 * flip that changed between asks would give itself away). The probabilities stay consistent: the wrong label takes
 * the top class's probability and the top class the wrong label's, so the answer still sums to 1 and its label is its
 * most probable class. A second, independent hash picks control inputs (answered truthfully) that verification
 * compares against.
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

/** Watermark (share `fraction`), control (share `controlFraction`, from an independent hash) or neither. */
export function dawnRole(accountKey: Buffer, input: string, fraction: number, controlFraction: number): DawnRole {
  if (keyedUnit(accountKey, 'select', input) < fraction) return 'watermark';
  if (keyedUnit(accountKey, 'control', input) < controlFraction) return 'control';
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
