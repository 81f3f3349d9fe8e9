/**
 * Prompts from a file: JSONL (`.jsonl`, `.ndjson`, `.json`), one object per line with `prompt`, `input` (a text) or
 * `messages` (a chat); or plain text, one prompt per line. Blank lines are skipped. Every bad line is reported by
 * number with its reason, and a file with any bad line is refused as a whole: a silently shortened harvest is worse
 * than a precise error.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { z } from 'zod';
import { MoatError } from '../../http/errors.ts';
import { ChatMessageSchema, type Modality, type PromptItem } from './types.ts';

export interface BadLine {
  /** 1-based line number. */
  line: number;
  reason: string;
}

export type PromptFileFormat = 'jsonl' | 'text';

const NonEmpty = z.string().refine((s) => s.trim() !== '', 'must not be empty');
const LineSchema = z
  .object({ prompt: NonEmpty.optional(), input: NonEmpty.optional(), messages: z.array(ChatMessageSchema).min(1, 'needs at least one message').optional() })
  .loose()
  .refine((o) => [o.prompt, o.input, o.messages].filter((v) => v !== undefined).length === 1, 'needs exactly one of "prompt", "input" or "messages"');

/** JSONL by extension, plain text otherwise. */
export function formatOf(path: string): PromptFileFormat {
  return ['.jsonl', '.ndjson', '.json'].includes(extname(path).toLowerCase()) ? 'jsonl' : 'text';
}

/** Parses file text into items, collecting every bad line instead of stopping at the first. */
export function parsePromptFile(text: string, format: PromptFileFormat, modality: Modality): { items: PromptItem[]; bad: BadLine[] } {
  const items: PromptItem[] = [];
  const bad: BadLine[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    if (raw.trim() === '') continue;
    const line = i + 1;
    if (format === 'text') {
      items.push({ text: raw });
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (err) {
      bad.push({ line, reason: `not valid JSON (${(err as Error).message})` });
      continue;
    }
    const parsed = LineSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue.path.map(String).join('.');
      bad.push({ line, reason: path ? `${path}: ${issue.message}` : issue.message });
      continue;
    }
    const { prompt, input, messages } = parsed.data;
    if (messages !== undefined) {
      if (modality !== 'text') bad.push({ line, reason: `"messages" needs --modality text; ${modality} takes "input" or "prompt"` });
      else items.push({ messages });
    } else {
      items.push({ text: (prompt ?? input) as string });
    }
  }
  return { items, bad };
}

const SHOWN_BAD_LINES = 10;

/** Reads and parses `path`; refuses (`invalid_request`) a missing or empty file or one with bad lines, naming them. */
export async function loadPromptFile(path: string, modality: Modality): Promise<PromptItem[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new MoatError('invalid_request', `cannot read the prompt file ${path}: ${(err as Error).message}`, { param: 'source', cause: err });
  }
  const format = formatOf(path);
  const { items, bad } = parsePromptFile(text, format, modality);
  if (bad.length > 0) {
    const shown = bad.slice(0, SHOWN_BAD_LINES).map((b) => `  line ${b.line}: ${b.reason}`).join('\n');
    const more = bad.length > SHOWN_BAD_LINES ? `\n  … and ${bad.length - SHOWN_BAD_LINES} more` : '';
    throw new MoatError('invalid_request', `${path} has ${bad.length} bad line${bad.length === 1 ? '' : 's'} (read as ${format}):\n${shown}${more}`, { param: 'source' });
  }
  if (items.length === 0) throw new MoatError('invalid_request', `${path} has no prompts (every line is blank)`, { param: 'source' });
  return items;
}
