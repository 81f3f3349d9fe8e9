/** Reads usage and completion text out of OpenAI-shaped responses and stream chunks. */

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function usageOf(body: unknown): Usage | null {
  if (!isRecord(body) || !isRecord(body.usage)) return null;
  const { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total } = body.usage;
  if (typeof prompt !== 'number') return null;
  const completionTokens = typeof completion === 'number' ? completion : typeof total === 'number' ? total - prompt : 0;
  return { promptTokens: prompt, completionTokens };
}

/** Concatenated text of every choice (`message.content`, `delta.content` or legacy `text`). */
export function completionTextOf(body: unknown): string {
  if (!isRecord(body) || !Array.isArray(body.choices)) return '';
  let text = '';
  for (const choice of body.choices) {
    if (!isRecord(choice)) continue;
    if (typeof choice.text === 'string') text += choice.text;
    for (const part of [choice.message, choice.delta]) {
      if (isRecord(part) && typeof part.content === 'string') text += part.content;
    }
  }
  return text;
}

/** A stream chunk carrying only usage (what `stream_options.include_usage` adds at the end). */
export function isUsageOnlyChunk(body: unknown): boolean {
  return isRecord(body) && isRecord(body.usage) && Array.isArray(body.choices) && body.choices.length === 0;
}
