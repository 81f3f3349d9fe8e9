/**
 * The two export line formats. `chat` is OpenAI's fine-tuning chat format — `{"messages": [...]}` ending with the
 * teacher's answer as the assistant turn — so any tool that fine-tunes on that format can train on the harvest.
 * `records` keeps everything a distiller needs per modality: `{prompt, completion, logprobs}`, `{input, embedding}`
 * or `{input, probabilities, label}`.
 */
import { z } from 'zod';
import type { HarvestRecord, TextRecord } from '../harvest/types.ts';

export const EXPORT_FORMATS = ['chat', 'records'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const FineTuneMessage = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string().min(1) }).strict();

/** One line of an OpenAI chat fine-tuning file: at least one user turn, ending with a non-empty assistant turn. */
export const FineTuneChatLineSchema = z
  .object({ messages: z.array(FineTuneMessage).min(2) })
  .strict()
  .refine((line) => line.messages.some((m) => m.role === 'user'), 'needs a user message')
  .refine((line) => line.messages[line.messages.length - 1]?.role === 'assistant', 'must end with the assistant message');
export type FineTuneChatLine = z.infer<typeof FineTuneChatLineSchema>;

/**
 * A text record as a fine-tuning chat line, or undefined when it cannot be one (an empty answer teaches nothing and
 * the format refuses empty content). A completion prompt becomes the user turn; `developer` turns become `system`,
 * the role fine-tuning files know; empty turns are dropped.
 */
export function toChatLine(record: TextRecord, system?: string): FineTuneChatLine | undefined {
  if (record.completion.trim() === '') return undefined;
  const turns = record.messages ?? [{ role: 'user' as const, content: record.prompt ?? '' }];
  const messages: FineTuneChatLine['messages'] = [];
  if (system && !turns.some((m) => m.role === 'system' || m.role === 'developer')) messages.push({ role: 'system', content: system });
  for (const m of turns) {
    if (m.content === '') continue;
    messages.push({ role: m.role === 'developer' ? 'system' : m.role, content: m.content });
  }
  messages.push({ role: 'assistant', content: record.completion });
  const line = { messages };
  return FineTuneChatLineSchema.safeParse(line).success ? line : undefined;
}

/** A record as a plain JSON object for the `records` format. */
export function toPlainRecord(record: HarvestRecord): Record<string, unknown> {
  switch (record.modality) {
    case 'text':
      return {
        prompt: record.prompt,
        ...(record.messages ? { messages: record.messages } : {}),
        completion: record.completion,
        finish_reason: record.finishReason,
        logprobs: record.logprobs?.map((t) => ({ token: t.token, logprob: t.logprob, top_logprobs: t.top })) ?? null,
      };
    case 'embedding':
      return { input: record.input, embedding: record.embedding };
    case 'classifier':
      return { input: record.input, probabilities: record.probabilities, label: record.label };
  }
}
