/** In-memory IpRuleStore; `version()` is a counter bumped by every change. */
import { MoatError } from '../../http/errors.ts';
import type { IpRuleStore } from '../interfaces.ts';
import type { AdminAction, IpRule } from '../types.ts';
import { checkIpRule } from '../validate.ts';
import type { MemoryAdminLog } from './admin-log.ts';

export class MemoryIpRuleStore implements IpRuleStore {
  /** Insertion order is creation order, which `list()` keeps. */
  readonly #rules = new Map<string, IpRule>();
  #version = 0;

  constructor(private readonly log: MemoryAdminLog) {}

  async add(rule: IpRule, audit: AdminAction): Promise<IpRule> {
    const valid = checkIpRule(rule);
    const commit = this.log.stage(audit);
    if (this.#rules.has(valid.id)) throw new MoatError('conflict', `an IP rule with id ${valid.id} already exists`);
    this.#rules.set(valid.id, { ...valid });
    this.#version++;
    commit();
    return { ...valid };
  }

  async remove(idOrCidr: string, audit: AdminAction): Promise<number> {
    const doomed = this.#rules.has(idOrCidr) ? [idOrCidr] : [...this.#rules.values()].filter((r) => r.cidr === idOrCidr).map((r) => r.id);
    if (doomed.length === 0) return 0;
    const commit = this.log.stage(audit);
    for (const id of doomed) this.#rules.delete(id);
    this.#version++;
    commit();
    return doomed.length;
  }

  async list(): Promise<IpRule[]> {
    return [...this.#rules.values()].map((r) => ({ ...r }));
  }

  async version(): Promise<number> {
    return this.#version;
  }
}
