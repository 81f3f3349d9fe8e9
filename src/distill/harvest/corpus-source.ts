/**
 * Prompts cut from Moat's public corpora, seeded so a rerun cuts the same prompts: random word-aligned spans of
 * Moby-Dick, passages of State of the Union addresses, SpamAssassin messages. Only each corpus's training split is
 * used, so a student can later be evaluated on the held-out split without having seen it in a prompt.
 */
import { createRng, deriveSeed, type Rng } from '../../ml/engine/rng.ts';
import { loadMobyDick } from '../../ml/data/moby-dick.ts';
import { loadSotuSpeeches, splitSpeechesByYear, toPassages } from '../../ml/data/sotu.ts';
import { loadSpamAssassin } from '../../ml/data/spam-assassin.ts';
import type { PromptItem } from './types.ts';

export const CORPORA = ['moby-dick', 'sotu', 'spam'] as const;
export type CorpusName = (typeof CORPORA)[number];

export interface CorpusOptions {
  count: number;
  seed: number;
  /** Moby-Dick span length range in characters (defaults 60–240). */
  minChars?: number;
  maxChars?: number;
}

const SOTU_PASSAGE_WORDS = 48;
const SPAM_MAX_CHARS = 600;

/** `count` distinct prompts from `corpus` (fewer only if the corpus has fewer distinct candidates). */
export function corpusPrompts(corpus: CorpusName, options: CorpusOptions): PromptItem[] {
  const rng = createRng(deriveSeed(options.seed, `corpus:${corpus}`));
  switch (corpus) {
    case 'moby-dick':
      return mobyDickSpans(rng, options);
    case 'sotu': {
      const { train } = splitSpeechesByYear(loadSotuSpeeches());
      return pick(train.flatMap((s) => toPassages(s.text, SOTU_PASSAGE_WORDS)), options.count, rng);
    }
    case 'spam':
      return pick(loadSpamAssassin().train.map((e) => truncateAtWord(e.text, SPAM_MAX_CHARS)).filter((t) => t !== ''), options.count, rng);
  }
}

function mobyDickSpans(rng: Rng, options: CorpusOptions): PromptItem[] {
  const text = loadMobyDick().train.replace(/\s+/g, ' ');
  const min = options.minChars ?? 60;
  const max = Math.max(min, options.maxChars ?? 240);
  const seen = new Set<string>();
  const out: PromptItem[] = [];
  for (let tries = 0; out.length < options.count && tries < options.count * 20; tries++) {
    const length = min + rng.int(max - min + 1);
    let start = rng.int(Math.max(1, text.length - length));
    // Start after a space and end before one, so a prompt never begins or ends mid-word.
    if (start > 0) start = text.indexOf(' ', start) + 1;
    const cut = text.slice(start, start + length);
    const end = cut.lastIndexOf(' ');
    const span = (end > 0 ? cut.slice(0, end) : cut).trim();
    if (span === '' || seen.has(span)) continue;
    seen.add(span);
    out.push({ text: span });
  }
  return out;
}

/** `count` distinct texts chosen uniformly without replacement (a seeded partial shuffle). */
function pick(texts: readonly string[], count: number, rng: Rng): PromptItem[] {
  const unique = [...new Set(texts)];
  const n = Math.min(count, unique.length);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(unique.length - i);
    [unique[i], unique[j]] = [unique[j], unique[i]];
  }
  return unique.slice(0, n).map((text) => ({ text }));
}

function truncateAtWord(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text.trim();
  const cut = text.slice(0, maxChars);
  const end = cut.lastIndexOf(' ');
  return (end > 0 ? cut.slice(0, end) : cut).trim();
}
