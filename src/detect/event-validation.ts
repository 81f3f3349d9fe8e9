/**
 * The engine's first check on a bus event, before it is enriched: what every detector needs (an account, a time, a
 * prompt string, parameters). Hand-written rather than a zod parse because it runs for every request the gateway
 * serves; detectors still run their own checks on the enriched event (detectors/event-check.ts).
 */
import type { RequestEvent } from './bus.ts';

/** Why the event cannot be scored, or null when it can. */
export function invalidReason(event: RequestEvent): string | null {
  if (typeof event !== 'object' || event === null) return 'not an object';
  if (typeof event.accountId !== 'string' || event.accountId.length === 0) return 'no account';
  if (typeof event.at !== 'number' || !Number.isFinite(event.at) || event.at <= 0) return 'bad timestamp';
  if (typeof event.promptText !== 'string') return 'prompt is not a string';
  if (typeof event.params !== 'object' || event.params === null) return 'no parameters';
  if (typeof event.clientIp !== 'string' || typeof event.subnet !== 'string') return 'no client address';
  return null;
}
