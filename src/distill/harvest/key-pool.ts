/**
 * Several API keys shared by concurrent requests, the way real distillers spread load: round-robin over the keys
 * that may send now, optional per-key pacing (requests per minute), a key in 429 back-off sitting out while the
 * others keep working, and a key the teacher rejects (401/403) retired for the rest of the run.
 */
import { createHash } from 'node:crypto';
import { MoatError } from '../../http/errors.ts';

export interface PooledKey {
  /** Stable, non-secret id: the first 12 hex digits of sha256(key). Stored in the ledger instead of the key. */
  id: string;
  /** For people: position, plus the last four characters of a long key, e.g. `k2 …9f3a`. */
  label: string;
  secret: string;
}

export interface KeyState {
  id: string;
  label: string;
  retired: string | null;
  /** Epoch ms until which the key is in back-off (0 when not). */
  backoffUntil: number;
}

export interface KeyPoolOptions {
  /** Requests per minute per key; starts are spaced 60 000 / rpm ms apart. Unlimited when absent. */
  rpmPerKey?: number;
  now?: () => number;
  onRetire?: (key: PooledKey, reason: string) => void;
  onBackoff?: (key: PooledKey, waitMs: number) => void;
}

interface Slot {
  key: PooledKey;
  retired: string | null;
  backoffUntil: number;
  nextStart: number;
}

/** Describes a key without revealing it. */
export function describeKey(secret: string, index: number): PooledKey {
  const id = createHash('sha256').update(secret).digest('hex').slice(0, 12);
  // Short keys (tests, local servers) would be half revealed by their last four characters.
  const tail = secret.length >= 16 ? ` …${secret.slice(-4)}` : '';
  return { id, label: `k${index + 1}${tail}`, secret };
}

export class KeyPool {
  readonly #slots: Slot[];
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #options: KeyPoolOptions;
  #cursor = 0;

  /** Refuses an empty list, empty keys and repeated keys (`invalid_request`), naming positions, never values. */
  constructor(secrets: readonly string[], options: KeyPoolOptions = {}) {
    if (secrets.length === 0) throw new MoatError('invalid_request', 'at least one API key is needed', { param: 'key' });
    const seen = new Map<string, number>();
    this.#slots = secrets.map((secret, i) => {
      if (secret.trim() === '') throw new MoatError('invalid_request', `API key ${i + 1} is empty`, { param: 'key' });
      const first = seen.get(secret);
      if (first !== undefined) throw new MoatError('invalid_request', `API key ${i + 1} repeats key ${first + 1}`, { param: 'key' });
      seen.set(secret, i);
      return { key: describeKey(secret, i), retired: null, backoffUntil: 0, nextStart: 0 };
    });
    const rpm = options.rpmPerKey;
    if (rpm !== undefined && !(rpm > 0)) throw new MoatError('invalid_request', `requests per minute per key must be > 0, got ${rpm}`, { param: 'per-key-rpm' });
    this.#intervalMs = rpm === undefined ? 0 : 60_000 / rpm;
    this.#now = options.now ?? Date.now;
    this.#options = options;
  }

  get keys(): readonly PooledKey[] {
    return this.#slots.map((s) => s.key);
  }

  /**
   * The next key allowed to send, waiting (abortably) for pacing or back-off when none is free. Round-robin among
   * free keys, so load spreads evenly. Throws `unauthorized` naming every key's rejection once all are retired.
   */
  async acquire(signal?: AbortSignal): Promise<PooledKey> {
    for (;;) {
      signal?.throwIfAborted();
      const live = this.#slots.filter((s) => s.retired === null);
      if (live.length === 0) throw this.#allRetired();
      const now = this.#now();
      for (let step = 0; step < this.#slots.length; step++) {
        const index = (this.#cursor + step) % this.#slots.length;
        const slot = this.#slots[index];
        if (slot.retired !== null || readyAt(slot) > now) continue;
        this.#cursor = index + 1;
        slot.nextStart = Math.max(now, slot.nextStart) + this.#intervalMs;
        return slot.key;
      }
      const earliest = Math.min(...live.map(readyAt));
      await sleep(Math.max(1, earliest - now), signal);
    }
  }

  /** Keeps `keyId` out of rotation for `waitMs` (a 429's Retry-After, or an exhausted rate-limit window). */
  backOff(keyId: string, waitMs: number): void {
    const slot = this.#slot(keyId);
    slot.backoffUntil = Math.max(slot.backoffUntil, this.#now() + waitMs);
    this.#options.onBackoff?.(slot.key, waitMs);
  }

  /** Takes `keyId` out of rotation for good (the teacher rejected it). */
  retire(keyId: string, reason: string): void {
    const slot = this.#slot(keyId);
    if (slot.retired !== null) return;
    slot.retired = reason;
    this.#options.onRetire?.(slot.key, reason);
  }

  states(): KeyState[] {
    return this.#slots.map((s) => ({ id: s.key.id, label: s.key.label, retired: s.retired, backoffUntil: s.backoffUntil }));
  }

  #slot(keyId: string): Slot {
    const slot = this.#slots.find((s) => s.key.id === keyId);
    if (!slot) throw new RangeError(`no key with id ${keyId} in the pool`);
    return slot;
  }

  #allRetired(): MoatError {
    const reasons = this.#slots.map((s) => `${s.key.label}: ${s.retired}`).join('; ');
    return new MoatError('unauthorized', `every API key was rejected by the teacher (${reasons})`);
  }
}

function readyAt(slot: Slot): number {
  return Math.max(slot.backoffUntil, slot.nextStart);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
