/**
 * Client addresses for simulated accounts. The simulator connects from loopback and states each request's client
 * address in the gateway's forwarding header, which the gateway believes because loopback is in its
 * `gateway.trustedProxies`. Ranges are documentation/benchmark-looking public space, so subnet (/24) arithmetic works
 * as for real clients.
 */
import type { Rng } from '../ml/engine/rng.ts';

/** Residential-looking first octets for benign home connections. */
const HOME_OCTETS = [24, 31, 46, 62, 73, 81, 92, 109, 151, 176, 188, 212];

export interface AddressPlan {
  /** Addresses one account sends from (a roaming user has two). */
  forAccount(): string[];
}

export function homeAddress(rng: Rng): string {
  return `${HOME_OCTETS[rng.int(HOME_OCTETS.length)]}.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}`;
}

/** A company or campus NAT: every member leaves through one of a few addresses of one /24 (198.18.0.0/15). */
export function natAddresses(group: number): string[] {
  const third = group % 256;
  const second = 18 + Math.floor(group / 256);
  return [1, 2, 3, 4].map((host) => `198.${second}.${third}.${host}`);
}

/** A single attacker's cloud VM. */
export function datacenterAddress(rng: Rng): string {
  return `45.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}`;
}

/** `ips` proxy addresses spread round-robin over `subnets` /24s (a residential proxy network's exits). */
export function proxyPool(rng: Rng, ips: number, subnets: number): string[] {
  const bases = Array.from({ length: subnets }, () => `${185 + rng.int(8)}.${rng.int(256)}.${rng.int(256)}`);
  return Array.from({ length: ips }, (_, i) => `${bases[i % subnets]}.${10 + Math.floor(i / subnets)}`);
}
