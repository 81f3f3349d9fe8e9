/**
 * Keeps a compiled copy of the IP rules and rebuilds it when the store's version changes (checked every
 * `pollMs`, default 250 ms), so a block made through the admin API or by another process applies within a second
 * without reading rules on every request.
 */
import type { Logger } from 'pino';
import { CidrSet, type ParsedIp, parseCidr } from '../../net/ip.ts';
import type { IpRuleStore } from '../../store/interfaces.ts';
import type { IpRule } from '../../store/types.ts';

export interface IpRuleMatch {
  rule: IpRule;
  bits: number;
}

/** The match if its rule has not expired at `now` (module level: no closure per request). */
function liveAt(m: IpRuleMatch | undefined, now: number): IpRuleMatch | undefined {
  return m && (m.rule.expiresAt === null || m.rule.expiresAt > now) ? m : undefined;
}

export class IpRuleWatcher {
  #deny = new CidrSet<IpRuleMatch>();
  #allow = new CidrSet<IpRuleMatch>();
  /** Earliest expiry among loaded rules: a rebuild is forced then so expired rules stop matching. */
  #nextExpiry = Number.POSITIVE_INFINITY;
  #version = Number.NaN;
  #timer: NodeJS.Timeout | null = null;
  #refreshing: Promise<void> | null = null;

  constructor(
    private readonly store: IpRuleStore,
    private readonly logger: Logger,
    private readonly pollMs = 250,
  ) {}

  async start(): Promise<void> {
    await this.refresh(true);
    this.#timer = setInterval(() => void this.refresh(false), this.pollMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /** Most specific rule wins; on equal prefix length `allow` wins (an exception carved out of a blocked range). */
  match(ip: ParsedIp, now: number): IpRule | null {
    if (now >= this.#nextExpiry) void this.refresh(true);
    const deny = this.#deny.match(ip);
    const allow = this.#allow.match(ip);
    const d = liveAt(deny, now);
    const a = liveAt(allow, now);
    if (!d) return null;
    if (a && a.bits >= d.bits) return null;
    return d.rule;
  }

  async refresh(force: boolean): Promise<void> {
    if (this.#refreshing) return this.#refreshing;
    this.#refreshing = (async () => {
      try {
        const version = await this.store.version();
        if (!force && version === this.#version) return;
        this.#compile(await this.store.list());
        this.#version = version;
      } catch (err) {
        // Keep enforcing the last good rule set rather than dropping every block on a transient store error.
        this.logger.error({ err }, 'could not reload IP rules; keeping the previous set');
      } finally {
        this.#refreshing = null;
      }
    })();
    return this.#refreshing;
  }

  #compile(rules: readonly IpRule[]): void {
    const deny = new CidrSet<IpRuleMatch>();
    const allow = new CidrSet<IpRuleMatch>();
    let nextExpiry = Number.POSITIVE_INFINITY;
    const now = Date.now();
    for (const rule of rules) {
      if (rule.expiresAt !== null && rule.expiresAt <= now) continue;
      const cidr = parseCidr(rule.cidr);
      if (!cidr) {
        this.logger.warn({ rule }, 'skipping an IP rule with an invalid CIDR');
        continue;
      }
      (rule.action === 'deny' ? deny : allow).add(cidr, { rule, bits: cidr.bits });
      if (rule.expiresAt !== null) nextExpiry = Math.min(nextExpiry, rule.expiresAt);
    }
    this.#deny = deny;
    this.#allow = allow;
    this.#nextExpiry = nextExpiry;
  }
}
