import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normaliseCidr } from './ip.ts';

test('clears host bits and makes bare addresses explicit', () => {
  assert.equal(normaliseCidr('10.1.2.3/8'), '10.0.0.0/8');
  assert.equal(normaliseCidr('203.0.113.7'), '203.0.113.7/32');
  assert.equal(normaliseCidr(' 192.168.1.77/24 '), '192.168.1.0/24');
  assert.equal(normaliseCidr('0.0.0.0/0'), '0.0.0.0/0');
});

test('compresses IPv6 and maps IPv4-mapped addresses to IPv4', () => {
  assert.equal(normaliseCidr('2001:0db8:0000::1/32'), '2001:db8::/32');
  assert.equal(normaliseCidr('2001:db8::1'), '2001:db8::1/128');
  assert.equal(normaliseCidr('::ffff:198.51.100.9/120'), '198.51.100.0/24');
});

test('rejects what the config schema rejects', () => {
  for (const bad of ['10.0.0.0/33', '10.0.0/8', 'example.com', '10.0.0.0/8/1', '2001:db8::/129', '', '10.0.0.0/-1', '10.0.0.0/ 8']) {
    assert.equal(normaliseCidr(bad), null, bad);
  }
});
