/** Input pieces shared by several admin routes, so every route words the same mistake the same way. */
import { z } from 'zod';

/** Page size for every listing; large enough for scripts, small enough to bound one response. */
export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;
/** Ten years: longer expiries are almost certainly a unit mistake (milliseconds passed as seconds). */
const MAX_EXPIRES_IN_SECONDS = 10 * 365 * 86_400;

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  cursor: z.string().min(1).max(512).optional(),
};

export const reason = z.string().trim().min(1, 'must not be empty').max(500);

export const expiresIn = z
  .number()
  .int('must be a whole number of seconds')
  .min(1, 'must be at least 1 second')
  .max(MAX_EXPIRES_IN_SECONDS, `must be at most ${MAX_EXPIRES_IN_SECONDS} seconds (10 years)`);

export const keyName = z.string().trim().min(1).max(128);

/** `true`/`false` (or 1/0) in a query string. */
export const queryBoolean = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** A point in time in a query string: epoch milliseconds or an ISO-8601 date. */
export const queryTime = z.string().transform((text, ctx) => {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be epoch milliseconds or an ISO-8601 date such as 2026-01-31T12:00:00Z' });
    return z.NEVER;
  }
  return ms;
});

/** `expiresIn` seconds from now → absolute epoch ms, or null for "never". */
export function expiryFrom(now: number, seconds: number | undefined): number | null {
  return seconds === undefined ? null : now + seconds * 1000;
}
