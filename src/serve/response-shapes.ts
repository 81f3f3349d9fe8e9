/** OpenAI response fragments shared by the routes: usage, ids, and the two logprobs shapes. */
import { randomBytes } from 'node:crypto';
import type { EmittedToken, TokenAlternative } from './generate.ts';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Token counts in the served model's own units (characters for the char LM). */
export function usage(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/** `cmpl-…` / `chatcmpl-…` style response ids. */
export function responseId(prefix: string): string {
  return `${prefix}-${randomBytes(12).toString('base64url')}`;
}

export interface LegacyLogprobs {
  tokens: string[];
  token_logprobs: number[];
  top_logprobs: Record<string, number>[];
  text_offset: number[];
}

/**
 * /v1/completions `logprobs`. `text_offset` counts characters from the start of the prompt (as OpenAI's legacy API
 * does), so the first completion token's offset is the prompt's length.
 */
export function legacyLogprobs(tokens: readonly EmittedToken[], promptChars: number): LegacyLogprobs {
  return {
    tokens: tokens.map((t) => t.text),
    token_logprobs: tokens.map((t) => t.logprob),
    top_logprobs: tokens.map((t) => Object.fromEntries(t.top.map((alt) => [alt.text, alt.logprob]))),
    text_offset: tokens.map((t) => promptChars + t.offset),
  };
}

export interface ChatTokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: { token: string; logprob: number; bytes: number[] }[];
}

/** /v1/chat/completions `logprobs` (`content` entries; `refusal` is always null here). */
export function chatLogprobs(tokens: readonly EmittedToken[]): { content: ChatTokenLogprob[]; refusal: null } {
  return {
    content: tokens.map((t) => ({ ...alternative(t), top_logprobs: t.top.map(alternative) })),
    refusal: null,
  };
}

function alternative(t: TokenAlternative): { token: string; logprob: number; bytes: number[] } {
  return { token: t.text, logprob: t.logprob, bytes: [...Buffer.from(t.text, 'utf8')] };
}
