/** Names the data-plane route (what the rest of the pipeline branches on); unknown paths 404, wrong methods 405. */
import { MoatError } from '../../http/errors.ts';
import type { Policy, RouteName } from '../context.ts';

const ROUTES: Record<string, { method: string; name: RouteName }> = {
  '/v1/chat/completions': { method: 'POST', name: 'chat' },
  '/v1/completions': { method: 'POST', name: 'completions' },
  '/v1/embeddings': { method: 'POST', name: 'embeddings' },
  '/v1/classifications': { method: 'POST', name: 'classifications' },
  '/v1/models': { method: 'GET', name: 'models' },
};

export function matchRoute(): Policy {
  return async function matchRoute(ctx, next) {
    const url = ctx.req.url ?? '/';
    const q = url.indexOf('?');
    const path = (q === -1 ? url : url.slice(0, q)).replace(/\/+$/, '');
    const route = ROUTES[path];
    if (!route) throw new MoatError('not_found', `unknown path ${path || '/'}; this gateway serves ${Object.keys(ROUTES).join(', ')}`);
    if (ctx.req.method !== route.method) {
      throw new MoatError('method_not_allowed', `${path} accepts ${route.method}, not ${ctx.req.method}`, { headers: { allow: route.method } });
    }
    ctx.routeName = route.name;
    await next();
  };
}
