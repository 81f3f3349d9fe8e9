/** POST /v1/chat/completions: messages rendered through the chat template (chat-template.ts), then generated. */
import { z } from 'zod';
import { MoatError } from '../../http/errors.ts';
import { sendJson, validate } from '../../http/respond.ts';
import { CHAT_TURN_STOPS, renderChatPrompt } from '../chat-template.ts';
import { generate } from '../generate.ts';
import { maxTokensField, samplingFields, samplingFrom, stopList, topLogprobsField } from '../request-fields.ts';
import { chatLogprobs, responseId, usage } from '../response-shapes.ts';
import { randomSeed } from '../rng.ts';
import { type RouteHandler, type ServeServices, nowSeconds } from '../route.ts';
import { SseWriter } from '../sse.ts';

/** Replies are cut at this many tokens unless the request says otherwise (and never beyond serve.maxTokens). */
const DEFAULT_MAX_TOKENS = 128;
const MAX_MESSAGES = 256;

/** Builds the handler; the schema is compiled once from `serve` limits. */
export function chatCompletionsRoute(services: ServeServices): RouteHandler {
  const { catalog, scheduler, limits, selectProcessors } = services;
  const message = z.object({
    role: z.enum(['system', 'developer', 'user', 'assistant'], { error: "must be one of 'system', 'developer', 'user', 'assistant'" }),
    content: z.string({ error: 'must be a string (content parts are not supported by this server)' }),
    name: z.string().nullish(),
  });
  const schema = z.object({
    ...samplingFields(limits),
    messages: z.array(message).min(1, 'must hold at least one message').max(MAX_MESSAGES, `must hold at most ${MAX_MESSAGES} messages`),
    max_completion_tokens: maxTokensField(limits),
    logprobs: z.boolean().nullish(),
    top_logprobs: topLogprobsField,
  });

  return async function chatCompletions({ body: raw, res, requestId, requestKey, signal }) {
    const body = validate(schema, raw);
    const chars = body.messages.reduce((sum, m) => sum + m.content.length, 0);
    if (chars > limits.maxInputChars) {
      throw new MoatError('invalid_request', `invalid 'messages': the contents total ${chars} characters; the limit is ${limits.maxInputChars} (serve.maxInputChars)`, {
        param: 'messages',
      });
    }
    if (body.top_logprobs && !body.logprobs) {
      throw new MoatError('invalid_request', "invalid 'top_logprobs': requires 'logprobs' to be true", { param: 'top_logprobs' });
    }
    const model = catalog.languageModel(body.model);
    const processors = selectProcessors({ model: body.model, route: 'chat.completions', requestKey });
    const sampling = samplingFrom(body, model.tokenizer.vocabSize, processors, body.top_logprobs ?? 0);
    const prompt = model.tokenizer.encode(renderChatPrompt(body.messages));
    const input = {
      model,
      prompts: [prompt],
      n: body.n ?? 1,
      maxTokens: body.max_completion_tokens ?? body.max_tokens ?? Math.min(DEFAULT_MAX_TOKENS, limits.maxTokens),
      sampling,
      seed: body.seed ?? randomSeed(),
      stops: [...CHAT_TURN_STOPS, ...stopList(body.stop)],
      requestKey,
    };
    const frame = { id: responseId('chatcmpl'), created: nowSeconds(), model: body.model, system_fingerprint: null };

    if (!body.stream) {
      const result = await generate(scheduler, input, {}, signal);
      sendJson(res, 200, {
        ...frame,
        object: 'chat.completion',
        choices: result.choices.map((c) => ({
          index: c.index,
          message: { role: 'assistant', content: c.text, refusal: null },
          logprobs: body.logprobs ? chatLogprobs(c.tokens) : null,
          finish_reason: c.finishReason,
        })),
        usage: usage(prompt.length, result.completionTokens),
      }, { 'x-request-id': requestId });
      return;
    }

    const sse = new SseWriter(res, { 'x-request-id': requestId });
    const chunk = (choice: Record<string, unknown>) => sse.send({ ...frame, object: 'chat.completion.chunk', choices: [choice] });
    // OpenAI opens each choice with a role-only delta.
    for (let index = 0; index < input.n; index++) chunk({ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null });
    try {
      const result = await generate(
        scheduler,
        input,
        {
          onTokens(index, tokens) {
            chunk({
              index,
              delta: { content: tokens.map((t) => t.text).join('') },
              logprobs: body.logprobs ? chatLogprobs(tokens) : null,
              finish_reason: null,
            });
          },
          onFinish(choice) {
            chunk({ index: choice.index, delta: {}, logprobs: null, finish_reason: choice.finishReason });
          },
        },
        signal,
      );
      if (body.stream_options?.include_usage) {
        sse.send({ ...frame, object: 'chat.completion.chunk', choices: [], usage: usage(prompt.length, result.completionTokens) });
      }
      sse.done();
    } catch (err) {
      sse.fail(err);
    }
  };
}
