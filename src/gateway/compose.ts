/**
 * The onion kernel (after koa-compose): runs policies in order, each deciding whether and when to call the rest.
 * Guards against a policy calling `next()` twice, which would run the rest of the chain twice.
 */
import type { GatewayContext, Policy } from './context.ts';

/** One run of a chain over one request: the state every step's `next` shares. */
interface Run {
  readonly policies: readonly Policy[];
  readonly ctx: GatewayContext;
  last: number;
}

export function compose(policies: readonly Policy[]): (ctx: GatewayContext) => Promise<void> {
  for (const policy of policies) {
    if (typeof policy !== 'function') throw new TypeError('every pipeline entry must be a policy function');
  }
  return function runPipeline(ctx) {
    return step({ policies, ctx, last: -1 }, 0);
  };
}

// A module-level function and unnamed arrows: the loader (tsx, keepNames) wraps every *named* closure in an
// Object.defineProperty call, which cost ~10 µs per request when each step made its own `next`.
function step(run: Run, i: number): Promise<void> {
  if (i <= run.last) return Promise.reject(new Error(`policy ${run.policies[i - 1]?.name ?? i} called next() twice`));
  run.last = i;
  const policy = run.policies[i];
  if (!policy) return Promise.resolve();
  try {
    return policy(run.ctx, () => step(run, i + 1));
  } catch (err) {
    // A policy written without `async` that throws still rejects the chain instead of throwing through it.
    return Promise.reject(err);
  }
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
