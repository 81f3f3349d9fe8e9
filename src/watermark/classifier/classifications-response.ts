/**
 * DAWN on a `/v1/classifications` answer (`data[i] = {index, label, probabilities}`): watermark inputs get their
 * keyed wrong label, watermark and control inputs are handed to `onSelected` for the ledger.
 */
import { dawnRole, flipAnswer, keyedWrongLabel, type LabelAnswer } from './dawn.ts';

export interface DawnParams {
  fraction: number;
  controlFraction: number;
}

export interface SelectedInput {
  role: 'watermark' | 'control';
  input: string;
  served: string;
  trueLabel: string;
  labels: string[];
}

/** Classification inputs by index. */
export function classificationInputs(input: unknown): (string | null)[] {
  if (typeof input === 'string') return [input];
  return Array.isArray(input) ? input.map((x) => (typeof x === 'string' ? x : null)) : [];
}

/** Applies DAWN in place; returns how many answers were flipped. */
export function applyDawnToBody(body: unknown, inputs: readonly (string | null)[], accountKey: Buffer, params: DawnParams, onSelected: (s: SelectedInput) => void): number {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { data?: unknown }).data)) return 0;
  let flipped = 0;
  for (const item of (body as { data: unknown[] }).data) {
    if (!isLabelAnswer(item)) continue;
    const index = (item as { index?: unknown }).index;
    const text = typeof index === 'number' ? inputs[index] : undefined;
    if (typeof text !== 'string') continue;
    const role = dawnRole(accountKey, text, params.fraction, params.controlFraction);
    if (role === 'none') continue;
    const labels = Object.keys(item.probabilities);
    const trueLabel = item.label;
    if (role === 'watermark') {
      const wrong = keyedWrongLabel(accountKey, text, labels, item.label);
      Object.assign(item, flipAnswer(item, wrong));
      flipped++;
    }
    onSelected({ role, input: text, served: item.label, trueLabel, labels });
  }
  return flipped;
}

function isLabelAnswer(item: unknown): item is LabelAnswer {
  if (typeof item !== 'object' || item === null) return false;
  const { label, probabilities } = item as { label?: unknown; probabilities?: unknown };
  return typeof label === 'string' && typeof probabilities === 'object' && probabilities !== null && label in probabilities;
}
