/**
 * The SQLite adapter: every store on one connection to one file. Several processes (gateway, admin, CLI) may open
 * the same file; WAL lets them read concurrently, the busy timeout serialises their writes, and IP-rule versions
 * notice each other's changes.
 */
import type { Stores } from '../interfaces.ts';
import { SqliteAccountStore } from './accounts.ts';
import { SqliteAdminLog } from './admin-log.ts';
import { type AuditBatchOptions, SqliteAuditStore } from './audit.ts';
import { SqliteBanStore } from './bans.ts';
import { type OpenDatabaseOptions, openDatabase } from './db.ts';
import { SqliteDetectionStore } from './detections.ts';
import { SqliteIpRuleStore } from './ip-rules.ts';
import { SqliteKeyStore } from './keys.ts';

export { StoreOpenError } from './db.ts';

export interface SqliteStoreOptions extends OpenDatabaseOptions {
  /** Clock for creation times and admin-action timestamps (tests pin it). */
  now?: () => number;
  audit?: AuditBatchOptions;
}

/** Opens (creating and migrating if needed) the SQLite file at `path`; throws StoreOpenError naming it on failure. */
export function openSqliteStores(path: string, options: SqliteStoreOptions = {}): Stores {
  const db = openDatabase(path, options);
  const now = options.now ?? Date.now;
  const log = new SqliteAdminLog(db, now);
  const audit = new SqliteAuditStore(db, log, options.audit);
  let closed = false;
  return {
    accounts: new SqliteAccountStore(db, log, now),
    keys: new SqliteKeyStore(db, log),
    bans: new SqliteBanStore(db, log),
    ipRules: new SqliteIpRuleStore(db, log),
    audit,
    detections: new SqliteDetectionStore(db, log),
    async close() {
      if (closed) return;
      closed = true;
      try {
        audit.close();
      } finally {
        db.close();
      }
    },
  };
}
