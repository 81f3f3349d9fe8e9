/** In-memory KeyStore, indexed by id and by public prefix (the authentication hot path). */
import { MoatError } from '../../http/errors.ts';
import type { KeyStore, NewApiKey } from '../interfaces.ts';
import { rotatedExpiry, rotationConflict } from '../rotation.ts';
import type { AdminAction, ApiKey } from '../types.ts';
import { checkNewApiKey } from '../validate.ts';
import type { MemoryAccountStore } from './accounts.ts';
import type { MemoryAdminLog } from './admin-log.ts';

export class MemoryKeyStore implements KeyStore {
  /** Insertion order is creation order, which listings keep. */
  readonly #byId = new Map<string, ApiKey>();
  readonly #byPrefix = new Map<string, Set<string>>();

  constructor(
    private readonly log: MemoryAdminLog,
    private readonly accounts: MemoryAccountStore,
  ) {}

  async create(key: NewApiKey, audit: AdminAction): Promise<ApiKey> {
    const valid = checkNewApiKey(key);
    const commit = this.log.stage(audit);
    this.#assertNew(valid.id);
    this.accounts.require(valid.accountId, 'cannot create the key');
    const stored = this.#insert(valid);
    commit();
    return { ...stored };
  }

  async get(id: string): Promise<ApiKey | null> {
    const key = this.#byId.get(id);
    return key ? { ...key } : null;
  }

  async findByPrefix(prefix: string): Promise<ApiKey[]> {
    const ids = this.#byPrefix.get(prefix);
    if (!ids) return [];
    return [...ids].map((id) => ({ ...(this.#byId.get(id) as ApiKey) }));
  }

  async listByAccount(accountId: string): Promise<ApiKey[]> {
    return [...this.#byId.values()].filter((k) => k.accountId === accountId).map((k) => ({ ...k }));
  }

  async revoke(id: string, at: number, audit: AdminAction): Promise<ApiKey | null> {
    const key = this.#byId.get(id);
    if (!key) return null;
    // Revoking twice changes nothing, so it records nothing and keeps the first revocation time.
    if (key.revokedAt !== null) return { ...key };
    const commit = this.log.stage(audit);
    key.revokedAt = at;
    commit();
    return { ...key };
  }

  async rotate(oldId: string, next: NewApiKey, oldExpiresAt: number, audit: AdminAction): Promise<{ old: ApiKey; next: ApiKey } | null> {
    const valid = checkNewApiKey(next);
    const old = this.#byId.get(oldId);
    if (!old) return null;
    const commit = this.log.stage(audit);
    const conflict = rotationConflict(old, valid);
    if (conflict) throw conflict;
    this.#assertNew(valid.id);
    const inserted = this.#insert(valid);
    old.expiresAt = rotatedExpiry(old, oldExpiresAt);
    old.replacedBy = inserted.id;
    commit();
    return { old: { ...old }, next: { ...inserted } };
  }

  #assertNew(id: string): void {
    if (this.#byId.has(id)) throw new MoatError('conflict', `an API key with id ${id} already exists`);
  }

  #insert(key: NewApiKey): ApiKey {
    const stored: ApiKey = { ...key, revokedAt: null, replacedBy: null };
    this.#byId.set(stored.id, stored);
    const ids = this.#byPrefix.get(stored.prefix) ?? new Set<string>();
    ids.add(stored.id);
    this.#byPrefix.set(stored.prefix, ids);
    return stored;
  }
}
