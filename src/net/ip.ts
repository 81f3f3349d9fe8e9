/**
 * IP addresses as numbers, canonical CIDR text, and CIDR sets compiled once for fast matching. Shared by the gateway
 * (client IPs, trusted proxies, IP rules) and the admin API (which stores rules in canonical form). A set groups networks by prefix length, so a
 * lookup costs one hash probe per distinct prefix length (≤ 33 for IPv4, ≤ 129 for IPv6) however many rules exist.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export interface ParsedIp {
  /** 4 or 6; IPv4-mapped IPv6 (`::ffff:1.2.3.4`) is reported as IPv4, as the socket layer hands it to us. */
  version: 4 | 6;
  /** The address as an unsigned integer (bigint so both families share one path). */
  value: bigint;
  /** Canonical text form. */
  text: string;
}

const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const MAPPED_PREFIX = '::ffff:';

export function parseIp(text: string): ParsedIp | null {
  // Fast path for the common cases on the request path: plain and IPv4-mapped dotted quads.
  const v4 = DOTTED_QUAD.exec(text.startsWith(MAPPED_PREFIX) ? text.slice(MAPPED_PREFIX.length) : text);
  if (v4) {
    const value = ((Number(v4[1]) << 24) >>> 0) + (Number(v4[2]) << 16) + (Number(v4[3]) << 8) + Number(v4[4]);
    return { version: 4, value: BigInt(value), text: `${v4[1]}.${v4[2]}.${v4[3]}.${v4[4]}` };
  }
  // node's isIP is strict (no legacy `10.1.2` or octal forms, which ipaddr.js would accept).
  if (isIP(text) === 0) return null;
  const addr = ipaddr.process(text);
  const bytes = addr.toByteArray();
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return { version: addr.kind() === 'ipv4' ? 4 : 6, value, text: addr.toString() };
}

export interface ParsedCidr {
  version: 4 | 6;
  bits: number;
  /** Network address (host bits cleared). */
  network: bigint;
  /** Canonical `network/bits`. */
  text: string;
}

/**
 * Parses `a.b.c.d/n`, `x::/n` or a bare address. Host bits are cleared (`10.1.2.3/8` → `10.0.0.0/8`), and an
 * IPv4-mapped IPv6 network (`::ffff:1.2.3.0/120`) becomes the IPv4 one (`1.2.3.0/24`), as the gateway sees such peers.
 */
export function parseCidr(text: string): ParsedCidr | null {
  const [addrText, bitsText, extra] = text.trim().split('/');
  if (extra !== undefined || (bitsText !== undefined && !/^\d{1,3}$/.test(bitsText))) return null;
  const ip = parseIp(addrText);
  if (!ip) return null;
  const width = ip.version === 4 ? 32 : 128;
  const mapped = ip.version === 4 && addrText.includes(':');
  let bits = bitsText === undefined ? width : Number(bitsText);
  if (mapped && bitsText !== undefined) bits -= 96;
  if (bits < 0 || bits > width) return null;
  const network = maskTo(ip.value, bits, width);
  return { version: ip.version, bits, network, text: `${formatIp(network, ip.version)}/${bits}` };
}

/** The canonical spelling of a CIDR or address (`10.1.2.3/8` → `10.0.0.0/8`, `2001:db8::1` → `2001:db8::1/128`), or null. */
export function normaliseCidr(text: string): string | null {
  return parseCidr(text)?.text ?? null;
}

export function maskTo(value: bigint, bits: number, width: number): bigint {
  const hostBits = BigInt(width - bits);
  return (value >> hostBits) << hostBits;
}

export function formatIp(value: bigint, version: 4 | 6): string {
  if (version === 4) {
    // Dotted quad by hand: ipaddr.js's round trip cost ~1 µs per request (subnet of every client address).
    const n = Number(value);
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  const bytes: number[] = [];
  for (let i = 15; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

/** The subnet a client address belongs to for subnet limits, e.g. `203.0.113.0/24`. */
export function subnetOf(ip: ParsedIp, prefixV4: number, prefixV6: number): string {
  const bits = ip.version === 4 ? prefixV4 : prefixV6;
  const width = ip.version === 4 ? 32 : 128;
  return `${formatIp(maskTo(ip.value, bits, width), ip.version)}/${bits}`;
}

/** A compiled set of CIDRs, each carrying a value (e.g. the rule it came from). */
export class CidrSet<T> {
  readonly #byFamily = { 4: new Map<number, Map<bigint, T>>(), 6: new Map<number, Map<bigint, T>>() };
  /** Prefix lengths present, longest first, so the most specific match wins. */
  readonly #lengths = { 4: [] as number[], 6: [] as number[] };
  size = 0;

  add(cidr: ParsedCidr, value: T): void {
    const family = this.#byFamily[cidr.version];
    let nets = family.get(cidr.bits);
    if (!nets) {
      nets = new Map();
      family.set(cidr.bits, nets);
      this.#lengths[cidr.version] = [...family.keys()].sort((a, b) => b - a);
    }
    if (!nets.has(cidr.network)) this.size++;
    nets.set(cidr.network, value);
  }

  /** The value of the most specific network containing `ip`, or undefined. */
  match(ip: ParsedIp): T | undefined {
    const family = this.#byFamily[ip.version];
    const width = ip.version === 4 ? 32 : 128;
    for (const bits of this.#lengths[ip.version]) {
      const hit = family.get(bits)?.get(maskTo(ip.value, bits, width));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  static of(cidrs: readonly string[]): CidrSet<true> {
    const set = new CidrSet<true>();
    for (const text of cidrs) {
      const parsed = parseCidr(text);
      if (!parsed) throw new TypeError(`invalid CIDR '${text}'`);
      set.add(parsed, true);
    }
    return set;
  }
}
