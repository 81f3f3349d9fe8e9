/**
 * A tiny synthetic two-class corpus for fast tests: each text mixes shared filler words with a few words that
 * lean towards its class, so a model must learn which words matter. Deterministic from the seed.
 */
import { createRng } from '../../engine/rng.ts';
import type { ClassifierData, LabelledText } from './training-plan.ts';

const FILLER = ['the', 'a', 'to', 'and', 'of', 'we', 'you', 'it', 'is', 'for', 'on', 'this', 'that', 'with'];
const CLASS_WORDS = [
  ['meeting', 'patch', 'kernel', 'thanks', 'review', 'build', 'list', 'release'],
  ['free', 'money', 'offer', 'winner', 'click', 'cash', 'prize', 'cheap'],
];

/** `n` labelled texts of 8–16 words; about 1 word in 3 is a class word, 1 in 10 of those from the other class. */
export function toyTexts(n: number, seed: number): LabelledText[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const label = rng.next() < 0.4 ? 1 : 0;
    const words = Array.from({ length: 8 + rng.int(9) }, () => {
      if (rng.next() > 1 / 3) return FILLER[rng.int(FILLER.length)];
      const side = rng.next() < 0.9 ? label : 1 - label;
      return CLASS_WORDS[side][rng.int(CLASS_WORDS[side].length)];
    });
    return { text: words.join(' '), label };
  });
}

/** Train / calibration / test splits of the toy corpus. */
export function toyClassifierData(seed = 1): ClassifierData {
  return {
    train: toyTexts(240, seed),
    calibration: toyTexts(80, seed + 1),
    test: toyTexts(80, seed + 2),
    description: { corpus: 'toy' },
  };
}
