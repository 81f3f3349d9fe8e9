/**
 * The onion kernel (after koa-compose): runs policies in order, each deciding whether and when to call the rest.
 * Guards against a policy calling `next()` twice, which would run the rest of the chain twice.
 */
import type { GatewayContext, Next, Policy } from './context.ts';

export function compose(policies: readonly Policy[]): (ctx: GatewayContext) => Promise<void> {
  for (const policy of policies) {
    if (typeof policy !== 'function') throw new TypeError('every pipeline entry must be a policy function');
  }
  return function runPipeline(ctx) {
    let last = -1;
    const dispatch = (i: number): Promise<void> => {
      if (i <= last) return Promise.reject(new Error(`policy ${policies[i - 1]?.name ?? i} called next() twice`));
      last = i;
      const policy = policies[i];
      if (!policy) return Promise.resolve();
      const next: Next = () => dispatch(i + 1);
      return policy(ctx, next);
    };
    return dispatch(0);
  };
}

/** Runs `branches[ctx.routeName]` (or `fallback`) as a sub-pipeline: how one list serves different routes. */
export function branchByRoute(branches: Partial<Record<string, readonly Policy[]>>, fallback: readonly Policy[]): Policy {
  const compiled = new Map(Object.entries(branches).map(([name, list]) => [name, compose(list ?? [])]));
  const other = compose(fallback);
  return async function branchRoute(ctx, next) {
    const run = (ctx.routeName && compiled.get(ctx.routeName)) || other;
    await run(ctx);
    await next();
  };
}
