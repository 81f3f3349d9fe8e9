/** Counts every request by route, status and decision and observes gateway-added and upstream latency. */
import type { GatewayMetrics } from '../metrics.ts';
import type { Policy } from '../context.ts';

export function recordMetrics(options: { metrics: GatewayMetrics }): Policy {
  const { metrics } = options;
  return async function recordMetrics(ctx, next) {
    try {
      await next();
    } finally {
      const { outcome } = ctx;
      const total = (performance.now() - ctx.startedAt) / 1000;
      const upstream = outcome.upstreamMs === null ? 0 : outcome.upstreamMs / 1000;
      metrics.requests.inc({ route: ctx.routeName ?? 'unknown', status: String(outcome.status || 500), decision: outcome.decision });
      metrics.gatewayLatency.observe(Math.max(0, total - upstream));
      if (outcome.upstreamMs !== null && ctx.request) metrics.upstreamLatency.observe({ model: ctx.request.route.name }, upstream);
    }
  };
}
