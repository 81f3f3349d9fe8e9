/**
 * Names the account's watermark key to the built-in model server: for generation requests to an `internal` route,
 * the upstream call carries `x-moat-watermark-key: <key id>` (version, master fingerprint, account), which the
 * server resolves with the same master and marks the output with. Upstream headers are built from scratch, so a
 * client's own copy of the header never travels on; it is logged, since only someone probing for the internal
 * header (or trying to have their outputs marked with another account's key) would send it.
 */
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.ts';
import { WATERMARK_KEY_HEADER } from '../../serve/logits-processors.ts';
import { watermarkKeyring } from '../../watermark/secret.ts';
import type { GatewayContext } from '../context.ts';

export interface WatermarkKeyHeaderOptions {
  config: Config;
  logger: Logger;
  /** Told of each client that sent the internal header itself (metrics, tests). */
  onClientHeader?: (ctx: GatewayContext) => void;
}

/** The `upstreamHeaders` hook of forwardUpstream. */
export function watermarkKeyHeaders(options: WatermarkKeyHeaderOptions): (ctx: GatewayContext) => Record<string, string> | undefined {
  const { config, logger } = options;
  const keyring = config.watermark.text.enabled ? watermarkKeyring(config, { create: true }) : null;
  return (ctx) => {
    if (ctx.req.headers[WATERMARK_KEY_HEADER] !== undefined) {
      logger.warn(
        { requestId: ctx.requestId, accountId: ctx.principal?.account.id ?? null, clientIp: ctx.clientIp?.text ?? null, header: WATERMARK_KEY_HEADER },
        'client sent the internal watermark key header; ignored',
      );
      options.onClientHeader?.(ctx);
    }
    const route = ctx.request?.route;
    const account = ctx.principal?.account;
    const generates = ctx.routeName === 'chat' || ctx.routeName === 'completions';
    if (!keyring || !route?.internal || !account || !generates) return undefined;
    return { [WATERMARK_KEY_HEADER]: keyring.keyIdFor(account.id) };
  };
}
