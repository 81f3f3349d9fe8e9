/**
 * Canonical CIDR text for IP rules, so the same network is always stored, listed and deleted under one spelling:
 * host bits cleared (`10.1.2.3/8` → `10.0.0.0/8`), a bare address made explicit (`/32`, `/128`), IPv6 compressed
 * (`2001:0db8::/32` → `2001:db8::/32`), and IPv4-mapped IPv6 (`::ffff:1.2.3.4/128`) written as IPv4, which is how the
 * gateway sees such peers.
 */
import ipaddr from 'ipaddr.js';
import { cidr as CidrSchema } from '../config/schema.ts';

/** Returns the canonical form, or null when `text` is not an address or CIDR that the config schema accepts. */
export function normaliseCidr(text: string): string | null {
  const trimmed = text.trim();
  if (!CidrSchema.safeParse(trimmed).success) return null;
  const [addrText, bitsText] = trimmed.split('/');
  let addr: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.parse(addrText);
  let bits = bitsText === undefined ? (addr.kind() === 'ipv4' ? 32 : 128) : Number(bitsText);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    addr = (addr as ipaddr.IPv6).toIPv4Address();
    bits -= 96;
  }
  const network = addr.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(`${addr.toString()}/${bits}`) : ipaddr.IPv6.networkAddressFromCIDR(`${addr.toString()}/${bits}`);
  return `${network.toString()}/${bits}`;
}
