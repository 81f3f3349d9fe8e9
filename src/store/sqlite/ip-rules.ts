/**
 * SQLite IpRuleStore. `version()` is polled by every gateway (4×/s) and must notice changes made by other processes
 * without reading the rules each time. Two facts make that cheap and exact:
 * - `PRAGMA data_version` changes whenever *another* connection commits to the file (any table), but never for this
 *   connection's own commits; it costs no table read.
 * - `store_revisions.ip_rules` is bumped in the same transaction as every rule change, by whichever connection.
 * So the revision row is re-read only when data_version moved, and own writes update the cached revision directly
 * (the per-connection half). Unrelated writes by other processes (audit batches) cost one tiny read, never a rebuild.
 */
import type { IpRuleStore } from '../interfaces.ts';
import { type AdminAction, type IpRule, IpRuleActionSchema } from '../types.ts';
import { checkIpRule } from '../validate.ts';
import type { SqliteAdminLog } from './admin-log.ts';
import type { SqliteDatabase } from './db.ts';
import { readColumn, rethrowConstraint } from './support.ts';

interface IpRuleRow {
  id: string;
  cidr: string;
  action: string;
  reason: string;
  actor: string;
  created_at: number;
  expires_at: number | null;
}

function ruleFromRow(row: IpRuleRow): IpRule {
  return {
    id: row.id,
    cidr: row.cidr,
    action: readColumn(IpRuleActionSchema, row.action, `ip_rules.action of ${row.id}`),
    reason: row.reason,
    actor: row.actor,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

export class SqliteIpRuleStore implements IpRuleStore {
  readonly #all;
  readonly #dataVersion;
  readonly #readRevision;
  readonly #addTx;
  readonly #removeTx;
  #seenDataVersion = Number.NaN;
  #revision = 0;

  constructor(
    db: SqliteDatabase,
    private readonly log: SqliteAdminLog,
  ) {
    const insert = db.prepare(
      'INSERT INTO ip_rules (id, cidr, action, reason, actor, created_at, expires_at) VALUES (@id, @cidr, @action, @reason, @actor, @createdAt, @expiresAt)',
    );
    const deleteById = db.prepare<[string]>('DELETE FROM ip_rules WHERE id = ?');
    const deleteByCidr = db.prepare<[string]>('DELETE FROM ip_rules WHERE cidr = ?');
    const bump = db.prepare<[], number>("UPDATE store_revisions SET revision = revision + 1 WHERE name = 'ip_rules' RETURNING revision").pluck();
    this.#all = db.prepare<[], IpRuleRow>('SELECT * FROM ip_rules ORDER BY seq');
    this.#dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.#readRevision = db.prepare<[], number>("SELECT revision FROM store_revisions WHERE name = 'ip_rules'").pluck();

    this.#addTx = db.transaction((rule: IpRule, audit: AdminAction): number => {
      try {
        insert.run(rule);
      } catch (err) {
        rethrowConstraint(err, { duplicate: `an IP rule with id ${rule.id} already exists` });
      }
      const revision = bump.get() as number;
      log.record(audit);
      return revision;
    });
    this.#removeTx = db.transaction((idOrCidr: string, audit: AdminAction): { removed: number; revision: number } => {
      let removed = deleteById.run(idOrCidr).changes;
      if (removed === 0) removed = deleteByCidr.run(idOrCidr).changes;
      if (removed === 0) return { removed, revision: Number.NaN };
      const revision = bump.get() as number;
      log.record(audit);
      return { removed, revision };
    });
  }

  async add(rule: IpRule, audit: AdminAction): Promise<IpRule> {
    const valid = checkIpRule(rule);
    // Only after the commit: a rolled-back change must not move the version.
    this.#revision = this.#addTx.immediate(valid, this.log.check(audit));
    return { ...valid };
  }

  async remove(idOrCidr: string, audit: AdminAction): Promise<number> {
    const { removed, revision } = this.#removeTx.immediate(idOrCidr, this.log.check(audit));
    if (removed > 0) this.#revision = revision;
    return removed;
  }

  async list(): Promise<IpRule[]> {
    return this.#all.all().map(ruleFromRow);
  }

  async version(): Promise<number> {
    const dataVersion = this.#dataVersion.get() as number;
    if (dataVersion !== this.#seenDataVersion) {
      this.#seenDataVersion = dataVersion;
      this.#revision = this.#readRevision.get() ?? 0;
    }
    return this.#revision;
  }
}
