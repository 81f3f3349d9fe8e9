import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AdminApiError } from '../admin/client.ts';
import type { IpRule } from '../store/types.ts';
import { type AdminCliHarness, startAdminCli } from './admin-cli-testing.ts';
import { ExitError } from './io.ts';

describe('moat ip', () => {
  let h: AdminCliHarness;
  before(async () => {
    h = await startAdminCli();
  });
  after(() => h.close());

  test('block, allow, list, unblock', async () => {
    const blocked = await h.run(['ip', 'block', '10.1.2.3/8', '--reason', 'scraper farm', '--expires', '1h']);
    assert.equal(blocked.error, null);
    assert.match(blocked.stdout, /^blocked 10\.0\.0\.0\/8 until 2026-01-15 13:00:00Z \(ipr_/);
    const allowed = await h.json<{ rule: IpRule }>(['ip', 'allow', '10.9.0.0/16', '--reason', 'partner office']);
    assert.equal(allowed.rule.action, 'allow');

    const listed = await h.run(['ip', 'list']);
    assert.match(listed.stdout, /^ID\s+CIDR\s+ACTION\s+EXPIRES\s+BY\s+REASON$/m);
    assert.match(listed.stdout, /10\.0\.0\.0\/8\s+deny\s+2026-01-15 13:00:00Z\s+cli\S*\s+scraper farm/);
    assert.match(listed.stdout, /10\.9\.0\.0\/16\s+allow\s+never/);
    const json = await h.json<{ items: IpRule[] }>(['ip', 'list']);
    assert.deepEqual(json.items.map((r) => r.cidr), ['10.0.0.0/8', '10.9.0.0/16']);

    const removed = await h.run(['ip', 'unblock', '10.0.0.0/8']);
    assert.equal(removed.stdout.trim(), 'removed 1 rule for 10.0.0.0/8');
    const byId = await h.run(['ip', 'unblock', allowed.rule.id]);
    assert.match(byId.stdout, /removed 1 rule/);
    assert.equal((await h.run(['ip', 'list'])).stdout.trim(), 'no IP rules');
  });

  test('errors: missing reason exits 2; a bad CIDR and an unknown rule carry the API message', async () => {
    const noReason = await h.run(['ip', 'block', '192.0.2.1']);
    assert.ok(noReason.error instanceof ExitError);
    assert.equal(noReason.error.exitCode, 2);
    const badCidr = await h.run(['ip', 'block', '300.1.1.1', '--reason', 'r']);
    assert.ok(badCidr.error instanceof AdminApiError);
    assert.match(badCidr.error.message, /invalid 'cidr': must be an IPv4\/IPv6 address or CIDR/);
    const unknown = await h.run(['ip', 'unblock', '192.0.2.0/24']);
    assert.ok(unknown.error instanceof AdminApiError);
    assert.equal(unknown.error.status, 404);
  });
});
