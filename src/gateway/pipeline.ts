/**
 * The gateway's request path, in order, on one screen. Work before `await next()` happens top to bottom on the way in;
 * work after it (audit, metrics, settling tokens, the detection event) bottom to top on the way out.
 * docs/pipeline.md draws the same list with the status each phase can answer with; keep the two in step.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import type { ActiveActions } from '../detect/active-actions.ts';
import type { DetectionBus } from '../detect/bus.ts';
import type { ApiKeyHasher } from '../keys/api-key.ts';
import type { Stores } from '../store/interfaces.ts';
import type { LimitStore } from '../store/limits/interface.ts';
import { branchByRoute } from './compose.ts';
import type { Policy } from './context.ts';
import { cachedLookups } from './lookup-cache.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { IpRuleWatcher } from './net/ip-rule-watcher.ts';
import { applyDetectionActions, throttledLimits } from './policies/apply-detection-actions.ts';
import { assignRequestId } from './policies/assign-request-id.ts';
import { authenticate } from './policies/authenticate.ts';
import { emitDetectionEvent } from './policies/emit-detection-event.ts';
import { enforceBans } from './policies/enforce-bans.ts';
import { enforceIpRules } from './policies/enforce-ip-rules.ts';
import { enforceLimits } from './policies/enforce-limits.ts';
import { forwardUpstream } from './policies/forward-upstream.ts';
import { listModels } from './policies/list-models.ts';
import { matchRoute } from './policies/match-route.ts';
import { readModelRequest } from './policies/read-model-request.ts';
import { recordMetrics } from './policies/record-metrics.ts';
import { resolveClientIp } from './policies/resolve-client-ip.ts';
import { respondToErrors } from './policies/respond-to-errors.ts';
import { watermarkKeyHeaders } from './policies/watermark-key.ts';
import { watermarkResponses } from './policies/watermark-responses.ts';
import { writeAudit } from './policies/write-audit.ts';
import type { UpstreamPools } from './upstream/pool.ts';

export interface PipelineDeps {
  config: Config;
  stores: Stores;
  limits: LimitStore;
  hasher: ApiKeyHasher;
  bus: DetectionBus;
  /** Detection actions in force (empty when detection is off or in shadow mode). */
  actions: ActiveActions;
  metrics: GatewayMetrics;
  pools: UpstreamPools;
  ipRules: IpRuleWatcher;
  logger: Logger;
}

export function buildPipeline(d: PipelineDeps): Policy[] {
  const { gateway, limits, audit } = d.config;
  const lookups = cachedLookups(d.stores, gateway.lookupCacheMs);
  return [
    assignRequestId(),
    writeAudit({ audit: d.stores.audit, storeText: audit.storeText }),
    recordMetrics({ metrics: d.metrics }),
    respondToErrors({ logger: d.logger }),
    matchRoute(),
    resolveClientIp({
      trustedProxies: gateway.trustedProxies,
      header: gateway.clientIpHeader,
      subnetPrefixV4: gateway.subnetPrefixV4,
      subnetPrefixV6: gateway.subnetPrefixV6,
    }),
    enforceIpRules({ rules: d.ipRules }),
    authenticate({ lookups, hasher: d.hasher }),
    enforceBans({ lookups, onBanned: () => d.metrics.bannedRequests.inc() }),
    branchByRoute({ models: [listModels({ models: d.config.models, createdAt: Date.now() })] }, [
      readModelRequest({ maxBodyBytes: gateway.maxBodyBytes, models: d.config.models }),
      applyDetectionActions({ actions: d.actions }),
      enforceLimits({
        store: d.limits,
        defaults: limits,
        onStoreError: limits.onStoreError,
        onRejected: (scope, dimension) => d.metrics.limitRejections.inc({ scope, dimension }),
        adjustAccountLimits: (accountId, own) => throttledLimits(own, d.actions.get(accountId), d.config.detection.actions.throttleUnlimitedRpm),
        onStoreFailure: (err) => {
          d.metrics.limitStoreErrors.inc();
          d.logger.error({ err }, 'limit store failure');
        },
      }),
      emitDetectionEvent({ bus: d.bus }),
      watermarkResponses({ config: d.config, logger: d.logger, onDawn: (model, tally) => d.metrics.countDawn(model, tally) }),
      forwardUpstream({
        pools: d.pools,
        onActiveStreams: (delta) => d.metrics.activeStreams.inc(delta),
        upstreamHeaders: watermarkKeyHeaders({ config: d.config, logger: d.logger }),
      }),
    ]),
  ];
}
