/**
 * The detection hook: after each model request ends, publishes what it asked and what it got on the detection bus.
 * The event is built only when someone listens, so the hook costs nothing when detection is off.
 */
import type { DetectionBus } from '../../detect/bus.ts';
import { type MoatError, toMoatError } from '../../http/errors.ts';
import type { GatewayContext, Policy } from '../context.ts';

const num = (v: unknown) => (typeof v === 'number' ? v : null);

export function emitDetectionEvent(options: { bus: DetectionBus }): Policy {
  const { bus } = options;
  return async function emitDetectionEvent(ctx, next) {
    let failure: MoatError | null = null;
    try {
      await next();
    } catch (err) {
      // Errors are answered further out (respondToErrors); the event still records the status they will get.
      failure = toMoatError(err);
      throw err;
    } finally {
      if (bus.hasListeners) publishEvent(bus, ctx, failure);
    }
  };
}

function publishEvent(bus: DetectionBus, ctx: GatewayContext, failure: MoatError | null): void {
  const body = ctx.request?.body ?? {};
  const logprobs = body.logprobs;
  bus.publish({
    requestId: ctx.requestId,
    at: ctx.receivedAt,
    accountId: ctx.principal?.account.id ?? null,
    keyId: ctx.principal?.key.id ?? null,
    clientIp: ctx.clientIp?.text ?? '',
    subnet: ctx.subnet,
    route: ctx.routeName ?? 'chat',
    model: ctx.request?.route.name ?? null,
    params: {
      n: num(body.n),
      logprobs: typeof logprobs === 'boolean' || typeof logprobs === 'number' ? logprobs : null,
      topLogprobs: num(body.top_logprobs),
      logitBias: typeof body.logit_bias === 'object' && body.logit_bias !== null && Object.keys(body.logit_bias).length > 0,
      maxTokens: num(body.max_completion_tokens ?? body.max_tokens),
      temperature: num(body.temperature),
      stream: ctx.request?.stream ?? false,
    },
    promptText: ctx.request?.promptText ?? '',
    assistantTurns: Array.isArray(body.messages) ? body.messages.filter((m) => (m as { role?: unknown })?.role === 'assistant').length : 0,
    status: failure ? failure.status : ctx.outcome.status,
    decision: failure ? (failure.status >= 500 ? 'error' : 'deny') : ctx.outcome.decision,
    tokensIn: ctx.outcome.tokensIn,
    tokensOut: ctx.outcome.tokensOut,
    responseBytes: ctx.outcome.responseBytes,
    latencyMs: performance.now() - ctx.startedAt,
  });
}
