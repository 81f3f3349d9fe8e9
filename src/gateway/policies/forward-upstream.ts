/**
 * The terminal phase: sends the (possibly rewritten) request to the model's upstream over a pooled keep-alive
 * connection and relays the answer. Non-streamed answers are relayed whole; SSE streams are relayed event by event
 * as they arrive (never buffered to the end), while the usage and completion text are read on the way for
 * settlement, audit and detection. A client that leaves mid-stream aborts the upstream call, so its reservation is settled
 * with only what was produced.
 */
import type { Dispatcher } from 'undici';
import { MoatError } from '../../http/errors.ts';
import type { GatewayContext, Policy, RouteName } from '../context.ts';
import { tokenCounter } from '../tokens.ts';
import type { UpstreamPools, UpstreamTarget } from '../upstream/pool.ts';
import { SseSplitter } from '../upstream/sse.ts';
import { completionTextOf, isUsageOnlyChunk, usageOf } from '../upstream/usage.ts';
import { requestWhole, type WholeResponse } from '../upstream/whole-response.ts';

const UPSTREAM_PATHS: Record<Exclude<RouteName, 'models'>, string> = {
  chat: '/chat/completions',
  completions: '/completions',
  embeddings: '/embeddings',
  classifications: '/classifications',
};

export interface ForwardUpstreamOptions {
  pools: UpstreamPools;
  /** Called with the number of streams in flight (metrics gauge). */
  onActiveStreams?: (delta: number) => void;
  /** Extra headers for this request's upstream call (the internal watermark key id; see watermark-key.ts). */
  upstreamHeaders?: (ctx: GatewayContext) => Record<string, string> | undefined;
}

/**
 * @example forwardUpstream({ pools: new UpstreamPools(config.models) })
 */
export function forwardUpstream(options: ForwardUpstreamOptions): Policy {
  const { pools, onActiveStreams = () => {}, upstreamHeaders = () => undefined } = options;
  return async function forwardUpstream(ctx, next) {
    const request = ctx.request;
    if (!request || !ctx.routeName || ctx.routeName === 'models') throw new Error('forwardUpstream needs a model request');
    const target = pools.target(request.route.name);
    const { payload, strippedUsage } = buildPayload(ctx, target);
    // Only streams are cut short when the client leaves: a whole answer is being generated anyway, is charged as
    // used, and skipping the AbortController keeps the common path cheaper.
    const abort = request.stream ? new AbortController() : null;
    const onClientGone = abort
      ? () => {
          if (!ctx.res.writableFinished) abort.abort();
        }
      : null;
    if (onClientGone) ctx.res.on('close', onClientGone);
    const started = performance.now();
    try {
      const call = upstreamCall(target, UPSTREAM_PATHS[ctx.routeName], payload, ctx.requestId, upstreamHeaders(ctx));
      if (!abort) {
        // Not a stream: the whole answer is wanted, so skip request()'s body stream (whole-response.ts).
        const whole = await sendWhole(target, call, request.route.name);
        relayWhole(ctx, whole.statusCode, whole.contentType, whole.body);
      } else {
        const response = await send(target, call, abort.signal, request.route.name);
        const isSse = String(response.headers['content-type'] ?? '').includes('text/event-stream');
        if (isSse && response.statusCode < 300) {
          onActiveStreams(1);
          try {
            await relayStream(ctx, response, strippedUsage, abort.signal);
          } finally {
            onActiveStreams(-1);
          }
        } else {
          const contentType = response.headers['content-type'];
          relayWhole(ctx, response.statusCode, contentType === undefined ? undefined : String(contentType), Buffer.from(await response.body.arrayBuffer()));
        }
      }
    } catch (err) {
      if (abort?.signal.aborted && !(err instanceof MoatError)) {
        clientClosed(ctx);
        return;
      }
      throw err;
    } finally {
      ctx.outcome.upstreamMs = performance.now() - started;
      if (onClientGone) ctx.res.off('close', onClientGone);
    }
    await next();
  };
}

/** Rewrites the model name and, for streams, asks the upstream for usage (stripped again if the client did not ask). */
function buildPayload(ctx: GatewayContext, target: UpstreamTarget): { payload: Buffer; strippedUsage: boolean } {
  const request = ctx.request!;
  let body = request.body;
  let changed = request.bodyChanged;
  if (target.upstreamModel !== body.model) {
    body = { ...body, model: target.upstreamModel };
    changed = true;
  }
  let strippedUsage = false;
  const options = body.stream_options;
  const wantsUsage = typeof options === 'object' && options !== null && (options as Record<string, unknown>).include_usage === true;
  if (request.stream && !wantsUsage) {
    body = { ...body, stream_options: { ...(typeof options === 'object' && options !== null ? options : {}), include_usage: true } };
    changed = true;
    strippedUsage = true;
  }
  return { payload: changed ? Buffer.from(JSON.stringify(body)) : request.raw, strippedUsage };
}

/** The upstream request: headers built key by key (a spread followed by more keys is slow to build in V8). */
function upstreamCall(target: UpstreamTarget, path: string, payload: Buffer, requestId: string, extra: Record<string, string> | undefined): Dispatcher.DispatchOptions {
  const headers: Record<string, string> = {};
  if (extra) for (const name in extra) headers[name] = extra[name];
  headers['content-type'] = 'application/json';
  headers['x-request-id'] = requestId;
  if (target.authorization) headers.authorization = target.authorization;
  return { path: target.basePath + path, method: 'POST', headers, body: payload, headersTimeout: target.timeoutMs, bodyTimeout: target.timeoutMs };
}

async function sendWhole(target: UpstreamTarget, call: Dispatcher.DispatchOptions, model: string): Promise<WholeResponse> {
  try {
    return await requestWhole(target.pool, call);
  } catch (err) {
    throw upstreamFailure(err, model, target.timeoutMs, undefined);
  }
}

async function send(target: UpstreamTarget, call: Dispatcher.DispatchOptions, signal: AbortSignal, model: string): Promise<Dispatcher.ResponseData> {
  try {
    return await target.pool.request({ ...call, signal });
  } catch (err) {
    throw upstreamFailure(err, model, target.timeoutMs, signal);
  }
}

function upstreamFailure(err: unknown, model: string, timeoutMs: number, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return err;
  const code = (err as { code?: string }).code ?? '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new MoatError('upstream_timeout', `the upstream for model '${model}' did not answer within ${timeoutMs} ms`, { cause: err });
  }
  return new MoatError('upstream_error', `the upstream for model '${model}' could not be reached (${code || (err as Error).message})`, { cause: err });
}

function writeHead(ctx: GatewayContext, status: number, contentType: string, extra: Record<string, string | number> = {}): void {
  ctx.outcome.status = status;
  ctx.res.writeHead(status, headersOf(ctx.responseHeaders, extra, contentType));
}

/**
 * `{ ...responseHeaders, ...extra, 'content-type': contentType }`, copied key by key: V8 builds that spread (of
 * hyphenated header names, plus a key after it) slowly, and node's writeHead then walks the result slowly too —
 * 9.8 µs against 3.4 µs for the same writeHead in a micro-benchmark.
 */
function headersOf(base: Readonly<Record<string, string>>, extra: Readonly<Record<string, string | number>>, contentType: string): Record<string, string | number> {
  const headers: Record<string, string | number> = {};
  for (const name in base) headers[name] = base[name];
  for (const name in extra) headers[name] = extra[name];
  headers['content-type'] = contentType;
  return headers;
}

function relayWhole(ctx: GatewayContext, statusCode: number, contentType: string | undefined, bytes: Buffer): void {
  const request = ctx.request!;
  writeHead(ctx, statusCode, contentType ?? 'application/json', { 'content-length': bytes.length });
  ctx.res.end(bytes);
  ctx.outcome.responseBytes = bytes.length;
  if (statusCode >= 300) {
    ctx.outcome.decision = statusCode >= 500 ? 'error' : 'allow';
    ctx.outcome.reason = `upstream answered ${statusCode}`;
    return; // nothing was generated: the reservation is refunded
  }
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    ctx.outcome.reason = 'upstream answer was not JSON; usage estimated';
  }
  ctx.outcome.completionText = completionTextOf(parsed);
  const usage = usageOf(parsed);
  ctx.outcome.tokensIn = usage?.promptTokens ?? request.promptTokens;
  ctx.outcome.tokensOut = usage?.completionTokens ?? tokenCounter(request.route.tokenizer)(ctx.outcome.completionText);
}

async function relayStream(ctx: GatewayContext, response: Dispatcher.ResponseData, stripUsage: boolean, signal: AbortSignal): Promise<void> {
  const request = ctx.request!;
  const { res } = ctx;
  writeHead(ctx, response.statusCode, 'text/event-stream; charset=utf-8', { 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  res.flushHeaders();
  const splitter = new SseSplitter();
  let text = '';
  let usage: ReturnType<typeof usageOf> = null;
  try {
    for await (const chunk of response.body) {
      for (const event of splitter.push(chunk as Buffer)) {
        let forward = true;
        if (event.data && event.data !== '[DONE]') {
          const parsed = safeJson(event.data);
          usage = usageOf(parsed) ?? usage;
          text += completionTextOf(parsed);
          if (stripUsage && isUsageOnlyChunk(parsed)) forward = false;
        }
        if (forward && !res.write(event.raw)) await drained(res, signal);
        if (forward) ctx.outcome.responseBytes += event.raw.length;
      }
    }
    res.end();
  } catch (err) {
    if (signal.aborted) throw err;
    // Headers are gone already: tell the client in-band, as OpenAI streams do, and close.
    const failure = upstreamFailure(err, request.route.name, 0, signal);
    const message = failure instanceof MoatError ? failure.message : 'upstream stream failed';
    res.end(`data: ${JSON.stringify({ error: { message, type: 'server_error', code: 'upstream_error' } })}\n\n`);
    ctx.outcome.decision = 'error';
    ctx.outcome.reason = `stream broke: ${message}`;
  } finally {
    ctx.outcome.completionText = text;
    ctx.outcome.tokensIn = usage?.promptTokens ?? request.promptTokens;
    ctx.outcome.tokensOut = usage?.completionTokens ?? tokenCounter(request.route.tokenizer)(text);
  }
}

function drained(res: GatewayContext['res'], signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      if (signal.aborted) reject(new Error('client closed the connection'));
      else resolve();
    };
    res.on('drain', done);
    signal.addEventListener('abort', done);
  });
}

/** The client left before the answer was complete: record it (nginx's 499) and keep only what was produced. */
function clientClosed(ctx: GatewayContext): void {
  ctx.outcome.status = ctx.outcome.status || 499;
  ctx.outcome.decision = 'error';
  ctx.outcome.reason = 'client closed the connection before the response completed';
  ctx.outcome.errorCode = 'client_closed';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
