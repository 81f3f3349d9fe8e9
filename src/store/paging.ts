/**
 * Opaque page cursors shared by every adapter. A cursor wraps one integer position (a creation sequence or row id)
 * so clients cannot depend on its shape, and a stale or hand-made cursor is refused with a precise error instead of
 * silently restarting the listing.
 */
import { MoatError } from '../http/errors.ts';
import type { Page } from './types.ts';

/** Pages never exceed this many items, whatever the caller asks for. */
export const MAX_PAGE_SIZE = 1000;

const CURSOR_PATTERN = /^p1:(\d{1,15})$/;

/** The cursor for "continue after `position`". */
export function encodeCursor(position: number): string {
  return Buffer.from(`p1:${position}`, 'utf8').toString('base64url');
}

/** The position inside `cursor`, or null when there is none (first page). */
export function decodeCursor(cursor: string | undefined): number | null {
  if (cursor === undefined || cursor === '') return null;
  const match = CURSOR_PATTERN.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new MoatError('invalid_request', 'invalid cursor: pass back the nextCursor of a previous page unchanged', { param: 'cursor' });
  return Number(match[1]);
}

/** Checks a requested page size and caps it at MAX_PAGE_SIZE. */
export function pageLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new MoatError('invalid_request', `limit must be a positive integer, got ${limit}`, { param: 'limit' });
  return Math.min(limit, MAX_PAGE_SIZE);
}

/**
 * Builds a page from up to `limit + 1` rows already in page order: the extra row only proves another page exists,
 * which saves a COUNT query.
 */
export function toPage<T, R = T>(rows: readonly T[], limit: number, positionOf: (row: T) => number, map: (row: T) => R): Page<R> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(map), nextCursor: rows.length > limit && last !== undefined ? encodeCursor(positionOf(last)) : null };
}
