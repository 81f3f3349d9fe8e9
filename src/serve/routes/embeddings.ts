/** POST /v1/embeddings: L2-normalised sentence embeddings, as float arrays or base64 little-endian float32. */
import { z } from 'zod';
import { MoatError } from '../../http/errors.ts';
import { sendJson, validate } from '../../http/respond.ts';
import { MAX_INPUT_ITEMS, textOrTexts } from '../request-fields.ts';
import { usage } from '../response-shapes.ts';
import type { RouteHandler, ServeServices } from '../route.ts';

/** Builds the handler; the schema is compiled once from `serve` limits. */
export function embeddingsRoute(services: ServeServices): RouteHandler {
  const { catalog, batcher, limits } = services;
  const schema = z.object({
    model: z.string({ error: 'must be a string' }).min(1, 'is required'),
    input: textOrTexts(limits, MAX_INPUT_ITEMS),
    encoding_format: z.enum(['float', 'base64'], { error: "must be 'float' or 'base64'" }).nullish(),
    dimensions: z.number().int().positive().nullish(),
    user: z.string().nullish(),
  });

  return async function embeddings({ body: raw, res, requestId }) {
    const body = validate(schema, raw);
    const model = catalog.embedder(body.model);
    if (body.dimensions !== null && body.dimensions !== undefined && body.dimensions !== model.dimensions) {
      throw new MoatError('invalid_request', `invalid 'dimensions': the model '${body.model}' only produces ${model.dimensions} dimensions`, {
        param: 'dimensions',
      });
    }
    const vectors = await batcher.run(model, body.input, (texts) => model.embed(texts));
    const base64 = body.encoding_format === 'base64';
    const promptTokens = body.input.reduce((sum, text) => sum + model.countTokens(text), 0);
    sendJson(res, 200, {
      object: 'list',
      model: body.model,
      data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: base64 ? toBase64(v) : Array.from(v) })),
      usage: usage(promptTokens, 0),
    }, { 'x-request-id': requestId });
  };
}

/** OpenAI's base64 format: the raw little-endian float32 bytes. */
function toBase64(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i], i * 4);
  return bytes.toString('base64');
}
