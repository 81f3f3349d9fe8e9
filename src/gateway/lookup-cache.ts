/**
 * Short-lived caches for the three store reads every request makes (key by prefix, account, active ban). A hit
 * saves a database round trip per lookup; the time-to-live (default 250 ms) bounds how stale an answer can be, which
 * keeps "a ban or revocation applies within 1 s" true however many gateway processes share the store. Expiry times
 * inside cached records are still compared with the request's own clock, so keys and bans end exactly on time.
 */
import type { AccountStore, BanStore, KeyStore } from '../store/interfaces.ts';
import type { Account, ApiKey, Ban } from '../store/types.ts';

/** A Map with per-entry expiry and a size bound (oldest insertions are evicted first). */
export class TtlCache<K, V> {
  readonly #entries = new Map<K, { value: V; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
  ) {}

  async get(key: K, now: number, load: () => Promise<V>): Promise<V> {
    if (this.ttlMs <= 0) return load();
    const hit = this.#entries.get(key);
    if (hit && hit.until > now) return hit.value;
    const value = await load();
    if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value as K);
    this.#entries.delete(key);
    this.#entries.set(key, { value, until: now + this.ttlMs });
    return value;
  }
}

export interface CachedLookups {
  keysByPrefix(prefix: string, now: number): Promise<ApiKey[]>;
  account(id: string, now: number): Promise<Account | null>;
  activeBan(accountId: string, now: number): Promise<Ban | null>;
}

export function cachedLookups(stores: { keys: KeyStore; accounts: AccountStore; bans: BanStore }, ttlMs: number): CachedLookups {
  const keys = new TtlCache<string, ApiKey[]>(ttlMs);
  const accounts = new TtlCache<string, Account | null>(ttlMs);
  // A ban that starts or ends while cached is caught by re-checking its window below; the TTL bounds new bans.
  const bans = new TtlCache<string, Ban | null>(ttlMs);
  return {
    keysByPrefix: (prefix, now) => keys.get(prefix, now, () => stores.keys.findByPrefix(prefix)),
    account: (id, now) => accounts.get(id, now, () => stores.accounts.get(id)),
    async activeBan(accountId, now) {
      const ban = await bans.get(accountId, now, () => stores.bans.activeBan(accountId, now));
      return ban && (ban.expiresAt === null || ban.expiresAt > now) ? ban : null;
    },
  };
}
