/**
 * The harvest store: one SQLite file (`<out>/harvest.sqlite`) holding the response cache, the parsed records, the
 * runs and the cost ledger. WAL mode, so a reader (export, a trainer) never blocks the harvest writing; each
 * response is committed in its own transaction together with its ledger entry, so a kill -9 loses at most the
 * requests in flight and never leaves the cache and the ledger disagreeing.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { MoatError } from '../../http/errors.ts';
import { ResponseCache } from './cache.ts';
import { Ledger } from './ledger.ts';
import { HarvestReader } from './reader.ts';
import { RunRegistry } from './runs.ts';

export type HarvestDatabase = Database.Database;

/** The file name inside a harvest directory. */
export const HARVEST_FILE = 'harvest.sqlite';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE responses (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     hash TEXT NOT NULL UNIQUE,
     endpoint TEXT NOT NULL,
     model TEXT NOT NULL,
     modality TEXT NOT NULL,
     request TEXT NOT NULL,
     response TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('ok', 'malformed')),
     reason TEXT,
     record TEXT,
     key_id TEXT NOT NULL,
     run_id TEXT NOT NULL,
     prompt_tokens INTEGER NOT NULL,
     completion_tokens INTEGER NOT NULL,
     latency_ms REAL NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX responses_by_modality ON responses (modality, status, seq);
   CREATE TABLE runs (
     id TEXT PRIMARY KEY,
     spec TEXT NOT NULL,
     status TEXT NOT NULL,
     message TEXT,
     total INTEGER NOT NULL DEFAULT 0,
     invocations INTEGER NOT NULL DEFAULT 0,
     wall_ms REAL NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE run_requests (run_id TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (run_id, hash)) WITHOUT ROWID;
   CREATE TABLE keys (id TEXT PRIMARY KEY, label TEXT NOT NULL);
   CREATE TABLE ledger (
     run_id TEXT NOT NULL,
     key_id TEXT NOT NULL,
     queries INTEGER NOT NULL DEFAULT 0,
     paid INTEGER NOT NULL DEFAULT 0,
     prompt_tokens INTEGER NOT NULL DEFAULT 0,
     completion_tokens INTEGER NOT NULL DEFAULT 0,
     request_ms REAL NOT NULL DEFAULT 0,
     cache_hits INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (run_id, key_id)
   ) WITHOUT ROWID;
   CREATE TABLE ledger_errors (
     run_id TEXT NOT NULL,
     key_id TEXT NOT NULL,
     kind TEXT NOT NULL,
     count INTEGER NOT NULL DEFAULT 0,
     last_message TEXT,
     PRIMARY KEY (run_id, key_id, kind)
   ) WITHOUT ROWID;`,
];

export interface HarvestStore {
  readonly path: string;
  readonly db: HarvestDatabase;
  readonly cache: ResponseCache;
  readonly ledger: Ledger;
  readonly runs: RunRegistry;
  readonly reader: HarvestReader;
  close(): void;
}

export interface OpenHarvestOptions {
  /** Open an existing store only (export, ledger): a missing file is `not_found` instead of a new empty store. */
  mustExist?: boolean;
  now?: () => number;
}

/** Opens (creating and migrating if needed) the harvest store in directory `dir`. */
export function openHarvestStore(dir: string, options: OpenHarvestOptions = {}): HarvestStore {
  const path = join(resolve(dir), HARVEST_FILE);
  if (options.mustExist && !existsSync(path)) {
    throw new MoatError('not_found', `no harvest in ${resolve(dir)} (${HARVEST_FILE} is missing); run \`moat distill harvest --out ${dir}\` first`);
  }
  let db: HarvestDatabase | undefined;
  try {
    if (!options.mustExist) mkdirSync(resolve(dir), { recursive: true });
    db = new Database(path, { fileMustExist: options.mustExist === true, timeout: 5_000 });
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a process crash (kill -9); only a power cut can drop the last commits.
    db.pragma('synchronous = NORMAL');
    migrate(db, path);
  } catch (err) {
    db?.close();
    if (err instanceof MoatError) throw err;
    throw new MoatError('internal_error', `cannot open the harvest store ${path}: ${(err as Error).message}`, { cause: err });
  }
  const now = options.now ?? Date.now;
  const opened = db;
  const ledger = new Ledger(opened);
  const runs = new RunRegistry(opened, now);
  return {
    path,
    db: opened,
    cache: new ResponseCache(opened, ledger, runs, now),
    ledger,
    runs,
    reader: new HarvestReader(opened, ledger, runs),
    close: () => opened.close(),
  };
}

function migrate(db: HarvestDatabase, path: string): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new MoatError('internal_error', `${path} has schema version ${version}, newer than this Moat supports (${MIGRATIONS.length}); upgrade Moat`);
    }
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]);
    if (version < MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
