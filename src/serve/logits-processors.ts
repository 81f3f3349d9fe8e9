/**
 * The sampler's hook point. A logits processor rewrites next-token logits in place after `logit_bias` and before
 * temperature / top_p, so whatever it does (a KGW green-list bias, a ban list) shapes both the sampled token and
 * the reported logprobs. Processors are chosen per request by one `SelectLogitsProcessors` function given to the
 * server; the watermark work plugs in there, keyed by the internal `x-moat-watermark-key` header.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface LogitsProcessorContext {
  /** Prompt then generated tokens so far (the processor must not keep a reference past the call). */
  tokens: readonly number[];
  /** 0 for the first generated token. */
  step: number;
  /** The watermark key id of the request, when a trusted caller sent one. */
  requestKey?: string;
}

/** Rewrites `logits` (length = vocabulary size) in place. Must be deterministic in its inputs. */
export type LogitsProcessor = (ctx: LogitsProcessorContext, logits: Float32Array) => void;

export interface ProcessorRequest {
  /** Served model name. */
  model: string;
  route: 'completions' | 'chat.completions';
  /** Value of `x-moat-watermark-key`, only when the server trusts its caller. */
  requestKey?: string;
}

/** Picks the processor chain (applied in array order) for one request. */
export type SelectLogitsProcessors = (request: ProcessorRequest) => readonly LogitsProcessor[];

export const noLogitsProcessors: SelectLogitsProcessors = () => [];

/**
 * Internal header naming the watermark key for a request. The gateway builds upstream headers from scratch, so a
 * client-sent copy never reaches the model server through it; the server additionally ignores the header unless
 * it was started with `trustInternalHeaders` (i.e. only the gateway can reach it).
 */
export const WATERMARK_KEY_HEADER = 'x-moat-watermark-key';

/** The request key to hand to processors, or undefined when the caller is not trusted or sent none. */
export function requestKeyFrom(headers: IncomingHttpHeaders, trustInternalHeaders: boolean): string | undefined {
  if (!trustInternalHeaders) return undefined;
  const value = headers[WATERMARK_KEY_HEADER];
  const first = Array.isArray(value) ? value[0] : value;
  return first && first.length > 0 && first.length <= 256 ? first : undefined;
}
