/**
 * SQLite DetectionStore. Assessments are rows of `detection_assessments` (JSON contributions and reasons), trimmed
 * per subject on insert; `detection_actions` holds one row per account with an action in force.
 */

import { z } from 'zod';
import type { ActiveAction, RiskAssessment } from '../../detect/types.ts';
import { ACTION_LEVELS } from '../../detect/types.ts';
import { ActiveActionSchema, ContributionsSchema, checkAction, checkAssessment, type DetectionStore, ReasonsSchema } from '../detections.ts';
import type { AdminAction } from '../types.ts';
import type { SqliteAdminLog } from './admin-log.ts';
import type { SqliteDatabase } from './db.ts';
import { readJson } from './support.ts';

interface AssessmentRow {
  seq: number;
  subject: string;
  at: number;
  risk: number;
  level: string;
  contributions: string;
  reasons: string;
}

const LevelSchema = z.enum(ACTION_LEVELS);

export class SqliteDetectionStore implements DetectionStore {
  readonly #appendTx;
  readonly #history;
  readonly #actionTx;
  readonly #actions;

  constructor(
    db: SqliteDatabase,
    private readonly log: SqliteAdminLog,
  ) {
    const insert = db.prepare(
      'INSERT INTO detection_assessments (subject, at, risk, level, contributions, reasons) VALUES (@subject, @at, @risk, @level, @contributions, @reasons)',
    );
    const trim = db.prepare<{ subject: string; keep: number }>(
      'DELETE FROM detection_assessments WHERE subject = @subject AND seq <= (SELECT seq FROM detection_assessments WHERE subject = @subject ORDER BY seq DESC LIMIT 1 OFFSET @keep)',
    );
    this.#appendTx = db.transaction((items: readonly RiskAssessment[], keep: number) => {
      const subjects = new Set<string>();
      for (const a of items) {
        insert.run({ subject: a.subject, at: a.at, risk: a.risk, level: a.level, contributions: JSON.stringify(a.contributions), reasons: JSON.stringify(a.reasons) });
        subjects.add(a.subject);
      }
      for (const subject of subjects) trim.run({ subject, keep });
    });
    this.#history = db.prepare<{ subject: string; limit: number }, AssessmentRow>(
      'SELECT * FROM detection_assessments WHERE subject = @subject ORDER BY seq DESC LIMIT @limit',
    );
    const upsert = db.prepare<{ accountId: string; action: string }>(
      'INSERT INTO detection_actions (account_id, action) VALUES (@accountId, @action) ON CONFLICT (account_id) DO UPDATE SET action = excluded.action',
    );
    const remove = db.prepare<[string]>('DELETE FROM detection_actions WHERE account_id = ?');
    this.#actionTx = db.transaction((accountId: string, action: ActiveAction | null, audit: AdminAction) => {
      if (action) upsert.run({ accountId, action: JSON.stringify(action) });
      else remove.run(accountId);
      log.record(audit);
    });
    this.#actions = db.prepare<[], { account_id: string; action: string }>('SELECT account_id, action FROM detection_actions ORDER BY account_id');
  }

  async appendAssessments(items: readonly RiskAssessment[], keep: number): Promise<void> {
    if (items.length === 0) return;
    this.#appendTx.immediate(items.map(checkAssessment), keep);
  }

  async history(subject: string, limit: number): Promise<RiskAssessment[]> {
    return this.#history.all({ subject, limit }).map((r) => ({
      subject: r.subject,
      at: r.at,
      risk: r.risk,
      level: readJson(LevelSchema, JSON.stringify(r.level), `detection_assessments.level of row ${r.seq}`),
      contributions: readJson(ContributionsSchema, r.contributions, `detection_assessments.contributions of row ${r.seq}`),
      reasons: readJson(ReasonsSchema, r.reasons, `detection_assessments.reasons of row ${r.seq}`),
    }));
  }

  async setAction(accountId: string, action: ActiveAction | null, audit: AdminAction): Promise<void> {
    this.#actionTx.immediate(accountId, action ? checkAction(action) : null, this.log.check(audit));
  }

  async recordDecision(audit: AdminAction): Promise<void> {
    this.log.record(this.log.check(audit));
  }

  async actions(): Promise<ActiveAction[]> {
    return this.#actions.all().map((r) => readJson(ActiveActionSchema, r.action, `detection_actions.action of ${r.account_id}`) as ActiveAction);
  }
}
