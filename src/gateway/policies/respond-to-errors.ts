/**
 * Turns any refusal thrown by a later phase into the OpenAI error envelope (with the request id and the headers
 * gathered so far, e.g. `retry-after`) and records it in the outcome. Errors that are not MoatErrors are bugs: they
 * are logged with their stack and answered with a 500 that reveals nothing.
 */
import type { Logger } from 'pino';
import { sendError } from '../../http/respond.ts';
import type { Policy } from '../context.ts';

export function respondToErrors(options: { logger: Logger }): Policy {
  const { logger } = options;
  return async function respondToErrors(ctx, next) {
    try {
      await next();
    } catch (err) {
      if (!ctx.res.headersSent) {
        for (const [name, value] of Object.entries(ctx.responseHeaders)) ctx.res.setHeader(name, value);
      }
      const moat = sendError(ctx.res, err, ctx.requestId);
      if (moat.code === 'internal_error') logger.error({ err, requestId: ctx.requestId }, 'unhandled error in the gateway pipeline');
      else if (moat.status >= 500) logger.warn({ requestId: ctx.requestId, code: moat.code }, moat.message);
      ctx.outcome.status = moat.status;
      ctx.outcome.decision = moat.status >= 500 ? 'error' : 'deny';
      ctx.outcome.reason = moat.message;
      ctx.outcome.errorCode = moat.code;
    }
  };
}
