/**
 * The memory adapter: every store in plain Maps and arrays, for unit tests and `storage.driver: memory`. It keeps
 * the same contract as the SQLite adapter (checked by the shared contract suite), but nothing survives a restart
 * and nothing is shared between processes.
 */
import type { Stores } from '../interfaces.ts';
import { MemoryAccountStore } from './accounts.ts';
import { MemoryAdminLog } from './admin-log.ts';
import { MemoryAuditStore } from './audit.ts';
import { MemoryBanStore } from './bans.ts';
import { MemoryDetectionStore } from './detections.ts';
import { MemoryIpRuleStore } from './ip-rules.ts';
import { MemoryKeyStore } from './keys.ts';

export interface MemoryStoreOptions {
  /** Clock for creation times and admin-action timestamps (tests pin it). */
  now?: () => number;
  /** Most request-audit rows kept; older ones are dropped first. */
  auditCapacity?: number;
}

/** Fresh, empty in-memory stores. */
export function openMemoryStores(options: MemoryStoreOptions = {}): Stores {
  const now = options.now ?? Date.now;
  const log = new MemoryAdminLog(now);
  const accounts = new MemoryAccountStore(log, now);
  const audit = new MemoryAuditStore(log, options.auditCapacity);
  return {
    accounts,
    keys: new MemoryKeyStore(log, accounts),
    bans: new MemoryBanStore(log, accounts),
    ipRules: new MemoryIpRuleStore(log),
    audit,
    detections: new MemoryDetectionStore(log),
    async close() {
      await audit.flush();
    },
  };
}
