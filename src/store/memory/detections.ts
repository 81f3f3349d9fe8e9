/** In-memory DetectionStore: per-subject arrays of assessments (oldest first) and a map of actions. */
import type { ActiveAction, RiskAssessment } from '../../detect/types.ts';
import { checkAction, checkAssessment, type DetectionStore } from '../detections.ts';
import type { AdminAction } from '../types.ts';
import type { MemoryAdminLog } from './admin-log.ts';

export class MemoryDetectionStore implements DetectionStore {
  readonly #history = new Map<string, RiskAssessment[]>();
  readonly #actions = new Map<string, ActiveAction>();

  constructor(private readonly log: MemoryAdminLog) {}

  async appendAssessments(items: readonly RiskAssessment[], keep: number): Promise<void> {
    const checked = items.map(checkAssessment);
    for (const a of checked) {
      const list = this.#history.get(a.subject) ?? [];
      list.push(structuredClone(a));
      if (list.length > keep) list.splice(0, list.length - keep);
      this.#history.set(a.subject, list);
    }
  }

  async history(subject: string, limit: number): Promise<RiskAssessment[]> {
    const list = this.#history.get(subject) ?? [];
    return list.slice(-limit).reverse().map((a) => structuredClone(a));
  }

  async setAction(accountId: string, action: ActiveAction | null, audit: AdminAction): Promise<void> {
    const checked = action ? checkAction(action) : null;
    const commit = this.log.stage(audit);
    if (checked) this.#actions.set(accountId, structuredClone(checked));
    else this.#actions.delete(accountId);
    commit();
  }

  async recordDecision(audit: AdminAction): Promise<void> {
    this.log.stage(audit)();
  }

  async actions(): Promise<ActiveAction[]> {
    return [...this.#actions.values()].map((a) => structuredClone(a));
  }
}
