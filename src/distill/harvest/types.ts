/**
 * The vocabulary of harvesting: what goes to a teacher (a prompt item), and what comes back as a parsed record per
 * modality. Records are stored as JSON in the harvest store and re-validated with these schemas when read, so a
 * hand-edited or corrupt row fails loudly instead of feeding a trainer garbage.
 */
import { z } from 'zod';

export const MODALITIES = ['text', 'embedding', 'classifier'] as const;
export type Modality = (typeof MODALITIES)[number];

export const ChatMessageSchema = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.string(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/** One thing to ask the teacher: plain text (a completion prompt or an input to embed/classify) or a chat. */
export type PromptItem = { text: string } | { messages: ChatMessage[] };

export const TokenLogprobSchema = z.object({
  token: z.string(),
  logprob: z.number(),
  /** The teacher's top-k alternatives at this position, most likely first (as the API returned them). */
  top: z.array(z.object({ token: z.string(), logprob: z.number() })),
});
export type TokenLogprob = z.infer<typeof TokenLogprobSchema>;

export const TextRecordSchema = z.object({
  modality: z.literal('text'),
  /** The completion prompt, or null when the item was a chat. */
  prompt: z.string().nullable(),
  messages: z.array(ChatMessageSchema).nullable(),
  completion: z.string(),
  finishReason: z.string().nullable(),
  /** Per generated token, when logprobs were requested; null otherwise. */
  logprobs: z.array(TokenLogprobSchema).nullable(),
});

export const EmbeddingRecordSchema = z.object({
  modality: z.literal('embedding'),
  input: z.string(),
  embedding: z.array(z.number()),
});

export const ClassifierRecordSchema = z.object({
  modality: z.literal('classifier'),
  input: z.string(),
  /** One probability per class label, as the teacher returned them. */
  probabilities: z.record(z.string(), z.number()),
  label: z.string(),
});

export const HarvestRecordSchema = z.discriminatedUnion('modality', [TextRecordSchema, EmbeddingRecordSchema, ClassifierRecordSchema]);

export type TextRecord = z.infer<typeof TextRecordSchema>;
export type EmbeddingRecord = z.infer<typeof EmbeddingRecordSchema>;
export type ClassifierRecord = z.infer<typeof ClassifierRecordSchema>;
export type HarvestRecord = z.infer<typeof HarvestRecordSchema>;

/** The record type of a modality, e.g. `RecordOf<'embedding'>` is `EmbeddingRecord`. */
export type RecordOf<M extends Modality> = Extract<HarvestRecord, { modality: M }>;

/** Token counts a teacher reported in `usage` (0 when it reported none). */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** The text an item puts in front of the teacher, for display and for text-only modalities. */
export function itemText(item: PromptItem): string {
  return 'text' in item ? item.text : item.messages.map((m) => `${m.role}: ${m.content}`).join('\n');
}
