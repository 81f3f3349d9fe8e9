/** POST /v1/completions: legacy text completion (prompt string or array, n, stop, seed, logprobs, echo, stream). */
import { z } from 'zod';
import { MoatError } from '../../http/errors.ts';
import { sendJson, validate } from '../../http/respond.ts';
import { generate } from '../generate.ts';
import { MAX_PROMPTS, samplingFields, samplingFrom, stopList, textOrTexts, topLogprobsField } from '../request-fields.ts';
import { legacyLogprobs, responseId, usage } from '../response-shapes.ts';
import { randomSeed } from '../rng.ts';
import { type RouteHandler, type ServeServices, nowSeconds } from '../route.ts';
import { SseWriter } from '../sse.ts';

/** OpenAI's default for this route. */
const DEFAULT_MAX_TOKENS = 16;

/** Builds the handler; the schema is compiled once from `serve` limits. */
export function completionsRoute(services: ServeServices): RouteHandler {
  const { catalog, scheduler, limits, selectProcessors } = services;
  const schema = z.object({
    ...samplingFields(limits),
    prompt: textOrTexts(limits, MAX_PROMPTS),
    logprobs: topLogprobsField,
    echo: z.boolean().nullish(),
  });

  return async function completions({ body: raw, res, requestId, requestKey, signal }) {
    const body = validate(schema, raw);
    if (body.echo && body.logprobs !== null && body.logprobs !== undefined) {
      throw new MoatError('invalid_request', "invalid 'echo': echo together with logprobs (prompt scoring) is not supported", { param: 'echo' });
    }
    const model = catalog.languageModel(body.model);
    const processors = selectProcessors({ model: body.model, route: 'completions', requestKey });
    const wantLogprobs = body.logprobs !== null && body.logprobs !== undefined;
    const sampling = samplingFrom(body, model.tokenizer.vocabSize, processors, body.logprobs ?? 0);
    const prompts = body.prompt.map((p) => model.tokenizer.encode(p));
    const promptTokens = prompts.reduce((sum, p) => sum + p.length, 0);
    const n = body.n ?? 1;
    const input = {
      model,
      prompts,
      n,
      maxTokens: body.max_tokens ?? Math.min(DEFAULT_MAX_TOKENS, limits.maxTokens),
      sampling,
      seed: body.seed ?? randomSeed(),
      stops: stopList(body.stop),
      requestKey,
    };
    const id = responseId('cmpl');
    const created = nowSeconds();
    const frame = { id, object: 'text_completion', created, model: body.model, system_fingerprint: null };
    const echoOf = (promptIndex: number) => (body.echo ? body.prompt[promptIndex] : '');
    const promptChars = (index: number) => body.prompt[Math.floor(index / n)].length;

    if (!body.stream) {
      const result = await generate(scheduler, input, {}, signal);
      sendJson(res, 200, {
        ...frame,
        choices: result.choices.map((c) => ({
          index: c.index,
          text: echoOf(c.promptIndex) + c.text,
          logprobs: wantLogprobs ? legacyLogprobs(c.tokens, promptChars(c.index)) : null,
          finish_reason: c.finishReason,
        })),
        usage: usage(promptTokens, result.completionTokens),
      }, { 'x-request-id': requestId });
      return;
    }

    const sse = new SseWriter(res, { 'x-request-id': requestId });
    const started = new Set<number>();
    const chunk = (index: number, text: string, extra: Record<string, unknown>) =>
      sse.send({ ...frame, choices: [{ index, text, logprobs: null, finish_reason: null, ...extra }] });
    try {
      const result = await generate(
        scheduler,
        input,
        {
          onTokens(index, tokens) {
            const echo = started.has(index) ? '' : echoOf(Math.floor(index / n));
            started.add(index);
            chunk(index, echo + tokens.map((t) => t.text).join(''), wantLogprobs ? { logprobs: legacyLogprobs(tokens, promptChars(index)) } : {});
          },
          onFinish(choice) {
            const echo = started.has(choice.index) ? '' : echoOf(choice.promptIndex);
            chunk(choice.index, echo, { finish_reason: choice.finishReason });
          },
        },
        signal,
      );
      if (body.stream_options?.include_usage) sse.send({ ...frame, choices: [], usage: usage(promptTokens, result.completionTokens) });
      sse.done();
    } catch (err) {
      sse.fail(err);
    }
  };
}
