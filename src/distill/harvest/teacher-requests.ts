/**
 * Turns a prompt item into the OpenAI-compatible request for its modality. The body built here is exactly what is
 * sent and exactly what is hashed for the cache, so every parameter that can change the answer is in it and
 * nothing that cannot (the key travels in a header).
 */

import { createHash } from 'node:crypto';
import { MoatError } from '../../http/errors.ts';
import { canonicalJson, requestHash } from './request-hash.ts';
import type { Modality, PromptItem } from './types.ts';

export type TextApi = 'completions' | 'chat';
export type TeacherApi = TextApi | 'embeddings' | 'classifications';

export interface TeacherParams {
  /** OpenAI-style base URL, e.g. `https://api.example.com/v1`. */
  teacher: string;
  model: string;
  modality: Modality;
  /** Text only: `auto` sends plain prompts to /completions and chats to /chat/completions. */
  textApi: TextApi | 'auto';
  /** Text only: top-k logprobs per generated token; 0 asks for none (text-only distillation). */
  logprobs: number;
  maxTokens: number;
  temperature: number;
  /**
   * The run's seed. Each text request is sent its own `seed`, derived from this and the item, so a rerun of a sampled
   * request is reproducible where teachers honour seeds, while different prompts still get independent samples (one
   * shared seed would replay the same random draws for every prompt and correlate the whole harvest).
   */
  seed: number;
}

export interface TeacherRequest {
  api: TeacherApi;
  /** Path under the base URL, e.g. `/chat/completions`. */
  path: string;
  body: Record<string, unknown>;
  /** Cache key: sha256 of the endpoint URL and `body`. */
  hash: string;
  item: PromptItem;
  /** Text only: how many top logprobs were asked for (0 = none), so the parser can tell when they are missing. */
  logprobs: number;
}

const PATHS: Record<TeacherApi, string> = {
  completions: '/completions',
  chat: '/chat/completions',
  embeddings: '/embeddings',
  classifications: '/classifications',
};

/** Builds the request for one item; a chat item for a non-text modality is refused (`invalid_request`). */
export function buildTeacherRequest(item: PromptItem, params: TeacherParams): TeacherRequest {
  const api = apiFor(item, params);
  const body = bodyFor(api, item, params);
  const path = PATHS[api];
  return { api, path, body, hash: requestHash(`${params.teacher}${path}`, body), item, logprobs: params.modality === 'text' ? params.logprobs : 0 };
}

function apiFor(item: PromptItem, params: TeacherParams): TeacherApi {
  if (params.modality === 'embedding') return 'embeddings';
  if (params.modality === 'classifier') return 'classifications';
  if (params.textApi !== 'auto') return params.textApi;
  return 'messages' in item ? 'chat' : 'completions';
}

function bodyFor(api: TeacherApi, item: PromptItem, p: TeacherParams): Record<string, unknown> {
  const sampling = { model: p.model, max_tokens: p.maxTokens, temperature: p.temperature, seed: itemSeed(p.seed, item) };
  switch (api) {
    case 'completions':
      if ('messages' in item) throw new MoatError('invalid_request', 'a chat item ({messages}) cannot be sent to /completions; use the chat API', { param: 'messages' });
      return { ...sampling, prompt: item.text, ...(p.logprobs > 0 ? { logprobs: p.logprobs } : {}) };
    case 'chat': {
      const messages = 'messages' in item ? item.messages : [{ role: 'user', content: item.text }];
      return { ...sampling, messages, ...(p.logprobs > 0 ? { logprobs: true, top_logprobs: p.logprobs } : {}) };
    }
    case 'embeddings':
      return { model: p.model, input: inputText(item, p.modality), encoding_format: 'float' };
    case 'classifications':
      return { model: p.model, input: inputText(item, p.modality) };
  }
}

function inputText(item: PromptItem, modality: Modality): string {
  if ('messages' in item) throw new MoatError('invalid_request', `a chat item ({messages}) has no single input text for the ${modality} modality`, { param: 'messages' });
  return item.text;
}

/** A per-item seed in [0, 2³¹): the first 31 bits of sha256 over the run seed and the item. */
export function itemSeed(runSeed: number, item: PromptItem): number {
  return Number.parseInt(createHash('sha256').update(`${runSeed}\u0000${canonicalJson(item)}`).digest('hex').slice(0, 8), 16) >>> 1;
}
