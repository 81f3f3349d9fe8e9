/**
 * The composition root for a running Moat: builds every service once from the validated config — stores (chosen by
 * `storage.driver`), the model server (optional, in a worker thread), the gateway and the admin API — and closes them
 * in reverse order so in-flight requests finish and every audit row is flushed.
 */
import { type Logger, pino } from 'pino';
import { type RunningAdminServer, startAdminServer } from '../admin/server.ts';
import type { Config } from '../config/schema.ts';
import { resolveSecrets, type Secrets } from '../config/secrets.ts';
import { ActiveActions } from '../detect/active-actions.ts';
import { DetectionBus } from '../detect/bus.ts';
import { type DetectionService, startDetection } from '../detect/service.ts';
import { type RunningGateway, startGateway } from '../gateway/server.ts';
import { ApiKeyHasher } from '../keys/api-key.ts';
import { openStores } from '../store/index.ts';
import type { Stores } from '../store/interfaces.ts';

export interface RunningModels {
  url: string;
  close(): Promise<void>;
}

export interface ServicesOptions {
  config: Config;
  logger?: Logger;
  /** An already running built-in model server, closed after the gateway (it must outlive the requests it serves). */
  models?: RunningModels;
}

export interface RunningServices {
  config: Config;
  secrets: Secrets;
  stores: Stores;
  hasher: ApiKeyHasher;
  gateway: RunningGateway;
  admin: RunningAdminServer;
  /** Null when `detection.enabled` is false. */
  detection: DetectionService | null;
  /** The gateway's per-request event bus (detection's input; benches record it). */
  bus: DetectionBus;
  models: RunningModels | null;
  close(): Promise<void>;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export async function startServices(options: ServicesOptions): Promise<RunningServices> {
  const { config } = options;
  const logger = options.logger ?? pino({ level: config.log.level });
  const secrets = resolveSecrets(config);
  const stores = openStores(config, { audit: { onError: (err) => logger.error({ err }, 'audit batch write failed; retrying') } });
  const hasher = new ApiKeyHasher(secrets.secret);
  const started: { close(): Promise<void> }[] = [];
  try {
    const models = options.models ?? null;
    if (models) started.push(models);
    const bus = new DetectionBus();
    const actions = new ActiveActions();
    const gateway = await startGateway({ config, stores, secret: secrets.secret, logger, processMetrics: true, bus, actions });
    started.push(gateway);
    const detection = config.detection.enabled ? await startDetection({ config: config.detection, stores, bus, actions, registry: gateway.metrics.registry, logger }) : null;
    if (detection) started.push(detection);
    const admin = await startAdminServer({ config, stores, hasher, adminToken: secrets.adminToken, logger, detection });
    started.push(admin);
    const purge = schedulePurge(config, stores, logger);
    return {
      config,
      secrets,
      stores,
      hasher,
      gateway,
      admin,
      detection,
      bus,
      models,
      async close() {
        clearInterval(purge);
        await closeAll(started);
        await stores.close();
      },
    };
  } catch (err) {
    await closeAll(started);
    await stores.close();
    throw err;
  }
}

async function closeAll(services: { close(): Promise<void> }[]): Promise<void> {
  for (const service of [...services].reverse()) await service.close();
}

/** Erases stored prompt/completion text past `audit.textRetentionDays`, hourly; metadata and hashes stay. */
function schedulePurge(config: Config, stores: Stores, logger: Logger): NodeJS.Timeout {
  const days = config.audit.textRetentionDays;
  const run = () => {
    if (config.audit.storeText === 'off' || days === 0) return;
    stores.audit.purgeText(Date.now() - days * DAY_MS).catch((err: unknown) => logger.error({ err }, 'audit text purge failed'));
  };
  run();
  const timer = setInterval(run, HOUR_MS);
  timer.unref();
  return timer;
}
