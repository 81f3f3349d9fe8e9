/**
 * Harvest runs. A run is named by an id (by default derived from what it asks: teacher, model, modality, source,
 * generation parameters), so re-running the same command continues the same run; its row keeps the spec, the
 * latest status and the wall time spent over every invocation.
 */
import { MoatError } from '../../http/errors.ts';
import { canonicalJson } from './request-hash.ts';
import type { HarvestDatabase } from './store.ts';

export type RunStatus = 'running' | 'completed' | 'stopped' | 'budget_exhausted' | 'failed';

export interface RunInfo {
  id: string;
  spec: unknown;
  status: RunStatus;
  message: string | null;
  /** Unique items the last invocation was asked to harvest. */
  total: number;
  invocations: number;
  wallSeconds: number;
  createdAt: number;
  updatedAt: number;
}

interface RunRow {
  id: string;
  spec: string;
  status: RunStatus;
  message: string | null;
  total: number;
  invocations: number;
  wall_ms: number;
  created_at: number;
  updated_at: number;
}

export class RunRegistry {
  readonly #get;
  readonly #list;
  readonly #insert;
  readonly #restart;
  readonly #addWall;
  readonly #finish;
  readonly #link;
  readonly #linked;
  readonly #now: () => number;

  constructor(db: HarvestDatabase, now: () => number) {
    this.#now = now;
    this.#get = db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?');
    this.#list = db.prepare<[], RunRow>('SELECT * FROM runs ORDER BY created_at, id');
    this.#insert = db.prepare(`INSERT INTO runs (id, spec, status, total, invocations, created_at, updated_at) VALUES (?, ?, 'running', ?, 1, ?, ?)`);
    this.#restart = db.prepare(`UPDATE runs SET status = 'running', message = NULL, total = ?, invocations = invocations + 1, updated_at = ? WHERE id = ?`);
    this.#addWall = db.prepare('UPDATE runs SET wall_ms = wall_ms + ?, updated_at = ? WHERE id = ?');
    this.#finish = db.prepare('UPDATE runs SET status = ?, message = ?, updated_at = ? WHERE id = ?');
    this.#link = db.prepare('INSERT OR IGNORE INTO run_requests (run_id, hash) VALUES (?, ?)');
    this.#linked = db.prepare<[string], number>('SELECT COUNT(*) FROM run_requests WHERE run_id = ?').pluck();
  }

  /**
   * Starts a new run or continues an existing one. Refuses (`conflict`) to continue a run whose recorded spec
   * differs: an explicit `--run` id reused for other settings would mix two harvests under one name.
   */
  begin(id: string, spec: unknown, total: number): RunInfo {
    const existing = this.#get.get(id);
    const now = this.#now();
    if (!existing) {
      this.#insert.run(id, canonicalJson(spec), total, now, now);
    } else {
      if (existing.spec !== canonicalJson(spec)) {
        throw new MoatError('conflict', `run ${id} was started with different settings (${existing.spec}); use another --run id or repeat those settings`);
      }
      this.#restart.run(total, now, id);
    }
    return this.get(id) as RunInfo;
  }

  addWall(id: string, ms: number): void {
    this.#addWall.run(ms, this.#now(), id);
  }

  finish(id: string, status: Exclude<RunStatus, 'running'>, message: string | null): void {
    this.#finish.run(status, message, this.#now(), id);
  }

  /** Records that the run's items include the request `hash` (harvested now or served from the cache). */
  link(id: string, hash: string): void {
    this.#link.run(id, hash);
  }

  /** Distinct requests answered for the run so far. */
  answered(id: string): number {
    return this.#linked.get(id) ?? 0;
  }

  get(id: string): RunInfo | undefined {
    const row = this.#get.get(id);
    return row ? fromRow(row) : undefined;
  }

  list(): RunInfo[] {
    return this.#list.all().map(fromRow);
  }
}

function fromRow(row: RunRow): RunInfo {
  return {
    id: row.id,
    spec: JSON.parse(row.spec) as unknown,
    status: row.status,
    message: row.message,
    total: row.total,
    invocations: row.invocations,
    wallSeconds: row.wall_ms / 1000,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
