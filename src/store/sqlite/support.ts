/**
 * Small pieces every SQLite store shares: JSON columns checked on the way out, constraint errors turned into the
 * catalogue's codes, and a cache of prepared statements for queries whose WHERE clause depends on which filters a
 * caller set (one statement per filter combination, prepared on first use, never per call).
 */
import type { z } from 'zod';
import { MoatError } from '../../http/errors.ts';
import type { SqliteDatabase } from './db.ts';

/** A row read back from a store whose JSON column does not hold what the schema says. */
export class CorruptRowError extends Error {
  override readonly name = 'CorruptRowError';
}

/** Parses and validates a JSON TEXT column; `where` names the table, column and row for the error. */
export function readJson<T>(schema: z.ZodType<T>, text: string | null, where: string): T {
  let value: unknown;
  try {
    value = text === null ? null : JSON.parse(text);
  } catch (err) {
    throw new CorruptRowError(`${where} holds invalid JSON: ${(err as Error).message}`, { cause: err });
  }
  return readColumn(schema, value, where);
}

/** Validates a column value read back from the database. */
export function readColumn<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new CorruptRowError(`${where} does not match its schema: ${result.error.issues[0]?.message}`);
  return result.data;
}

/** The SQLite extended result code of `err` (e.g. `SQLITE_CONSTRAINT_UNIQUE`), if it is a SQLite error. */
export function sqliteCode(err: unknown): string | null {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('SQLITE_')) return err.code;
  return null;
}

/** Rethrows a uniqueness or foreign-key violation as `conflict` / `not_found` with the caller's words. */
export function rethrowConstraint(err: unknown, messages: { duplicate?: string; missing?: string }): never {
  const code = sqliteCode(err);
  if (messages.duplicate && (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY')) {
    throw new MoatError('conflict', messages.duplicate, { cause: err });
  }
  if (messages.missing && code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new MoatError('not_found', messages.missing, { cause: err });
  throw err;
}

export type Params = Record<string, string | number | null>;

/** Prepared statements keyed by the shape of a dynamic query. */
export class StatementCache<Row> {
  readonly #statements = new Map<string, ReturnType<SqliteDatabase['prepare']>>();

  constructor(private readonly db: SqliteDatabase) {}

  /** Runs the statement for `shape` (built by `build` the first time) with named `params`. */
  all(shape: string, build: () => string, params: Params): Row[] {
    let statement = this.#statements.get(shape);
    if (!statement) {
      statement = this.db.prepare(build());
      this.#statements.set(shape, statement);
    }
    return statement.all(params) as Row[];
  }
}
