/**
 * Crafted traffic for detector tests: an event factory with sane defaults, and seeded prompt generators for the
 * personas the tests need (varied human questions, templated sweeps, perturbed seeds). Deterministic from a seed.
 */
import { createRng, type Rng } from '../../../ml/engine/rng.ts';
import type { DetectionEvent } from '../../types.ts';
import { embedText } from './embed.ts';

export type { Rng };
export { createRng };

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** A fixed Monday 00:00 UTC, so hour-of-day features are exact. */
export const T0 = Date.UTC(2026, 0, 5);

let counter = 0;

export interface EventInit {
  accountId?: string;
  at: number;
  promptText: string;
  followUp?: boolean;
  params?: Partial<DetectionEvent['params']>;
  clientIp?: string;
  embed?: boolean;
}

export function makeEvent(init: EventInit): DetectionEvent {
  counter += 1;
  return {
    requestId: `req-${counter}`,
    at: init.at,
    accountId: init.accountId ?? 'acct-1',
    keyId: 'key-1',
    clientIp: init.clientIp ?? '203.0.113.7',
    subnet: '203.0.113.0/24',
    route: 'chat',
    model: 'lm-teacher',
    params: {
      n: null,
      logprobs: null,
      topLogprobs: null,
      logitBias: false,
      maxTokens: null,
      temperature: null,
      stream: false,
      ...init.params,
    },
    promptText: init.promptText,
    status: 200,
    decision: 'allow',
    tokensIn: Math.ceil(init.promptText.length / 4),
    tokensOut: 50,
    responseBytes: 400,
    latencyMs: 80,
    embedding: init.embed === false ? null : embedText(init.promptText),
    followUp: init.followUp ?? false,
  };
}

const TOPICS: Record<string, string[]> = {
  cooking: ['pasta', 'sauce', 'oven', 'garlic', 'bread', 'recipe', 'butter', 'roast', 'salad', 'soup'],
  travel: ['flight', 'hotel', 'visa', 'train', 'lisbon', 'museum', 'luggage', 'passport', 'beach', 'itinerary'],
  code: ['python', 'function', 'array', 'bug', 'typescript', 'database', 'query', 'loop', 'compile', 'server'],
  health: ['sleep', 'exercise', 'protein', 'headache', 'vitamin', 'running', 'stretch', 'diet', 'knee', 'hydration'],
  money: ['budget', 'savings', 'loan', 'mortgage', 'taxes', 'invoice', 'pension', 'interest', 'stocks', 'rent'],
  garden: ['tomato', 'soil', 'compost', 'seeds', 'pruning', 'roses', 'watering', 'lawn', 'pests', 'mulch'],
};
const FRAMES = [
  (a: string, b: string) => `how do I fix my ${a} when the ${b} keeps failing?`,
  (a: string, b: string) => `what is the best ${a} for a beginner who likes ${b}`,
  (a: string, b: string) => `can you compare ${a} and ${b} for me`,
  (a: string, b: string) => `my ${a} seems off after I changed the ${b}, any idea why`,
  (a: string, b: string) => `quick question about ${a}: should I worry about ${b}?`,
  (a: string, b: string) => `I'm planning something with ${a} and ${b} next week, tips?`,
  (a: string, b: string) => `explain ${a} like I'm five, and mention ${b}`,
  (a: string, b: string) => `is it normal that ${a} affects ${b} so much`,
];

const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)];

const OPENERS = ['', 'hey,', 'so', 'quick one:', 'I was wondering,', 'hi!', 'ok so', 'sorry if this is basic but'];
const CLOSERS = ['', 'thanks!', 'no rush', 'I tried searching already', 'it is for my sister', 'lol', 'please keep it short', 'cheers'];

/** A varied human question; `topics` narrows the interests (a person asks about a few things). */
export function humanPrompt(rng: Rng, topics: readonly string[] = Object.keys(TOPICS)): string {
  const words = TOPICS[pick(rng, topics)];
  const extra = rng.next() < 0.5 ? ` (also ${pick(rng, words)} and ${pick(rng, VOCAB)})` : '';
  return `${pick(rng, OPENERS)} ${pick(rng, FRAMES)(pick(rng, words), pick(rng, words))}${extra} ${pick(rng, CLOSERS)}`.trim();
}

export function humanFollowUp(rng: Rng): string {
  return pick(rng, ['thanks, can you say more?', 'and what if that does not work', 'ok, why?', 'give me an example']);
}

const VOCAB = Object.values(TOPICS).flat();

/** Random words from the whole vocabulary (no topic focus): the raw material of synthetic sweeps. */
export function randomWords(rng: Rng, n: number): string {
  return Array.from({ length: n }, () => pick(rng, VOCAB)).join(' ');
}

/** The seeded exponential gap (ms) of a Poisson process with `meanMs`. */
export function exponentialGap(rng: Rng, meanMs: number): number {
  return -Math.log(1 - rng.next()) * meanMs;
}
