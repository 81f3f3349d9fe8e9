/**
 * The detection actions in force, keyed by account: written by the detection worker (and by an admin clearing one),
 * read by the gateway on every request with one Map lookup. Loaded from the DetectionStore at start-up so a restart
 * does not lift them.
 */
import type { ActiveAction } from './types.ts';

export class ActiveActions {
  readonly #byAccount = new Map<string, ActiveAction>();

  get(accountId: string): ActiveAction | undefined {
    return this.#byAccount.get(accountId);
  }

  set(action: ActiveAction): void {
    this.#byAccount.set(action.accountId, action);
  }

  delete(accountId: string): boolean {
    return this.#byAccount.delete(accountId);
  }

  all(): ActiveAction[] {
    return [...this.#byAccount.values()];
  }

  get size(): number {
    return this.#byAccount.size;
  }
}
