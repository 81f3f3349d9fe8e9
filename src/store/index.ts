/**
 * The one composition root for stores: picks the adapter named by `config.storage.driver`. To add a driver
 * (Postgres, Redis), add its name to the `storage.driver` enum in config/schema.ts and one entry to `DRIVERS`; the
 * type below refuses to compile until every configured driver has an opener.
 */
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { Stores } from './interfaces.ts';
import { openMemoryStores } from './memory/index.ts';
import { type SqliteStoreOptions, StoreOpenError, openSqliteStores } from './sqlite/index.ts';

export { StoreOpenError };

export interface OpenStoresOptions {
  /** Passed to the SQLite adapter's audit batcher, e.g. to log failed background writes. */
  audit?: SqliteStoreOptions['audit'];
}

type Driver = Config['storage']['driver'];

const DRIVERS: Record<Driver, (config: Config, options: OpenStoresOptions) => Stores> = {
  memory: () => openMemoryStores(),
  sqlite: (config, options) => {
    const path = sqlitePath(config);
    if (path === ':memory:') return openSqliteStores(path, { audit: options.audit });
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (err) {
      throw new StoreOpenError(path, `cannot create its directory: ${(err as Error).message}`, err);
    }
    return openSqliteStores(path, { audit: options.audit });
  },
};

/** The SQLite file `config` points at: `storage.sqlitePath`, resolved against `dataDir` unless absolute. */
export function sqlitePath(config: Config): string {
  const { sqlitePath } = config.storage;
  if (sqlitePath === ':memory:') return sqlitePath;
  return isAbsolute(sqlitePath) ? sqlitePath : resolve(config.dataDir, sqlitePath);
}

/** Opens the stores the configuration asks for. */
export function openStores(config: Config, options: OpenStoresOptions = {}): Stores {
  return DRIVERS[config.storage.driver](config, options);
}
