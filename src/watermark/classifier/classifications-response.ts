/**
 * DAWN on a `/v1/classifications` answer (`data[i] = {index, label, probabilities}`): watermark inputs get their
 * keyed wrong label, watermark and control inputs are handed to `onSelected` for the ledger.
 */
import { type DawnSelection, dawnRole, flipAnswer, inMarginBand, keyedWrongLabel, type LabelAnswer, teacherMargin } from './dawn.ts';

export interface SelectedInput {
  role: 'watermark' | 'control';
  input: string;
  served: string;
  trueLabel: string;
  labels: string[];
  /** The upstream's margin (top probability minus the runner-up's), which decided eligibility. */
  margin: number;
}

/** Classification inputs by index. */
export function classificationInputs(input: unknown): (string | null)[] {
  if (typeof input === 'string') return [input];
  return Array.isArray(input) ? input.map((x) => (typeof x === 'string' ? x : null)) : [];
}

/** How a response's answers fared: flipped, kept as controls, in the band but unselected, outside the band. */
export interface DawnTally {
  watermark: number;
  control: number;
  inBandOther: number;
  outOfBand: number;
}

/** Applies DAWN in place; returns what happened to each labelled answer (for the gateway's counters). */
export function applyDawnToBody(body: unknown, inputs: readonly (string | null)[], accountKey: Buffer, selection: DawnSelection, onSelected: (s: SelectedInput) => void): DawnTally {
  const tally: DawnTally = { watermark: 0, control: 0, inBandOther: 0, outOfBand: 0 };
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { data?: unknown }).data)) return tally;
  for (const item of (body as { data: unknown[] }).data) {
    if (!isLabelAnswer(item)) continue;
    const index = (item as { index?: unknown }).index;
    const text = typeof index === 'number' ? inputs[index] : undefined;
    if (typeof text !== 'string') continue;
    const margin = teacherMargin(item.probabilities);
    const role = dawnRole(accountKey, text, margin, selection);
    if (role === 'none') {
      if (inMarginBand(margin, selection)) tally.inBandOther++;
      else tally.outOfBand++;
      continue;
    }
    const labels = Object.keys(item.probabilities);
    const trueLabel = item.label;
    if (role === 'watermark') Object.assign(item, flipAnswer(item, keyedWrongLabel(accountKey, text, labels, item.label)));
    tally[role]++;
    onSelected({ role, input: text, served: item.label, trueLabel, labels, margin });
  }
  return tally;
}

function isLabelAnswer(item: unknown): item is LabelAnswer {
  if (typeof item !== 'object' || item === null) return false;
  const { label, probabilities } = item as { label?: unknown; probabilities?: unknown };
  return typeof label === 'string' && typeof probabilities === 'object' && probabilities !== null && label in probabilities;
}
