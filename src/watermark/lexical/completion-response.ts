/**
 * The lexical mark on OpenAI-shaped text answers: whole chat / completions bodies, and SSE streams event by event.
 * In a stream each choice has its own marker; an event's text is replaced by what the marker can write so far, the
 * choice's finishing event carries the held-back word, and a stream that ends without one gets a last chunk with it
 * before `[DONE]`. Events without text are forwarded byte for byte.
 */
import type { SseEvent } from '../../gateway/upstream/sse.ts';
import { LexicalMarker, markText } from './marker.ts';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Marks every choice's text in a whole chat or completions answer (in place); returns whether anything was marked. */
export function markCompletionBody(body: unknown, accountKey: Buffer): boolean {
  if (!isObject(body) || !Array.isArray(body.choices)) return false;
  let marked = false;
  for (const choice of body.choices) {
    if (!isObject(choice)) continue;
    if (typeof choice.text === 'string') {
      choice.text = markText(choice.text, accountKey);
      marked = true;
    }
    const message = choice.message;
    if (isObject(message) && typeof message.content === 'string') {
      message.content = markText(message.content, accountKey);
      marked = true;
    }
  }
  return marked;
}

/** Rewrites one SSE stream of chat or completions chunks. */
export class LexicalSseRewriter {
  readonly #accountKey: Buffer;
  readonly #markers = new Map<number, LexicalMarker>();
  readonly #finished = new Set<number>();
  #template: Json | null = null;

  constructor(accountKey: Buffer) {
    this.#accountKey = accountKey;
  }

  /** The bytes to send for this event (possibly preceded by a chunk carrying held-back words, before `[DONE]`). */
  rewrite(event: SseEvent): string | Buffer {
    if (event.data === null) return event.raw;
    if (event.data === '[DONE]') return this.#flushChunk() + event.raw.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(event.data);
    } catch {
      return event.raw;
    }
    if (!isObject(parsed) || !Array.isArray(parsed.choices)) return event.raw;
    let changed = false;
    for (const choice of parsed.choices) {
      if (!isObject(choice) || typeof choice.index !== 'number') continue;
      changed = this.#rewriteChoice(choice, choice.index) || changed;
    }
    if (!this.#template) this.#template = parsed;
    return changed ? `data: ${JSON.stringify(parsed)}\n\n` : event.raw;
  }

  /** At the end of the upstream stream without `[DONE]`: a chunk with the words still held back, or ''. */
  end(): string {
    return this.#flushChunk();
  }

  #rewriteChoice(choice: Json, index: number): boolean {
    const delta = isObject(choice.delta) ? choice.delta : null;
    const holder: Json | null = typeof choice.text === 'string' ? choice : delta;
    const field = holder === choice ? 'text' : 'content';
    const finishing = choice.finish_reason !== null && choice.finish_reason !== undefined;
    const incoming = holder && typeof holder[field] === 'string' ? (holder[field] as string) : null;
    if (incoming === null && !finishing) return false;
    const marker = this.#marker(index);
    let out = incoming === null ? '' : marker.push(incoming);
    if (finishing) {
      out += marker.flush();
      this.#finished.add(index);
    }
    if (incoming === null && out === '') return false;
    if (holder) holder[field] = out;
    else choice.delta = { content: out };
    return true;
  }

  #marker(index: number): LexicalMarker {
    let marker = this.#markers.get(index);
    if (!marker) {
      marker = new LexicalMarker(this.#accountKey);
      this.#markers.set(index, marker);
    }
    return marker;
  }

  #flushChunk(): string {
    const choices: Json[] = [];
    for (const [index, marker] of this.#markers) {
      if (this.#finished.has(index)) continue;
      this.#finished.add(index);
      const rest = marker.flush();
      if (rest === '') continue;
      const isCompletion = this.#template?.object === 'text_completion';
      choices.push(isCompletion ? { index, text: rest, finish_reason: null } : { index, delta: { content: rest }, finish_reason: null });
    }
    if (choices.length === 0) return '';
    const { usage: _usage, choices: _choices, ...template } = this.#template ?? {};
    return `data: ${JSON.stringify({ ...template, choices })}\n\n`;
  }
}
