import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { IpRule } from '../store/types.ts';
import { type TestAdmin, startTestAdmin } from './testing.ts';

describe('admin IP rules', () => {
  let t: TestAdmin;
  before(async () => {
    t = await startTestAdmin();
  });
  after(() => t.close());

  test('POST stores the canonical CIDR; GET lists; DELETE by URL-encoded CIDR in any spelling', async () => {
    const version = await t.stores.ipRules.version();
    const res = await t.call('POST', '/ip-rules', { cidr: '10.1.2.3/8', action: 'deny', reason: 'scraping farm', expiresIn: 600 });
    assert.equal(res.status, 201);
    const rule = res.body.rule as IpRule;
    assert.equal(rule.cidr, '10.0.0.0/8');
    assert.equal(rule.expiresAt, t.clock.now + 600_000);
    assert.ok((await t.stores.ipRules.version()) > version, 'the gateway sees the change through version()');

    await t.call('POST', '/ip-rules', { cidr: '10.9.0.0/16', action: 'allow', reason: 'partner' });
    const list = await t.call('GET', '/ip-rules');
    assert.deepEqual((list.body.items as IpRule[]).map((r) => [r.cidr, r.action]), [
      ['10.0.0.0/8', 'deny'],
      ['10.9.0.0/16', 'allow'],
    ]);

    const removed = await t.call('DELETE', `/ip-rules/${encodeURIComponent('10.200.0.1/8')}`);
    assert.equal(removed.status, 200);
    assert.deepEqual(removed.body, { removed: 1, target: '10.0.0.0/8' });
    const actions = await t.call('GET', '/admin-actions?action=ip_rule.remove');
    assert.equal((actions.body.items as { target: string }[])[0].target, '10.0.0.0/8');
  });

  test('DELETE by id; 404 for an unknown rule writes no audit row', async () => {
    const res = await t.call('POST', '/ip-rules', { cidr: '2001:db8::1/32', action: 'deny', reason: 'v6' });
    const rule = res.body.rule as IpRule;
    assert.equal(rule.cidr, '2001:db8::/32');
    const before = ((await t.call('GET', '/admin-actions')).body.items as unknown[]).length;
    const missing = await t.call('DELETE', `/ip-rules/${encodeURIComponent('192.0.2.0/24')}`);
    assert.equal(missing.status, 404);
    assert.equal(((await t.call('GET', '/admin-actions')).body.items as unknown[]).length, before);
    const removed = await t.call('DELETE', `/ip-rules/${rule.id}`);
    assert.equal(removed.body.removed, 1);
  });

  test('a second rule for the same network is a conflict until the first expires', async () => {
    await t.call('POST', '/ip-rules', { cidr: '198.51.100.0/24', action: 'deny', reason: 'a', expiresIn: 60 });
    const dup = await t.call('POST', '/ip-rules', { cidr: '198.51.100.77/24', action: 'allow', reason: 'b' });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error?.param, 'cidr');
    t.clock.advance(60_000);
    const after = await t.call('POST', '/ip-rules', { cidr: '198.51.100.0/24', action: 'allow', reason: 'b' });
    assert.equal(after.status, 201);
    const listed = (await t.call('GET', '/ip-rules')).body.items as (IpRule & { expired: boolean })[];
    assert.deepEqual(listed.filter((r) => r.cidr === '198.51.100.0/24').map((r) => r.expired), [true, false]);
  });

  test('validation: CIDR, action, reason, expiresIn', async () => {
    const cases: [unknown, string][] = [
      [{ cidr: '10.0.0.0/33', action: 'deny', reason: 'r' }, 'cidr'],
      [{ cidr: 'evil.example', action: 'deny', reason: 'r' }, 'cidr'],
      [{ cidr: '10.0.0.0/8', action: 'block', reason: 'r' }, 'action'],
      [{ cidr: '10.0.0.0/8', action: 'deny' }, 'reason'],
      [{ cidr: '10.0.0.0/8', action: 'deny', reason: 'r', expiresIn: 1.5 }, 'expiresIn'],
    ];
    for (const [body, param] of cases) {
      const res = await t.call('POST', '/ip-rules', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error?.code, 'invalid_request');
      assert.equal(res.body.error?.param, param, JSON.stringify(body));
    }
    const cidrError = await t.call('POST', '/ip-rules', { cidr: '10.0.0.0/33', action: 'deny', reason: 'r' });
    assert.match(cidrError.body.error?.message ?? '', /10\.0\.0\.0\/8/);
  });
});
