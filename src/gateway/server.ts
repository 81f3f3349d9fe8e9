/**
 * The data-plane listener: builds every service once (composition happens in the caller, which passes stores), runs
 * each request through the pipeline, serves `/metrics` to loopback peers, and shuts down without losing audit rows.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type Logger, pino } from 'pino';
import type { Config } from '../config/schema.ts';
import { ActiveActions } from '../detect/active-actions.ts';
import { DetectionBus } from '../detect/bus.ts';
import { listen, urlOf } from '../http/listen.ts';
import { sendError } from '../http/respond.ts';
import { ApiKeyHasher } from '../keys/api-key.ts';
import { CidrSet, parseIp } from '../net/ip.ts';
import type { Stores } from '../store/interfaces.ts';
import type { LimitStore } from '../store/limits/interface.ts';
import { MemoryLimitStore } from '../store/limits/memory.ts';
import { compose } from './compose.ts';
import { createContext } from './context.ts';
import { GatewayMetrics } from './metrics.ts';
import { IpRuleWatcher } from './net/ip-rule-watcher.ts';
import { buildPipeline } from './pipeline.ts';
import { UpstreamPools } from './upstream/pool.ts';

export interface GatewayOptions {
  config: Config;
  stores: Stores;
  secret: string;
  logger?: Logger;
  limits?: LimitStore;
  bus?: DetectionBus;
  /** Detection actions the gateway applies (read on every request); none when absent. */
  actions?: ActiveActions;
  /** Register default Node process metrics too (off in tests, where several gateways share a process). */
  processMetrics?: boolean;
}

export interface RunningGateway {
  url: string;
  server: Server;
  bus: DetectionBus;
  metrics: GatewayMetrics;
  ipRules: IpRuleWatcher;
  close(): Promise<void>;
}

const METRICS_PEERS = CidrSet.of(['127.0.0.0/8', '::1/128']);

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { config, stores } = options;
  const logger = options.logger ?? pino({ level: config.log.level });
  const limits = options.limits ?? new MemoryLimitStore();
  const bus = options.bus ?? new DetectionBus();
  const actions = options.actions ?? new ActiveActions();
  const metrics = new GatewayMetrics({ defaultMetrics: options.processMetrics ?? false });
  const pools = new UpstreamPools(config.models);
  const ipRules = new IpRuleWatcher(stores.ipRules, logger);
  await ipRules.start();
  await restoreDailyCounts(stores, limits, logger);
  const hasher = new ApiKeyHasher(options.secret);
  const run = compose(buildPipeline({ config, stores, limits, hasher, bus, actions, metrics, pools, ipRules, logger }));

  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    if (req.url === '/metrics' || req.url === '/healthz') return void serveOps(req, res, metrics);
    run(createContext(req, res)).catch((err: unknown) => {
      logger.error({ err }, 'request failed outside the error phase');
      sendError(res, err);
    });
  });
  await listen(server, config.gateway.host, config.gateway.port, (err) => logger.debug({ err }, 'malformed HTTP from a client'));

  return {
    url: urlOf(server, config.gateway.host),
    server,
    bus,
    metrics,
    ipRules,
    async close() {
      ipRules.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await pools.close();
      await limits.close();
      await stores.audit.flush();
    },
  };
}

/** Replays today's admitted requests from the audit log into the daily counters, so a restart grants no new quota. */
async function restoreDailyCounts(stores: Stores, limits: LimitStore, logger: Logger): Promise<void> {
  const now = Date.now();
  const counts = await stores.audit.admittedSince(now - (now % 86_400_000));
  for (const c of counts) await limits.restoreDaily(c.scope, c.key, c.requests, now);
  if (counts.length > 0) logger.info({ scopes: counts.length }, 'restored daily request counts from the audit log');
}

async function serveOps(req: IncomingMessage, res: ServerResponse, metrics: GatewayMetrics): Promise<void> {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    return;
  }
  const peer = parseIp(req.socket.remoteAddress ?? '');
  if (!peer || !METRICS_PEERS.match(peer)) {
    res.writeHead(403, { 'content-type': 'text/plain' }).end('metrics are served to loopback peers only\n');
    return;
  }
  res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
}

