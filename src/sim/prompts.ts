/**
 * Prompt material for the personas, cut from Moat's public corpora (Moby-Dick spans, State of the Union passages,
 * SpamAssassin messages) through the distillation side's own corpus helpers, so simulated attackers query with the
 * same material a real harvest in this repo would. Loaded once per run and seeded.
 */
import { corpusPrompts } from '../distill/harvest/corpus-source.ts';
import { syntheticPrompts } from '../distill/harvest/synthetic-source.ts';
import { itemText } from '../distill/harvest/types.ts';
import { createRng, deriveSeed, type Rng } from '../ml/engine/rng.ts';

export interface PromptPools {
  /** Literary spans: chat topics and broad harvest material. */
  prose: readonly string[];
  /** Political passages: batch summarisation jobs, the evaluation suite, harvest material. */
  speeches: readonly string[];
  /** E-mails: batch classification jobs, harvest material. */
  emails: readonly string[];
  /** Templated synthetic prompts (the distiller's fallback source). */
  synthetic: readonly string[];
  /** The public evaluation suite every researcher runs (same items, same order of questions). */
  evalSuite: readonly string[];
}

const POOL_SIZE = 3000;
const SUITE_SIZE = 400;
const SUITE_SEED = 2024;

export function loadPromptPools(seed: number): PromptPools {
  const prose = corpusPrompts('moby-dick', { count: POOL_SIZE, seed }).map(itemText);
  const speeches = corpusPrompts('sotu', { count: POOL_SIZE, seed }).map(itemText);
  const emails = corpusPrompts('spam', { count: 1500, seed }).map(itemText);
  const synthetic = syntheticPrompts('text', 500, seed).map(itemText);
  // The suite is public: its seed is fixed, whatever the run's seed, so every researcher asks the same questions.
  const suiteRng = createRng(deriveSeed(SUITE_SEED, 'eval-suite'));
  const suiteSource = corpusPrompts('sotu', { count: SUITE_SIZE, seed: SUITE_SEED }).map(itemText);
  const evalSuite = suiteSource.map((passage, i) => multipleChoice(passage, i, suiteRng));
  return { prose, speeches, emails, synthetic, evalSuite };
}

const SUBJECTS = ['history', 'economics', 'government', 'foreign policy', 'public finance', 'law'];

function multipleChoice(passage: string, index: number, rng: Rng): string {
  const subject = SUBJECTS[index % SUBJECTS.length];
  const words = passage.split(' ').filter((w) => w.length > 4);
  const option = () => words[rng.int(Math.max(1, words.length))] ?? 'none';
  return `The following is a multiple choice question about ${subject}.\n\n${passage}\n\nWhich word best summarises the passage?\nA. ${option()}\nB. ${option()}\nC. ${option()}\nD. ${option()}\nAnswer:`;
}

export function pick<T>(items: readonly T[], rng: Rng): T {
  return items[rng.int(items.length)]!;
}

/** Uniform in [lo, hi]; integers when both ends are. */
export function between(rng: Rng, [lo, hi]: readonly [number, number], integer = false): number {
  if (integer) return Math.round(lo) + rng.int(Math.round(hi) - Math.round(lo) + 1);
  return lo + (hi - lo) * rng.next();
}

const CHAT_OPENERS = [
  (t: string) => `What do you make of this passage? "${t}"`,
  (t: string) => `Can you explain what this means in simple words: ${t}`,
  (t: string) => `I'm reading Moby-Dick and got stuck here: ${t}. What is going on?`,
  (t: string) => `Help me write a short poem inspired by: ${t}`,
  (t: string) => `${t} — who is speaking here, do you think?`,
  (t: string) => `Is this sentence grammatical? ${t}`,
];
const CHAT_FOLLOW_UPS = [
  'Why do you say that?',
  'Can you give me a shorter version?',
  'Interesting. And what about the whale?',
  'Could you say more about the second part?',
  'Thanks! How would you put it for a child?',
  'Hmm, I am not sure I agree. What else could it mean?',
  'Can you make it funnier?',
  'What is the historical background?',
];

export function chatOpener(pools: PromptPools, rng: Rng): string {
  return pick(CHAT_OPENERS, rng)(pick(pools.prose, rng));
}

export function chatFollowUp(rng: Rng): string {
  return pick(CHAT_FOLLOW_UPS, rng);
}

const DEV_TASKS = [
  'Return a JSON object with keys "title" and "summary" for: ',
  'Extract every person named in this text as a JSON array: ',
  'Write a one-line commit message for this change description: ',
  'Translate to German, keep punctuation: ',
  'Classify the sentiment (positive/negative/neutral) of: ',
  'Generate three test questions about: ',
];

/** A developer's own small set of prompts (re-run while testing their integration). */
export function developerPrompts(pools: PromptPools, rng: Rng, count: number): string[] {
  return Array.from({ length: count }, () => `${pick(DEV_TASKS, rng)}${pick(pools.prose, rng).slice(0, 120)}`);
}

const BATCH_JOBS: { template: (item: string) => string; source: keyof Pick<PromptPools, 'emails' | 'speeches'> }[] = [
  { template: (x) => `Classify this support e-mail as spam or not spam. Reply with one word.\n\n${x}`, source: 'emails' },
  { template: (x) => `Summarise the following paragraph for our newsletter in one sentence:\n${x}`, source: 'speeches' },
  { template: (x) => `Extract the sender's intent from this message (buy, complain, ask, other):\n${x}`, source: 'emails' },
  { template: (x) => `Tag the topic of this passage (economy, war, health, other):\n${x}`, source: 'speeches' },
  { template: (x) => `Detect the language and formality of this message:\n${x}`, source: 'emails' },
];

/** One customer's bulk job: its own template over a narrow slice of one corpus. */
export function batchJob(pools: PromptPools, rng: Rng, items: number): string[] {
  const job = pick(BATCH_JOBS, rng);
  const source = pools[job.source];
  const start = rng.int(source.length);
  return Array.from({ length: items }, (_, i) => job.template(source[(start + i) % source.length]!));
}

/** Broad harvest material: every corpus mixed, as a distiller maximising coverage would. */
export function harvestPrompt(pools: PromptPools, rng: Rng): string {
  const roll = rng.next();
  if (roll < 0.35) return pick(pools.prose, rng);
  if (roll < 0.65) return pick(pools.speeches, rng);
  if (roll < 0.85) return pick(pools.emails, rng).slice(0, 400);
  return pick(pools.synthetic, rng);
}

const SWARM_TEMPLATES = [
  (x: string) => `You are a helpful assistant. Answer the following request as completely as you can.\n\nRequest: ${x}\n\nAnswer:`,
  (x: string) => `Respond to the input below with a detailed, high-quality answer.\n### Input\n${x}\n### Response`,
  (x: string) => `Please continue the text below in the same style, writing at least three sentences.\nText: ${x}`,
];

export function swarmTemplate(rng: Rng): (item: string) => string {
  return pick(SWARM_TEMPLATES, rng);
}

const COT_WRAPPERS = [
  (x: string) => `Think step by step and show all of your reasoning before giving the final answer.\n\n${x}`,
  (x: string) => `${x}\n\nLet's think step by step. Write out every intermediate step, then the answer.`,
  (x: string) => `Explain your full chain of thought in detail, numbering each step, for the following:\n${x}`,
];

export function cotPrompt(pools: PromptPools, rng: Rng): string {
  return pick(COT_WRAPPERS, rng)(harvestPrompt(pools, rng));
}
