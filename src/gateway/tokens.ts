/**
 * Token counting for reservations, in the upstream's own units where the config says what they are: OpenAI's BPE
 * encodings through gpt-tokenizer (offline), or characters for the built-in character-level models.
 */
import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';
import type { ModelRoute } from '../config/schema.ts';

export type TokenCounter = (text: string) => number;

const COUNTERS: Record<ModelRoute['tokenizer'], TokenCounter> = {
  o200k_base: (text) => (text.length === 0 ? 0 : countO200k(text)),
  cl100k_base: (text) => (text.length === 0 ? 0 : countCl100k(text)),
  chars: (text) => [...text].length,
};

export function tokenCounter(kind: ModelRoute['tokenizer']): TokenCounter {
  return COUNTERS[kind];
}

/** OpenAI's chat framing adds about 3 tokens per message and 3 to prime the reply; reservations must not undercount. */
export const CHAT_TOKENS_PER_MESSAGE = 3;
export const CHAT_REPLY_PRIMING_TOKENS = 3;
