/**
 * Finds the real client address. The socket peer is the client unless the peer is a configured trusted proxy; only
 * then is the forwarding header read, right to left, skipping further trusted proxies, and the first untrusted
 * address is the client (the left part of X-Forwarded-For is whatever the client chose to send, so it is never
 * believed). An untrusted peer's header is ignored entirely.
 */
import { MoatError } from '../../http/errors.ts';
import type { Policy } from '../context.ts';
import { CidrSet, type ParsedIp, parseIp, subnetOf } from '../../net/ip.ts';

export interface ResolveClientIpOptions {
  trustedProxies: readonly string[];
  /** Lower-case header name, e.g. `x-forwarded-for`. */
  header: string;
  subnetPrefixV4: number;
  subnetPrefixV6: number;
}

/**
 * @example resolveClientIp({ trustedProxies: ['10.0.0.0/8'], header: 'x-forwarded-for', subnetPrefixV4: 24, subnetPrefixV6: 64 })
 */
export function resolveClientIp(options: ResolveClientIpOptions): Policy {
  const trusted = CidrSet.of(options.trustedProxies);
  const { header, subnetPrefixV4, subnetPrefixV6 } = options;
  return async function resolveClientIp(ctx, next) {
    const peer = parseIp(ctx.req.socket.remoteAddress ?? '');
    if (!peer) throw new MoatError('invalid_request', 'could not determine the client address');
    const client = trusted.size > 0 && trusted.match(peer) ? fromForwardedHeader(peer, ctx.req.headers[header], trusted) : peer;
    ctx.clientIp = client;
    ctx.subnet = subnetOf(client, subnetPrefixV4, subnetPrefixV6);
    await next();
  };
}

/** Walks the hops right to left; a malformed hop ends the walk at the proxy that appended it. */
export function fromForwardedHeader(peer: ParsedIp, value: string | string[] | undefined, trusted: CidrSet<true>): ParsedIp {
  if (value === undefined) return peer;
  const hops = (Array.isArray(value) ? value.join(',') : value).split(',');
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = parseIp(stripPort(hops[i].trim()));
    if (!hop) return client;
    client = hop;
    if (!trusted.match(hop)) return hop;
  }
  return client;
}

/** Accepts `1.2.3.4:5678` and `[2001:db8::1]:443` forms some proxies write. */
function stripPort(hop: string): string {
  if (hop.startsWith('[')) return hop.slice(1, hop.indexOf(']'));
  const colon = hop.indexOf(':');
  return colon !== -1 && colon === hop.lastIndexOf(':') ? hop.slice(0, colon) : hop;
}
