/**
 * Rules for rotating an API key, shared by every adapter so they refuse the same cases with the same errors. A
 * rotation never lengthens the old key's life: it expires at the earlier of its own expiry and the grace deadline.
 */
import { MoatError } from '../http/errors.ts';
import type { NewApiKey } from './interfaces.ts';
import type { ApiKey } from './types.ts';

/** Why `old` cannot be replaced by `next`, or null when it can. */
export function rotationConflict(old: ApiKey, next: NewApiKey): MoatError | null {
  if (old.revokedAt !== null) return new MoatError('conflict', `API key ${old.id} is revoked and cannot be rotated`);
  // A second rotation of the same key would fork its history into two live successors.
  if (old.replacedBy !== null) return new MoatError('conflict', `API key ${old.id} was already rotated; rotate its successor ${old.replacedBy}`);
  if (next.accountId !== old.accountId) {
    return new MoatError('invalid_request', `the new key must belong to account ${old.accountId}, like the key it replaces`, { param: 'accountId' });
  }
  return null;
}

/** The old key's expiry after rotation. */
export function rotatedExpiry(old: ApiKey, graceDeadline: number): number {
  return old.expiresAt === null ? graceDeadline : Math.min(old.expiresAt, graceDeadline);
}
