/**
 * Sends simulated requests to the gateway over loopback, each with its client address in the forwarding header, and
 * records every outcome in the ledger. A shared semaphore caps requests in flight across all simulated clients.
 */
import { Agent, request } from 'undici';
import type { Ledger } from './ledger.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatParams {
  maxTokens: number;
  temperature?: number;
  n?: number;
  logprobs?: boolean;
  topLogprobs?: number;
  logitBias?: Record<string, number>;
}

export interface SimResponse {
  status: number;
  /** The error code of a refusal (`account_banned`, `rate_limit_exceeded`, …), else null. */
  code: string | null;
  /** First choice's text, for multi-turn conversations. */
  content: string;
  /** Seconds the gateway asks to wait (429), if any. */
  retryAfter: number | null;
}

export interface SimClientOptions {
  /** Gateway base URL, e.g. `http://127.0.0.1:8080` (`/v1/...` is appended). */
  gatewayUrl: string;
  clientIpHeader: string;
  model: string;
  maxInFlight: number;
  ledger: Ledger;
  timeoutMs?: number;
}

export class SimClient {
  readonly #o: SimClientOptions;
  readonly #agent: Agent;
  readonly #waiting: (() => void)[] = [];
  #inFlight = 0;

  constructor(options: SimClientOptions) {
    this.#o = options;
    this.#agent = new Agent({ connections: options.maxInFlight, keepAliveTimeout: 30_000, pipelining: 1 });
  }

  async chat(who: { actor: number; account: number; key: string; ip: string }, messages: ChatMessage[], params: ChatParams): Promise<SimResponse> {
    await this.#acquire();
    const started = this.#o.ledger.now();
    try {
      const body = {
        model: this.#o.model,
        messages,
        max_tokens: params.maxTokens,
        temperature: params.temperature,
        n: params.n,
        logprobs: params.logprobs,
        top_logprobs: params.topLogprobs,
        logit_bias: params.logitBias,
      };
      const res = await request(`${this.#o.gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        dispatcher: this.#agent,
        headers: { authorization: `Bearer ${who.key}`, 'content-type': 'application/json', [this.#o.clientIpHeader]: who.ip },
        body: JSON.stringify(body),
        headersTimeout: this.#o.timeoutMs ?? 60_000,
        bodyTimeout: this.#o.timeoutMs ?? 60_000,
      });
      const text = await res.body.text();
      const parsed = parseJson(text);
      const response: SimResponse = {
        status: res.statusCode,
        code: res.statusCode >= 400 ? errorCode(parsed) : null,
        content: res.statusCode < 300 ? firstContent(parsed) : '',
        retryAfter: retryAfter(res.headers['retry-after']),
      };
      this.#o.ledger.record(who.actor, who.account, started, response.status, response.code);
      return response;
    } catch (err) {
      this.#o.ledger.record(who.actor, who.account, started, 0, 'transport_error');
      return { status: 0, code: `transport_error: ${(err as Error).message}`, content: '', retryAfter: null };
    } finally {
      this.#release();
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #acquire(): Promise<void> {
    if (this.#inFlight < this.#o.maxInFlight) {
      this.#inFlight++;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#inFlight--;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function errorCode(parsed: unknown): string {
  const code = (parsed as { error?: { code?: unknown } } | null)?.error?.code;
  return typeof code === 'string' ? code : 'unknown';
}

function firstContent(parsed: unknown): string {
  const content = (parsed as { choices?: { message?: { content?: unknown } }[] } | null)?.choices?.[0]?.message?.content;
  return typeof content === 'string' ? content : '';
}

function retryAfter(header: string | string[] | undefined): number | null {
  const value = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(value) && value >= 0 ? value : null;
}
