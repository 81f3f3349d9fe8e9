/**
 * POST /v1/classifications (Moat's own route; OpenAI has none):
 *   request  {model, input: string | string[]}
 *   response {object: 'list', model, data: [{index, label, probabilities: {ham: p, spam: q}}], usage}
 * `label` is the most probable class; `probabilities` has one entry per class label, summing to 1.
 */
import { z } from 'zod';
import { sendJson, validate } from '../../http/respond.ts';
import { MAX_INPUT_ITEMS, textOrTexts } from '../request-fields.ts';
import { usage } from '../response-shapes.ts';
import type { RouteHandler, ServeServices } from '../route.ts';

/** Builds the handler; the schema is compiled once from `serve` limits. */
export function classificationsRoute(services: ServeServices): RouteHandler {
  const { catalog, batcher, limits } = services;
  const schema = z.object({
    model: z.string({ error: 'must be a string' }).min(1, 'is required'),
    input: textOrTexts(limits, MAX_INPUT_ITEMS),
  });

  return async function classifications({ body: raw, res, requestId }) {
    const body = validate(schema, raw);
    const model = catalog.classifier(body.model);
    const rows = await batcher.run(model, body.input, (texts) => model.predict(texts));
    const promptTokens = body.input.reduce((sum, text) => sum + model.countTokens(text), 0);
    sendJson(res, 200, {
      object: 'list',
      model: body.model,
      data: rows.map((row, index) => {
        let best = 0;
        for (let k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
        return { index, label: model.labels[best], probabilities: Object.fromEntries(model.labels.map((label, k) => [label, row[k]])) };
      }),
      usage: usage(promptTokens, 0),
    }, { 'x-request-id': requestId });
  };
}
