import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CidrSet, parseCidr, parseIp, subnetOf } from './ip.ts';

describe('ip parsing', () => {
  it('normalises IPv4-mapped IPv6 to IPv4 and rejects garbage', () => {
    assert.equal(parseIp('::ffff:10.1.2.3')?.text, '10.1.2.3');
    assert.equal(parseIp('::ffff:10.1.2.3')?.version, 4);
    assert.equal(parseIp('2001:db8::1')?.version, 6);
    assert.equal(parseIp('10.1.2'), null);
    assert.equal(parseIp('not-an-ip'), null);
    assert.equal(parseIp(''), null);
  });

  it('clears host bits and validates prefix lengths', () => {
    assert.equal(parseCidr('10.1.2.3/8')?.text, '10.0.0.0/8');
    assert.equal(parseCidr('2001:db8:aa:bb::1/48')?.text, '2001:db8:aa::/48');
    assert.equal(parseCidr('10.0.0.1')?.bits, 32);
    assert.equal(parseCidr('10.0.0.0/33'), null);
    assert.equal(parseCidr('10.0.0.0/-1'), null);
    assert.equal(parseCidr('10.0.0.0/8/9'), null);
  });

  it('computes /24 and /64 subnets', () => {
    assert.equal(subnetOf(parseIp('203.0.113.77')!, 24, 64), '203.0.113.0/24');
    assert.equal(subnetOf(parseIp('2001:db8:1:2:3:4:5:6')!, 24, 64), '2001:db8:1:2::/64');
    assert.equal(subnetOf(parseIp('255.255.255.255')!, 32, 64), '255.255.255.255/32');
    assert.equal(subnetOf(parseIp('::ffff:10.1.2.3')!, 8, 64), '10.0.0.0/8');
    assert.equal(subnetOf(parseIp('0.0.0.7')!, 0, 64), '0.0.0.0/0');
  });
});

describe('CidrSet', () => {
  it('matches the most specific network, in both families', () => {
    const set = new CidrSet<string>();
    set.add(parseCidr('10.0.0.0/8')!, 'wide');
    set.add(parseCidr('10.1.0.0/16')!, 'narrow');
    set.add(parseCidr('2001:db8::/32')!, 'v6');
    assert.equal(set.match(parseIp('10.1.2.3')!), 'narrow');
    assert.equal(set.match(parseIp('10.2.0.1')!), 'wide');
    assert.equal(set.match(parseIp('11.0.0.1')!), undefined);
    assert.equal(set.match(parseIp('2001:db8:ffff::1')!), 'v6');
    assert.equal(set.match(parseIp('2001:db9::1')!), undefined);
  });

  it('refuses invalid CIDRs at build time with the offending text', () => {
    assert.throws(() => CidrSet.of(['10.0.0.0/8', 'banana']), /invalid CIDR 'banana'/);
  });
});
