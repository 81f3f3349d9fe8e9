/**
 * Turns decided levels into actions. Levels only escalate automatically (observe → throttle → degrade → ban); going
 * back down is an admin's decision (`clear`). Each applied action is persisted with its admin audit row (actor
 * `detector`, the risk and the reasons in `details`) and put in `ActiveActions`, which the gateway reads; a ban also
 * goes through the BanStore, so `enforceBans` refuses the account like any admin ban and `moat bans` lists it. In
 * shadow mode the decision is logged and counted, and nothing else happens.
 */
import type { Logger } from 'pino';
import type { DetectionConfig } from '../config/detection-schema.ts';
import { newId } from '../store/ids.ts';
import type { Stores } from '../store/interfaces.ts';
import type { ActiveActions } from './active-actions.ts';
import type { DetectionMetrics } from './metrics.ts';
import { severity } from './risk.ts';
import type { ActionLevel, ActiveAction } from './types.ts';

/** The actor recorded on every automatic action; `clear` lifts only bans this actor made. */
export const DETECTOR_ACTOR = 'detector';

const MAX_BAN_REASON = 1000;

export interface LinkedCluster {
  id: string;
  accounts: string[];
  evidence: string[];
  /** Links per evidence kind (subnet, template, timing, creation), when the linker reports them. */
  linkKinds?: Partial<Record<string, number>>;
}

export interface ActionDecision {
  accountId: string;
  level: Exclude<ActionLevel, 'observe'>;
  risk: number;
  /** Why, strongest first; for a cluster-driven decision these include the linking evidence. */
  reasons: string[];
  /** The cluster whose risk (or whose banned member) caused the decision, if any. */
  cluster: LinkedCluster | null;
}

export interface ActionExecutorDeps {
  config: DetectionConfig;
  stores: Pick<Stores, 'bans' | 'detections'>;
  actions: ActiveActions;
  metrics: DetectionMetrics;
  logger: Logger;
  now: () => number;
}

/** What the engine needs from whoever applies its decisions (the executor in-thread, a proxy in the worker). */
export interface ActionSink {
  /** The level in force (or decided in shadow mode) for the account. */
  levelOf(accountId: string): ActionLevel;
  apply(decision: ActionDecision): Promise<boolean>;
  forgetShadow(accountId: string): void;
}

export class ActionExecutor implements ActionSink {
  readonly #deps: ActionExecutorDeps;
  /** Levels decided in shadow mode (never applied), so each escalation is logged once. */
  readonly #shadow = new Map<string, ActionLevel>();

  constructor(deps: ActionExecutorDeps) {
    this.#deps = deps;
  }

  /** The level in force (or, in shadow mode, decided) for the account. */
  levelOf(accountId: string): ActionLevel {
    return this.#deps.actions.get(accountId)?.level ?? this.#shadow.get(accountId) ?? 'observe';
  }

  shadowLevelOf(accountId: string): ActionLevel | null {
    return this.#shadow.get(accountId) ?? null;
  }

  /** Applies the decision if it escalates the account's level; returns whether it did. */
  async apply(decision: ActionDecision): Promise<boolean> {
    const { config, metrics, logger } = this.#deps;
    if (severity(decision.level) <= severity(this.levelOf(decision.accountId))) return false;
    const log = { accountId: decision.accountId, level: decision.level, risk: round(decision.risk), clusterId: decision.cluster?.id ?? null, reasons: decision.reasons };
    const details = { risk: round(decision.risk), reasons: decision.reasons, clusterId: decision.cluster?.id ?? null, evidence: decision.cluster?.evidence ?? [] };
    if (config.shadow) {
      this.#shadow.set(decision.accountId, decision.level);
      metrics.actions.inc({ level: decision.level, mode: 'shadow' });
      logger.info(log, 'detection decided an action (shadow mode: not applied)');
      // The admin audit shows what would have happened, for the operator to review before enforcing.
      await this.#deps.stores.detections.recordDecision({ actor: DETECTOR_ACTOR, action: `detect.shadow.${decision.level}`, target: decision.accountId, details });
      return true;
    }
    const action = this.#actionFor(decision);
    if (decision.level === 'ban') await this.#ban(decision);
    await this.#deps.stores.detections.setAction(decision.accountId, action, { actor: DETECTOR_ACTOR, action: `detect.${decision.level}`, target: decision.accountId, details });
    this.#deps.actions.set(action);
    metrics.actions.inc({ level: decision.level, mode: 'applied' });
    logger.warn(log, 'detection applied an action');
    return true;
  }

  /**
   * Reverses whatever detection did to the account: lifts a ban the detector made, removes the action, forgets a
   * shadow decision. Returns what was in force (null when nothing was).
   */
  async clear(accountId: string, actor: string, reason: string | null): Promise<{ previous: ActionLevel | null; unbanned: number }> {
    const { stores, actions } = this.#deps;
    const now = this.#deps.now();
    const action = actions.get(accountId) ?? null;
    const shadow = this.#shadow.get(accountId) ?? null;
    let unbanned = 0;
    const ban = await stores.bans.activeBan(accountId, now);
    if (ban && ban.actor === DETECTOR_ACTOR) {
      unbanned = await stores.bans.unban(accountId, actor, now, { actor, action: 'account.unban', target: accountId, details: { banId: ban.id, reason, by: 'detect.clear' } });
    }
    if (action) {
      await stores.detections.setAction(accountId, null, { actor, action: 'detect.clear', target: accountId, details: { previous: action.level, reason, reasons: action.reasons } });
      actions.delete(accountId);
    }
    this.#shadow.delete(accountId);
    const previous = action?.level ?? shadow ?? (unbanned > 0 ? 'ban' : null);
    return { previous, unbanned };
  }

  forgetShadow(accountId: string): void {
    this.#shadow.delete(accountId);
  }

  #actionFor(d: ActionDecision): ActiveAction {
    const { actions } = this.#deps.config;
    return {
      accountId: d.accountId,
      level: d.level,
      limitFactor: actions.throttleFactor,
      degrade: d.level === 'throttle' ? null : { ...actions.degrade },
      reasons: d.reasons,
      since: this.#deps.now(),
      clusterId: d.cluster?.id ?? null,
    };
  }

  async #ban(d: ActionDecision): Promise<void> {
    const { stores, config } = this.#deps;
    const now = this.#deps.now();
    if (await stores.bans.activeBan(d.accountId, now)) return;
    const evidence = d.cluster ? ` | linked cluster ${d.cluster.id} (${d.cluster.accounts.length} accounts): ${d.cluster.evidence.join('; ')}` : '';
    const reason = `distillation detected (risk ${d.risk.toFixed(2)}): ${d.reasons.join('; ')}${evidence}`.slice(0, MAX_BAN_REASON);
    const id = newId('ban');
    const expiresAt = config.actions.banSeconds > 0 ? now + config.actions.banSeconds * 1000 : null;
    await stores.bans.ban(
      { id, accountId: d.accountId, reason, actor: DETECTOR_ACTOR, createdAt: now, expiresAt },
      { actor: DETECTOR_ACTOR, action: 'account.ban', target: d.accountId, details: { banId: id, reason, expiresAt, risk: round(d.risk), clusterId: d.cluster?.id ?? null } },
    );
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
