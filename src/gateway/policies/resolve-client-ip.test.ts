import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CidrSet, parseIp } from '../../net/ip.ts';
import { fromForwardedHeader } from './resolve-client-ip.ts';

const trusted = CidrSet.of(['10.0.0.0/8', '::1/128']);
const peer = parseIp('10.0.0.5')!;

describe('fromForwardedHeader', () => {
  it('takes the rightmost untrusted hop, not the spoofable leftmost one', () => {
    assert.equal(fromForwardedHeader(peer, '6.6.6.6, 198.51.100.7, 10.0.0.9', trusted).text, '198.51.100.7');
  });

  it('falls back to the peer without a header', () => {
    assert.equal(fromForwardedHeader(peer, undefined, trusted).text, '10.0.0.5');
  });

  it('stops at a malformed hop and blames the proxy that appended it', () => {
    assert.equal(fromForwardedHeader(peer, '198.51.100.7, garbage, 10.0.0.9', trusted).text, '10.0.0.9');
  });

  it('accepts ports and bracketed IPv6 hops', () => {
    assert.equal(fromForwardedHeader(peer, '198.51.100.7:4711', trusted).text, '198.51.100.7');
    assert.equal(fromForwardedHeader(peer, '[2001:db8::7]:443', trusted).text, '2001:db8::7');
  });

  it('returns the leftmost hop when every hop is trusted', () => {
    assert.equal(fromForwardedHeader(peer, '10.9.9.9, 10.0.0.9', trusted).text, '10.9.9.9');
  });

  it('joins repeated headers', () => {
    assert.equal(fromForwardedHeader(peer, ['6.6.6.6', '198.51.100.8'], trusted).text, '198.51.100.8');
  });
});
