/**
 * Reads and checks a model call: body size (413 before reading an oversized body), JSON (400 naming the problem),
 * the fields the gateway itself relies on (model, prompt/messages/input, max_tokens, n, stream), and the model
 * (404 if unknown or not allowed for the account, 400 if the model does not serve this route). It also counts the
 * prompt tokens and the most the completion may use, which the limits phase reserves. Everything else in the body is
 * left for the upstream to judge.
 */
import { z } from 'zod';
import type { ModelKind, ModelRoute } from '../../config/schema.ts';
import { MoatError } from '../../http/errors.ts';
import { parseJson, readBody, validate } from '../../http/respond.ts';
import type { GatewayContext, Policy, RouteName } from '../context.ts';
import { CHAT_REPLY_PRIMING_TOKENS, CHAT_TOKENS_PER_MESSAGE, tokenCounter } from '../tokens.ts';

const common = {
  model: z.string().min(1, 'must name a model'),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  stream: z.boolean().nullish(),
};
const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });
const message = z.looseObject({ role: z.string(), content: z.union([z.string(), z.array(contentPart), z.null()]).optional() });
const textInput = z.union([z.string(), z.array(z.string()).min(1)]);

const SCHEMAS: Record<Exclude<RouteName, 'models'>, z.ZodType<Record<string, unknown>>> = {
  chat: z.looseObject({ ...common, messages: z.array(message).min(1, 'must hold at least one message') }),
  completions: z.looseObject({ ...common, prompt: z.union([textInput, z.array(z.number().int())]) }),
  embeddings: z.looseObject({ model: common.model, input: z.union([textInput, z.array(z.number().int())]) }),
  classifications: z.looseObject({ model: common.model, input: textInput }),
};

const KIND_OF_ROUTE: Record<Exclude<RouteName, 'models'>, ModelKind> = {
  chat: 'chat',
  completions: 'completion',
  embeddings: 'embedding',
  classifications: 'classification',
};

export function readModelRequest(options: { maxBodyBytes: number; models: readonly ModelRoute[] }): Policy {
  const { maxBodyBytes } = options;
  const models = new Map(options.models.map((m) => [m.name, m]));
  return async function readModelRequest(ctx, next) {
    const routeName = ctx.routeName as Exclude<RouteName, 'models'>;
    const raw = await readBody(ctx.req, maxBodyBytes);
    const json = parseJson(raw);
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new MoatError('invalid_request', 'request body must be a JSON object');
    const body = validate(SCHEMAS[routeName], json);
    const route = resolveModel(ctx, models, body.model as string, KIND_OF_ROUTE[routeName]);
    const promptText = promptOf(routeName, body);
    const count = tokenCounter(route.tokenizer);
    let promptTokens = count(promptText);
    if (routeName === 'chat') promptTokens += (body.messages as unknown[]).length * CHAT_TOKENS_PER_MESSAGE + CHAT_REPLY_PRIMING_TOKENS;
    const generates = routeName === 'chat' || routeName === 'completions';
    const maxTokens = (body.max_completion_tokens ?? body.max_tokens ?? route.defaultMaxTokens) as number;
    const choices = (body.n ?? 1) as number;
    const prompts = routeName === 'completions' && Array.isArray(body.prompt) && typeof body.prompt[0] === 'string' ? body.prompt.length : 1;
    ctx.request = {
      raw,
      body,
      bodyChanged: false,
      route,
      stream: generates && body.stream === true,
      promptText,
      promptTokens,
      maxCompletionTokens: generates ? maxTokens * choices * prompts : 0,
    };
    await next();
  };
}

function resolveModel(ctx: GatewayContext, models: Map<string, ModelRoute>, name: string, kind: ModelKind): ModelRoute {
  const route = models.get(name);
  const allowed = ctx.principal?.account.allowedModels;
  if (!route || (allowed && !allowed.includes(name))) {
    throw new MoatError('model_not_found', `the model '${name}' does not exist or you do not have access to it`, { param: 'model' });
  }
  if (!route.kinds.includes(kind)) {
    throw new MoatError('invalid_request', `the model '${name}' does not serve ${kind} requests; it serves: ${route.kinds.join(', ')}`, { param: 'model' });
  }
  return route;
}

/** The prompt as one text: message contents, prompt strings or inputs joined by newlines. */
function promptOf(route: Exclude<RouteName, 'models'>, body: Record<string, unknown>): string {
  const parts: string[] = [];
  if (route === 'chat') for (const m of body.messages as { content?: unknown }[]) addText(parts, m.content);
  else if (route === 'completions') addText(parts, body.prompt);
  else addText(parts, body.input);
  return parts.join('\n');
}

/** Strings, arrays of strings and content parts' `text` (module level: no closure per request). */
function addText(parts: string[], value: unknown): void {
  if (typeof value === 'string') parts.push(value);
  else if (Array.isArray(value)) for (const v of value) addText(parts, typeof v === 'object' && v !== null ? (v as { text?: unknown }).text : v);
}
