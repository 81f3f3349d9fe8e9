/**
 * When a ban is in force, shared by every adapter (the SQLite adapter spells the same rule in SQL). A ban is in force
 * at `t` from its creation until it expires or is lifted, whichever comes first.
 */
import type { Ban } from './types.ts';

/** True when `ban` applies at time `t`. */
export function isBanActive(ban: Ban, t: number): boolean {
  return ban.createdAt <= t && (ban.expiresAt === null || ban.expiresAt > t) && (ban.liftedAt === null || ban.liftedAt > t);
}

/** Orders bans most severe first: permanent before temporary, then the one ending last. */
export function bySeverity(a: Ban, b: Ban): number {
  if (a.expiresAt === b.expiresAt) return 0;
  if (a.expiresAt === null) return -1;
  if (b.expiresAt === null) return 1;
  return b.expiresAt - a.expiresAt;
}
