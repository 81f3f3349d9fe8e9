/** `GET /v1/models`: only the models this account may call, in OpenAI's list shape. */
import type { ModelRoute } from '../../config/schema.ts';
import { sendJson } from '../../http/respond.ts';
import type { Policy } from '../context.ts';

export function listModels(options: { models: readonly ModelRoute[]; createdAt: number }): Policy {
  const { models } = options;
  const created = Math.floor(options.createdAt / 1000);
  return async function listModels(ctx, next) {
    const allowed = ctx.principal?.account.allowedModels;
    const data = models.filter((m) => !allowed || allowed.includes(m.name)).map((m) => ({ id: m.name, object: 'model', created, owned_by: 'moat' }));
    ctx.outcome.status = 200;
    sendJson(ctx.res, 200, { object: 'list', data }, ctx.responseHeaders);
    await next();
  };
}
