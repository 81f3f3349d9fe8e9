/** Small pieces both detection modes (gateway thread, worker thread) share. */
import type { Logger } from 'pino';
import type { DetectionConfig } from '../config/detection-schema.ts';
import type { Stores } from '../store/interfaces.ts';

export async function lookupAccount(stores: Stores, id: string): Promise<{ createdAt: number; name: string } | null> {
  const account = await stores.accounts.get(id);
  return account ? { createdAt: account.createdAt, name: account.name } : null;
}

export function logStarted(logger: Logger, config: DetectionConfig, detectors: string[], perAccountBytes: number, actionsInForce: number, where: string): void {
  logger.info(
    { shadow: config.shadow, where, detectors, actionsInForce, perAccountBytes, stateCeilingMB: Math.round((perAccountBytes * config.maxAccounts) / 1e6) },
    'detection started',
  );
}
