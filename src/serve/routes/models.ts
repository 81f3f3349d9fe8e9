/** GET /v1/models and GET /v1/models/{id}: the served models in OpenAI's shape, plus Moat's family and size. */
import { sendJson } from '../../http/respond.ts';
import type { ModelInfo } from '../../ml/contracts.ts';
import type { RouteHandler, ServeServices } from '../route.ts';

export const MODEL_PATH_PREFIX = '/v1/models/';

/** Lists every model, or one when the path names it (404 `model_not_found` otherwise). */
export function modelsRoute(services: ServeServices, startedAt: number): RouteHandler {
  const { catalog } = services;
  const shape = (info: ModelInfo) => ({
    id: info.name,
    object: 'model',
    created: startedAt,
    owned_by: 'moat',
    family: info.family,
    size: info.size,
    parameter_count: info.parameterCount,
  });

  return async function models({ req, res, requestId }) {
    const path = (req.url ?? '').split('?')[0];
    const headers = { 'x-request-id': requestId };
    if (path.startsWith(MODEL_PATH_PREFIX)) {
      sendJson(res, 200, shape(catalog.info(decodeName(path.slice(MODEL_PATH_PREFIX.length)))), headers);
      return;
    }
    sendJson(res, 200, { object: 'list', data: catalog.list().map(shape) }, headers);
  };
}

function decodeName(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // malformed escapes: look the raw text up, which then answers 404
  }
}
