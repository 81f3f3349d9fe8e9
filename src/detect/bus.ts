/**
 * The in-process event bus between the gateway and detection. The gateway publishes one event per model request once
 * its response has ended; subscribers must not do heavy work in the listener (queue it instead), because listeners run
 * on the gateway's thread.
 */
import { EventEmitter } from 'node:events';
import type { RouteName } from '../gateway/context.ts';

export interface RequestEvent {
  requestId: string;
  at: number;
  accountId: string | null;
  keyId: string | null;
  clientIp: string;
  subnet: string;
  route: RouteName;
  model: string | null;
  /** Generation parameters distillers tune (n, logprobs, top_logprobs, logit_bias, max_tokens, temperature…). */
  params: {
    n: number | null;
    logprobs: boolean | number | null;
    topLogprobs: number | null;
    logitBias: boolean;
    maxTokens: number | null;
    temperature: number | null;
    stream: boolean;
  };
  promptText: string;
  /** Assistant turns already in a chat request's messages (> 0: the request continues a conversation). */
  assistantTurns?: number;
  status: number;
  decision: 'allow' | 'deny' | 'error';
  tokensIn: number;
  tokensOut: number;
  responseBytes: number;
  latencyMs: number;
}

export class DetectionBus {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(32);
  }

  /** Whether anyone listens: publishers check it before building an event, so detection off costs nothing. */
  get hasListeners(): boolean {
    return this.#emitter.listenerCount('request') > 0;
  }

  publish(event: RequestEvent): void {
    if (!this.hasListeners) return;
    this.#emitter.emit('request', event);
  }

  /** Returns an unsubscribe function. */
  subscribe(listener: (event: RequestEvent) => void): () => void {
    this.#emitter.on('request', listener);
    return () => this.#emitter.off('request', listener);
  }
}
