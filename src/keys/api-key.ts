/**
 * API keys: `moat_<prefix>_<secret>`. Only HMAC-SHA-256(server secret, key) is stored, next to the public
 * prefix used to find the row. Verification always computes the HMAC and compares in constant time, whether or not
 * the prefix exists, so response timing does not reveal which keys exist.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX_CHARS = 10; // base64url chars: 60 bits, collisions are practically impossible but still handled
const SECRET_BYTES = 24; // 192 bits of secret
const KEY_PATTERN = /^moat_([A-Za-z0-9_-]{10})_([A-Za-z0-9_-]{32})$/;

export interface IssuedKey {
  /** The full key; shown once to its owner, never stored. */
  key: string;
  prefix: string;
  hash: string;
}

export class ApiKeyHasher {
  readonly #secret: Buffer;
  /** A constant hash compared against when no stored key matches, so both paths cost the same. */
  readonly #decoy: Buffer;

  constructor(secret: string) {
    this.#secret = Buffer.from(secret, 'utf8');
    this.#decoy = this.#digest('moat_decoy_key_never_issued');
  }

  issue(): IssuedKey {
    const prefix = randomBytes(8).toString('base64url').slice(0, PREFIX_CHARS);
    const key = `moat_${prefix}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
    return { key, prefix, hash: this.hash(key) };
  }

  hash(key: string): string {
    return this.#digest(key).toString('hex');
  }

  /** Returns the public prefix of a well-formed key, or null. */
  static prefixOf(key: string): string | null {
    return KEY_PATTERN.exec(key)?.[1] ?? null;
  }

  /**
   * Constant-time check of `presented` against stored hex hashes; returns the index of the match or -1.
   * Every candidate is compared (no early exit) and an empty list is compared against the decoy.
   */
  match(presented: string, storedHashes: readonly string[]): number {
    const digest = this.#digest(presented);
    let found = -1;
    if (storedHashes.length === 0) {
      timingSafeEqual(digest, this.#decoy);
      return -1;
    }
    storedHashes.forEach((hex, i) => {
      const stored = Buffer.from(hex, 'hex');
      if (stored.length === digest.length && timingSafeEqual(stored, digest) && found === -1) found = i;
    });
    return found;
  }

  #digest(text: string): Buffer {
    return createHmac('sha256', this.#secret).update(text).digest();
  }
}
