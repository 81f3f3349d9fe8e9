/**
 * What the admin API shows of stored records. Key hashes never leave the server: an HMAC of a key is not the key,
 * but there is no reason to hand it out, and keeping it in can only help an attacker who steals the admin token.
 */
import type { ApiKey } from '../store/types.ts';

export type KeyView = Omit<ApiKey, 'hash'> & { status: KeyStatus };
export type KeyStatus = 'active' | 'rotating' | 'expired' | 'revoked';

/** A key as listings show it: no hash, plus its status at `now`. */
export function keyView(key: ApiKey, now: number): KeyView {
  const { hash: _hash, ...rest } = key;
  return { ...rest, status: keyStatus(key, now) };
}

export function keyStatus(key: ApiKey, now: number): KeyStatus {
  if (key.revokedAt !== null && key.revokedAt <= now) return 'revoked';
  if (key.expiresAt !== null && key.expiresAt <= now) return 'expired';
  if (key.replacedBy !== null) return 'rotating';
  return 'active';
}
