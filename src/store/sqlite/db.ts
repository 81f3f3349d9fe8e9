/**
 * Opens a SQLite file for the stores: WAL (readers never block the writer), synchronous=NORMAL (durable across
 * process crashes; a power cut may lose the last commits, never corrupt the file), a busy timeout so two processes
 * sharing the file wait for each other instead of failing, foreign keys on, then the pending migrations.
 */
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.ts';

export type SqliteDatabase = Database.Database;

/** The file could not be opened, is not a Moat database, or has a schema newer than this code. */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';
  constructor(
    readonly path: string,
    reason: string,
    cause?: unknown,
  ) {
    super(`cannot open the SQLite store ${path}: ${reason}`, { cause });
  }
}

export interface OpenDatabaseOptions {
  /** How long a write waits for another connection's write lock, in ms. */
  busyTimeoutMs?: number;
}

/** Opens (creating if needed) and migrates the database at `path`; throws StoreOpenError naming the file. */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  let db: SqliteDatabase | undefined;
  try {
    db = new Database(path, { timeout: options.busyTimeoutMs ?? 5_000 });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, path);
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof StoreOpenError) throw err;
    throw new StoreOpenError(path, (err as Error).message, err);
  }
}

/** Applies every migration newer than the file's `schema_version`, each in its own immediate transaction. */
function migrate(db: SqliteDatabase, path: string): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const readVersion = db.prepare<[], number>('SELECT version FROM schema_version').pluck();
  for (;;) {
    // IMMEDIATE takes the write lock before reading the version, so two processes starting together cannot both
    // apply the same migration.
    const applied = db
      .transaction(() => {
        const current = readVersion.get() ?? 0;
        if (current > MIGRATIONS.length) {
          throw new StoreOpenError(path, `its schema version ${current} is newer than this Moat supports (${MIGRATIONS.length}); upgrade Moat`);
        }
        if (current === MIGRATIONS.length) return false;
        db.exec(MIGRATIONS[current]);
        db.prepare('DELETE FROM schema_version').run();
        db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(current + 1);
        return true;
      })
      .immediate();
    if (!applied) return;
  }
}
