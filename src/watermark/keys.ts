/**
 * Per-account watermark keys. Each account's key is HMAC-SHA-256(master of version v, "moat-watermark/v<v>/<account>"),
 * so one master secret marks every account differently and a leak can be traced to the account whose key is in the
 * copy. The key id names the version, a short fingerprint of that version's master, and the account:
 *
 *   wm.<version>.<fingerprint>.<accountId>
 *
 * Encoding the version lets outputs marked before a rotation still verify; the fingerprint lets a process tell that
 * it holds the wrong master (a key id it cannot have issued) instead of silently deriving a meaningless key.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const FINGERPRINT_HEX = 8; // 32 bits: a wrong master is noticed with probability 1 − 2⁻³²
const KEY_ID_PATTERN = /^wm\.([1-9]\d{0,3})\.([0-9a-f]{8})\.([A-Za-z0-9_-]{1,200})$/;

export class WatermarkKeyError extends Error {
  override readonly name = 'WatermarkKeyError';
}

/** The 32-byte key of one account under one key version. */
export function deriveAccountKey(master: string, accountId: string, version: number): Buffer {
  return createHmac('sha256', master).update(`moat-watermark/v${version}/${accountId}`).digest();
}

/** Short public digest of a master, written into key ids so a mismatched master is detected. */
export function masterFingerprint(master: string, version: number): string {
  return createHmac('sha256', master).update(`moat-watermark-fingerprint/v${version}`).digest('hex').slice(0, FINGERPRINT_HEX);
}

export interface ResolvedKey {
  keyId: string;
  accountId: string;
  version: number;
  key: Buffer;
}

export interface ParsedKeyId {
  version: number;
  fingerprint: string;
  accountId: string;
}

export function parseKeyId(keyId: string): ParsedKeyId | null {
  const match = KEY_ID_PATTERN.exec(keyId);
  if (!match) return null;
  return { version: Number(match[1]), fingerprint: match[2], accountId: match[3] };
}

export interface KeyringSecrets {
  /** Master for the current version and for every version without its own retired entry. */
  secret: string;
  /** Version new outputs are marked with. */
  currentVersion: number;
  /** Masters of earlier versions whose secret was replaced. */
  retired?: readonly { version: number; secret: string }[];
}

/** Issues key ids for accounts and turns key ids back into keys, across every version it holds a master for. */
export class WatermarkKeyring {
  readonly currentVersion: number;
  readonly #secret: string;
  readonly #retired: ReadonlyMap<number, string>;

  constructor(secrets: KeyringSecrets) {
    if (secrets.secret.length < 32) throw new WatermarkKeyError('the watermark master secret must be at least 32 characters');
    this.#secret = secrets.secret;
    this.currentVersion = secrets.currentVersion;
    this.#retired = new Map((secrets.retired ?? []).map((r) => [r.version, r.secret]));
  }

  /** Key id for an account's outputs under the current version. */
  keyIdFor(accountId: string, version = this.currentVersion): string {
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(accountId)) throw new WatermarkKeyError(`account id ${JSON.stringify(accountId)} cannot be encoded in a key id`);
    if (version > this.currentVersion) throw new WatermarkKeyError(`key version ${version} is newer than the current version ${this.currentVersion}`);
    return `wm.${version}.${masterFingerprint(this.#masterOf(version), version)}.${accountId}`;
  }

  /** The key behind a key id; throws when the id is malformed, from a future version, or from another master. */
  resolveKey(keyId: string): ResolvedKey {
    const parsed = parseKeyId(keyId);
    if (!parsed) throw new WatermarkKeyError(`malformed watermark key id ${JSON.stringify(keyId.slice(0, 80))} (expected wm.<version>.<fingerprint>.<account>)`);
    if (parsed.version > this.currentVersion) throw new WatermarkKeyError(`key id ${keyId} is from version ${parsed.version}, newer than this configuration's ${this.currentVersion}`);
    const master = this.#masterOf(parsed.version);
    const expected = Buffer.from(masterFingerprint(master, parsed.version), 'utf8');
    if (!timingSafeEqual(expected, Buffer.from(parsed.fingerprint, 'utf8'))) {
      throw new WatermarkKeyError(`key id ${keyId} was not issued with this watermark secret (fingerprint mismatch for version ${parsed.version}): wrong or missing secret`);
    }
    return { keyId, accountId: parsed.accountId, version: parsed.version, key: deriveAccountKey(master, parsed.accountId, parsed.version) };
  }

  /** Like resolveKey, but undefined instead of an error (the model server's per-request path). */
  tryResolveKey(keyId: string): ResolvedKey | undefined {
    try {
      return this.resolveKey(keyId);
    } catch {
      return undefined;
    }
  }

  /**
   * Secret seed for choosing verification probes: from the current master, so probes are unknown to a suspect and
   * the same for every account (one set of answers is scored under each account's key).
   */
  probeSeed(): Buffer {
    return createHmac('sha256', this.#secret).update('moat-watermark/probes').digest();
  }

  /** Every key version this keyring can resolve, oldest first. */
  versions(): number[] {
    return Array.from({ length: this.currentVersion }, (_, i) => i + 1);
  }

  #masterOf(version: number): string {
    return this.#retired.get(version) ?? this.#secret;
  }
}
