/**
 * The per-request context every policy reads and extends. Fields start empty and are filled by the phase named
 * beside them (see pipeline.ts and docs/pipeline.md), so a policy can rely on what earlier phases set.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ModelRoute } from '../config/schema.ts';
import type { Lease } from '../store/limits/interface.ts';
import type { Account, ApiKey, Decision } from '../store/types.ts';
import type { ParsedIp } from '../net/ip.ts';

/** Data-plane routes, named by what they serve. */
export type RouteName = 'chat' | 'completions' | 'embeddings' | 'classifications' | 'models';

export interface Principal {
  account: Account;
  key: ApiKey;
}

/** The parsed body of a model call (set by readModelRequest). */
export interface ModelRequest {
  /** Body as received; forwarded verbatim unless a policy rewrote `body`. */
  raw: Buffer;
  body: Record<string, unknown>;
  /** Set when a policy changed `body`, so the upstream phase re-serialises it. */
  bodyChanged: boolean;
  route: ModelRoute;
  stream: boolean;
  /** The prompt as plain text (for hashing, optional storage, detection). */
  promptText: string;
  promptTokens: number;
  /** Upper bound on completion tokens (max_tokens × n; 0 for embeddings/classifications). */
  maxCompletionTokens: number;
}

/** What happened, filled in as the request goes; audit, metrics and detection read it at the end. */
export interface Outcome {
  status: number;
  decision: Decision;
  reason: string | null;
  errorCode: string | null;
  tokensIn: number;
  tokensOut: number;
  completionText: string;
  responseBytes: number;
  /** Milliseconds spent waiting for and streaming from the upstream. */
  upstreamMs: number | null;
}

export interface GatewayContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** performance.now() at arrival, for latency. */
  readonly startedAt: number;
  /** Date.now() at arrival, for limits and records. */
  readonly receivedAt: number;
  /** assignRequestId */
  requestId: string;
  /** matchRoute */
  routeName: RouteName | null;
  /** resolveClientIp */
  clientIp: ParsedIp | null;
  subnet: string;
  /** authenticate */
  principal: Principal | null;
  /** readModelRequest */
  request: ModelRequest | null;
  /** enforceLimits */
  lease: Lease | null;
  /** Headers every response carries (request id, x-ratelimit-*), merged by whoever writes the head. */
  readonly responseHeaders: Record<string, string>;
  readonly outcome: Outcome;
}

export function createContext(req: IncomingMessage, res: ServerResponse): GatewayContext {
  return {
    req,
    res,
    startedAt: performance.now(),
    receivedAt: Date.now(),
    requestId: '',
    routeName: null,
    clientIp: null,
    subnet: '',
    principal: null,
    request: null,
    lease: null,
    responseHeaders: {},
    outcome: {
      status: 0,
      decision: 'allow',
      reason: null,
      errorCode: null,
      tokensIn: 0,
      tokensOut: 0,
      completionText: '',
      responseBytes: 0,
      upstreamMs: null,
    },
  };
}

export type Next = () => Promise<void>;
/** A policy: request-side work before `await next()`, response-side work after it. */
export type Policy = (ctx: GatewayContext, next: Next) => Promise<void>;
