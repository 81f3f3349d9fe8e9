/**
 * Admin authentication: one bearer token, compared in constant time. Both sides are hashed first so the comparison
 * has a fixed length and its timing reveals neither the token's content nor its length.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { MoatError } from '../http/errors.ts';

const ACTOR_PATTERN = /^[A-Za-z0-9._@:+-]{1,64}$/;
export const DEFAULT_ACTOR = 'admin';

/** A checker for `Authorization: Bearer <token>` headers against `expected`. */
export function bearerChecker(expected: string): (header: string | undefined) => void {
  const expectedDigest = sha256(expected);
  return function checkAdminToken(header) {
    if (!header) {
      throw new MoatError('unauthorized', 'missing admin token: send "Authorization: Bearer <token>" (the token is admin.token, MOAT_ADMIN_TOKEN or adminToken in <dataDir>/secrets.json)', { headers: { 'www-authenticate': 'Bearer realm="moat-admin"' } });
    }
    const presented = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!timingSafeEqual(sha256(presented), expectedDigest)) {
      throw new MoatError('unauthorized', 'invalid admin token', { headers: { 'www-authenticate': 'Bearer realm="moat-admin", error="invalid_token"' } });
    }
  };
}

/** The actor recorded in admin audit rows, from `x-moat-actor`; free text is refused so audit rows stay greppable. */
export function parseActor(header: string | string[] | undefined): string {
  if (header === undefined) return DEFAULT_ACTOR;
  const value = Array.isArray(header) ? header.join(',') : header.trim();
  if (!ACTOR_PATTERN.test(value)) {
    throw new MoatError('invalid_request', "invalid 'x-moat-actor' header: use 1-64 letters, digits or . _ @ : + -", { param: 'x-moat-actor' });
  }
  return value;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
