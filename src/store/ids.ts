/**
 * Record ids: a type prefix plus 12 random bytes in base64url (96 bits), so an id says what it names and collisions
 * stay negligible at any realistic volume without a coordinating counter across processes.
 */
import { randomBytes } from 'node:crypto';

export type IdPrefix = 'acct' | 'key' | 'ban' | 'ipr';

/** A fresh id such as `acct_3q2-7wEXAMPLEabcd`. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}
