/**
 * `--modality lexical`: the proxy's synonym watermark. Probes are chat requests asking for a paragraph of prose on
 * topics picked by the secret probe seed (prose is where the synonym slots are); every answer is scanned like the
 * marker scans, distinct (previous word, group) slots are scored under a key, and the hit count is tested against its
 * exact Poisson-binomial null (../lexical/detect.ts).
 */
import { createHmac } from 'node:crypto';
import { lexicalSlots, scoreLexical } from '../lexical/detect.ts';
import { GarbageAnswer, type Probe, type ProbeSelection, type VerifyMethod } from './method.ts';
import { completionText } from './text-method.ts';

const ANSWER_TOKENS = 300;
const REQUESTS = [
  'Write a short paragraph explaining',
  'In a few sentences, describe',
  'Give a brief, balanced overview of',
  'Explain to a new colleague',
  'Summarise the main arguments about',
  'Write a paragraph for a newsletter about',
  'Describe the usual problems with',
  'Explain why people often disagree about',
];
const TOPICS = [
  'how cities plan public transport',
  'why some projects run over budget',
  'how a small business chooses its suppliers',
  'the history of the printing press',
  'how students prepare for exams',
  'how lawyers assess a new case',
  'why forests matter for the climate',
  'how teachers evaluate group work',
  'how a committee reaches a decision',
  'the risks of buying a used car',
  'how hospitals respond to emergencies',
  'the effects of working from home',
  'how authors choose a theme for a novel',
  'why prices usually rise in winter',
  'how engineers calculate the load on a bridge',
  'how a theatre company prepares a play',
  'what makes a reliable source of news',
  'how farmers decide what to plant',
  'why some languages disappear',
  'how governments measure unemployment',
  'the role of museums today',
  'how a referee handles a difficult match',
  'how ships navigate in bad weather',
  'what happens during a job interview',
  'how scientists confirm a discovery',
];

/** Keyed prompts: request × topic pairs drawn by HMAC(seed, i). */
export function lexicalProbePrompts(seed: Buffer, count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const d = createHmac('sha256', seed).update(`lexical-probe/${i}`).digest();
    return `${REQUESTS[d.readUInt16BE(0) % REQUESTS.length]} ${TOPICS[d.readUInt16BE(2) % TOPICS.length]}.`;
  });
}

export function createLexicalVerifyMethod(): VerifyMethod<string> {
  return {
    modality: 'lexical',
    description:
      "lexical synonym watermark (keyed member per previous word and synonym group): hits over distinct (previous word, group) slots of the suspect's answers, Poisson-binomial mid-p test with each slot's null probability = the written word's selection weight",
    defaultProbes: 500,
    selectProbes({ probeSeed, count, model }: ProbeSelection): Probe[] {
      return lexicalProbePrompts(probeSeed, count).map((prompt, i) => ({
        id: `lexical-${i}`,
        path: '/chat/completions',
        body: { model, messages: [{ role: 'user', content: prompt }], max_tokens: ANSWER_TOKENS, temperature: 1 },
        meta: { prompt },
      }));
    },
    parseAnswer(_probe, response) {
      const text = completionText(response);
      if (text.trim() === '') throw new GarbageAnswer('empty answer');
      return text;
    },
    score(answers, key) {
      const { slots, rawSlots, words } = lexicalSlots(answers.map((a) => a.observation));
      const s = scoreLexical(slots, key.key);
      return {
        statisticName: 'z (distinct slots)',
        statistic: s.z,
        pValue: s.pValue,
        scored: s.scored,
        details: { hits: s.hits, expectedHits: round(s.expectedHits), log10PValue: round(s.log10PValue), exactPValue: s.exactPValue, rawSlots, words },
      };
    },
  };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
