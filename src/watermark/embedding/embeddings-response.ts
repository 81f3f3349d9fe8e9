/**
 * The embedding mark on an OpenAI `/v1/embeddings` answer: each `data[i].embedding` (a float array, or base64 of
 * little-endian float32 when the client asked `encoding_format: "base64"`) is mixed toward the account's directions
 * by the triggers in `input[i]`. Token-id inputs carry no words, so they are left unmarked.
 */
import { type EmbeddingMarkParams, markEmbedding, type TriggerSets, targetDirections, triggerWeights } from './marker.ts';

type Json = Record<string, unknown>;

/** The request's inputs as texts by index (null where an input is not text). */
export function embeddingInputs(input: unknown): (string | null)[] {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input)) return [];
  if (input.every((x) => typeof x === 'number')) return [null];
  return input.map((x) => (typeof x === 'string' ? x : null));
}

/** Marks the answer in place; returns how many embeddings changed. */
export function markEmbeddingsBody(body: unknown, inputs: readonly (string | null)[], accountKey: Buffer, sets: TriggerSets, params: EmbeddingMarkParams): number {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as Json).data)) return 0;
  let changed = 0;
  const directionsByDim = new Map<number, Float64Array[]>();
  for (const item of (body as { data: unknown[] }).data) {
    if (typeof item !== 'object' || item === null) continue;
    const entry = item as Json;
    const index = typeof entry.index === 'number' ? entry.index : -1;
    const text = inputs[index];
    if (typeof text !== 'string') continue;
    const weights = triggerWeights(text, sets, params);
    if (!weights.some((w) => w > 0)) continue;
    const vector = decode(entry.embedding);
    if (!vector) continue;
    let directions = directionsByDim.get(vector.length);
    if (!directions) {
      directions = targetDirections(accountKey, vector.length, params.directions);
      directionsByDim.set(vector.length, directions);
    }
    const marked = markEmbedding(vector, weights, directions);
    entry.embedding = typeof entry.embedding === 'string' ? Buffer.from(new Float32Array(marked).buffer).toString('base64') : marked;
    changed++;
  }
  return changed;
}

function decode(embedding: unknown): number[] | null {
  if (Array.isArray(embedding)) return embedding.every((x) => typeof x === 'number') ? (embedding as number[]) : null;
  if (typeof embedding !== 'string') return null;
  const bytes = Buffer.from(embedding, 'base64');
  if (bytes.length % 4 !== 0 || bytes.length === 0) return null;
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return Array.from(floats);
}
