/**
 * The one check every detector runs on an event before folding it in. Detection events come from the gateway's own
 * bus (an internal edge), at up to thousands per second, so this is a hand-written check rather than a zod parse; the
 * last event that passed is remembered (one slot, by identity), so the six detectors, which the engine runs one after
 * another on the same event, pay for the full check once per event (a WeakSet cost more than the check it saved).
 */
import { MoatError } from '../../http/errors.ts';
import type { DetectionEvent } from '../types.ts';

/** Embeddings longer than this are refused by default; the bound keeps every detector's state bound finite. */
export const DEFAULT_MAX_EMBEDDING_DIM = 256;

let lastChecked: DetectionEvent | null = null;

function reject(reason: string, param: string): never {
  throw new MoatError('invalid_request', `detection event rejected: ${reason}`, { param });
}

/** Throws a MoatError (invalid_request) naming the faulty field; returns normally for a well-formed event. */
export function checkEvent(event: DetectionEvent, maxEmbeddingDim = DEFAULT_MAX_EMBEDDING_DIM): void {
  if (typeof event !== 'object' || event === null) reject('not an object', 'event');
  if (event === lastChecked) {
    if (event.embedding && event.embedding.length > maxEmbeddingDim) {
      reject(`embedding has ${event.embedding.length} dimensions, more than ${maxEmbeddingDim}`, 'embedding');
    }
    return;
  }
  if (typeof event.accountId !== 'string' || event.accountId.length === 0) reject('unknown account', 'accountId');
  if (typeof event.at !== 'number' || !Number.isFinite(event.at) || event.at < 0) reject('bad timestamp', 'at');
  if (typeof event.promptText !== 'string') reject('promptText is not a string', 'promptText');
  if (typeof event.followUp !== 'boolean') reject('followUp is not a boolean', 'followUp');
  const p = event.params;
  if (typeof p !== 'object' || p === null) reject('params missing', 'params');
  for (const field of ['n', 'topLogprobs', 'maxTokens', 'temperature'] as const) {
    const v = p[field];
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) reject(`params.${field} is ${v}`, field);
  }
  if (p.logprobs !== null && typeof p.logprobs !== 'boolean' && typeof p.logprobs !== 'number') {
    reject('params.logprobs has a bad type', 'logprobs');
  }
  if (typeof p.logitBias !== 'boolean') reject('params.logitBias is not a boolean', 'logitBias');
  const e = event.embedding;
  if (e !== null) {
    if (!(e instanceof Float32Array) || e.length === 0) reject('embedding is not a non-empty Float32Array', 'embedding');
    if (e.length > maxEmbeddingDim) {
      reject(`embedding has ${e.length} dimensions, more than ${maxEmbeddingDim}`, 'embedding');
    }
    let norm = 0;
    for (let i = 0; i < e.length; i++) norm += e[i] * e[i];
    // Detectors use dot products as cosine similarity, so the embedding must be unit length (and finite).
    if (!(Math.abs(norm - 1) < 1e-3)) reject(`embedding is not unit length (|e|² = ${norm})`, 'embedding');
  }
  lastChecked = event;
}
