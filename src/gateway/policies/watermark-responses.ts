/**
 * Marks upstream answers for the account that receives them (issue 6, proxy-side watermarks; docs/watermark-proxy.md):
 *   - chat / completions text: lexical synonym mark, whole answers and SSE streams (at most one word held back),
 *     except built-in (`internal`) models when the KGW sampler mark is on, and models listed in
 *     `watermark.lexical.exceptModels` (other upstreams that mark their own text);
 *   - embeddings: trigger-word mark toward the account's directions;
 *   - classifications: DAWN keyed wrong labels, with the selected inputs written to the ledger.
 * It sits just before forwardUpstream and wraps the response's writeHead / write / end for the duration of the call,
 * so forwardUpstream stays unaware of it: a whole JSON answer is held until `end`, rewritten and sent with its new
 * length; a stream's head goes out at once and each SSE event is rewritten as it passes. Error answers (status ≥ 300)
 * and anything unparsable pass through untouched. Keys come from the watermark keyring (per account, cached).
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.ts';
import { applyDawnToBody, classificationInputs, type DawnTally } from '../../watermark/classifier/classifications-response.ts';
import { type DawnLedger, dawnLedgerFile, FileDawnLedger } from '../../watermark/classifier/ledger.ts';
import { embeddingInputs, markEmbeddingsBody } from '../../watermark/embedding/embeddings-response.ts';
import { embeddingTriggerKey, type TriggerSets, triggerSets } from '../../watermark/embedding/marker.ts';
import type { WatermarkKeyring } from '../../watermark/keys.ts';
import { LexicalSseRewriter, markCompletionBody } from '../../watermark/lexical/completion-response.ts';
import { resolveWatermarkSecret, watermarkKeyring } from '../../watermark/secret.ts';
import type { GatewayContext, Policy } from '../context.ts';
import { SseSplitter } from '../upstream/sse.ts';

export interface WatermarkResponsesOptions {
  config: Pick<Config, 'dataDir' | 'watermark'>;
  logger: Logger;
  /** Defaults to the JSON-lines ledger in the data directory. */
  ledger?: DawnLedger;
  /** Per classification answer: what DAWN did (for the realised flipped and in-band shares). */
  onDawn?: (model: string, tally: DawnTally) => void;
}

type Mark = (body: unknown, ctx: GatewayContext, key: Buffer) => boolean;
type Headers = Record<string, string | number | readonly string[]>;

export function watermarkResponses(options: WatermarkResponsesOptions): Policy {
  const { watermark } = options.config;
  const { lexical, embedding, classifier } = watermark;
  const anyOn = lexical.enabled || embedding.enabled || classifier.enabled;
  if (!anyOn) {
    return async function watermarkResponses(_ctx, next) {
      await next();
    };
  }
  const master = resolveWatermarkSecret(options.config, { create: true });
  const keyring: WatermarkKeyring = watermarkKeyring(options.config, { create: true });
  const keys = new Map<string, Buffer>();
  const keyFor = (accountId: string): Buffer => {
    let key = keys.get(accountId);
    if (!key) {
      key = keyring.resolveKey(keyring.keyIdFor(accountId)).key;
      if (keys.size > 10_000) keys.clear();
      keys.set(accountId, key);
    }
    return key;
  };
  const keyIdFor = (accountId: string) => keyring.keyIdFor(accountId);
  const sets: TriggerSets = triggerSets(embeddingTriggerKey(master, keyring.currentVersion), embedding);
  const ledger = options.ledger ?? (classifier.enabled ? new FileDawnLedger(dawnLedgerFile(options.config.dataDir)) : undefined);
  const exceptText = new Set(lexical.exceptModels);
  const kgwOn = watermark.text.enabled;

  const marks: Partial<Record<string, Mark>> = {};
  if (lexical.enabled) marks.chat = marks.completions = (body, _ctx, key) => markCompletionBody(body, key);
  if (embedding.enabled) {
    marks.embeddings = (body, ctx, key) => markEmbeddingsBody(body, embeddingInputs(ctx.request?.body.input), key, sets, embedding) > 0;
  }
  if (classifier.enabled) {
    marks.classifications = (body, ctx, key) => {
      const accountId = ctx.principal?.account.id ?? '';
      const model = ctx.request?.route.name ?? '';
      const tally = applyDawnToBody(body, classificationInputs(ctx.request?.body.input), key, classifier, (s) => {
        try {
          ledger?.record({ keyId: keyIdFor(accountId), accountId, model, ...s, at: ctx.receivedAt });
        } catch (err) {
          options.logger.error({ err }, 'watermark ledger write failed');
        }
      });
      options.onDawn?.(model, tally);
      return tally.watermark > 0;
    };
  }

  return async function watermarkResponses(ctx, next) {
    const route = ctx.routeName;
    const mark = route ? marks[route] : undefined;
    const accountId = ctx.principal?.account.id;
    const isText = route === 'chat' || route === 'completions';
    // Text from a Moat model server that applies the KGW sampler mark itself is not rewritten on top.
    const marksItself = isText && (exceptText.has(ctx.request?.route.name ?? '') || (kgwOn && ctx.request?.route.internal === true));
    if (!mark || !accountId || !ctx.request || marksItself) {
      await next();
      return;
    }
    let key: Buffer;
    try {
      key = keyFor(accountId);
    } catch (err) {
      options.logger.warn({ err, accountId }, 'no watermark key for this account; answer left unmarked');
      await next();
      return;
    }
    const restore = intercept(ctx, mark, key, isText ? () => new LexicalSseRewriter(key) : null);
    try {
      await next();
    } finally {
      restore();
    }
  };
}

/** Wraps the response methods forwardUpstream writes through; returns the function that puts them back. */
function intercept(ctx: GatewayContext, mark: Mark, key: Buffer, streamRewriter: (() => LexicalSseRewriter) | null): () => void {
  const res = ctx.res;
  const original = { writeHead: res.writeHead, write: res.write, end: res.end };
  let held: { status: number; headers: Headers } | null = null;
  let stream: { splitter: SseSplitter; rewriter: LexicalSseRewriter } | null = null;

  res.writeHead = function writeHead(this: ServerResponse, status: number, ...rest: unknown[]) {
    const headers = (rest.find((r) => typeof r === 'object' && r !== null) ?? {}) as Headers;
    const contentType = String(headers['content-type'] ?? '');
    if (status < 300 && contentType.includes('application/json')) {
      held = { status, headers };
      return this;
    }
    if (status < 300 && contentType.includes('text/event-stream') && streamRewriter) {
      stream = { splitter: new SseSplitter(), rewriter: streamRewriter() };
    }
    return Reflect.apply(original.writeHead, this, [status, ...rest]) as ServerResponse;
  } as typeof res.writeHead;

  res.write = function write(this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    if (!stream || !(chunk instanceof Uint8Array || typeof chunk === 'string')) return Reflect.apply(original.write, this, [chunk, ...rest]) as boolean;
    const out = rewriteEvents(stream, Buffer.from(chunk));
    return out.length === 0 ? true : (Reflect.apply(original.write, this, [out]) as boolean);
  } as typeof res.write;

  res.end = function end(this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    const body = chunk instanceof Uint8Array || typeof chunk === 'string' ? Buffer.from(chunk) : null;
    if (held) {
      const { status, headers } = held;
      held = null;
      const bytes = body ? markWhole(body, ctx, mark, key) : Buffer.alloc(0);
      Reflect.apply(original.writeHead, this, [status, { ...headers, 'content-length': bytes.length }]);
      return Reflect.apply(original.end, this, [bytes]) as ServerResponse;
    }
    if (stream) {
      const active = stream;
      stream = null;
      // Pending words go out before an in-band error event or the close, so no text is lost.
      const tail = active.rewriter.end();
      const out = Buffer.concat([Buffer.from(tail), rewriteEvents(active, body ?? Buffer.alloc(0))]);
      return Reflect.apply(original.end, this, out.length ? [out] : []) as ServerResponse;
    }
    return Reflect.apply(original.end, this, [chunk, ...rest]) as ServerResponse;
  } as typeof res.end;

  return () => {
    res.writeHead = original.writeHead;
    res.write = original.write;
    res.end = original.end;
  };
}

function rewriteEvents(stream: { splitter: SseSplitter; rewriter: LexicalSseRewriter }, chunk: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const event of stream.splitter.push(chunk)) {
    const out = stream.rewriter.rewrite(event);
    parts.push(typeof out === 'string' ? Buffer.from(out) : out);
  }
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}

function markWhole(bytes: Buffer, ctx: GatewayContext, mark: Mark, key: Buffer): Buffer {
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    return bytes;
  }
  return mark(body, ctx, key) ? Buffer.from(JSON.stringify(body)) : bytes;
}
