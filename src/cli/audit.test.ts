import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StoredRequestAudit } from '../admin/client.ts';
import type { AdminAuditRecord, RequestAuditRecord } from '../store/types.ts';
import { type AdminCliHarness, startAdminCli } from './admin-cli-testing.ts';
import { ExitError } from './io.ts';

function row(i: number, now: number, accountId = i % 2 === 0 ? 'acct_even' : 'acct_odd'): RequestAuditRecord {
  return {
    ts: now - (100 - i) * 60_000,
    requestId: `req_${i}`,
    accountId,
    keyId: null,
    clientIp: '203.0.113.5',
    subnet: '203.0.113.0/24',
    model: 'small',
    route: 'chat',
    status: i === 3 ? 429 : 200,
    tokensIn: i,
    tokensOut: 2 * i,
    latencyMs: 7,
    upstreamMs: 5,
    decision: i === 3 ? 'deny' : 'allow',
    reason: i === 3 ? 'rate_limit_exceeded' : null,
    promptHash: null,
    completionHash: null,
    promptText: null,
    completionText: null,
  };
}

describe('moat audit', () => {
  let h: AdminCliHarness;
  before(async () => {
    h = await startAdminCli();
    for (let i = 0; i < 6; i++) h.t.stores.audit.append(row(i, h.t.clock.now));
  });
  after(() => h.close());

  test('query filters and prints a table; --json is the page', async () => {
    const human = await h.run(['audit', 'query', '--decision', 'deny']);
    assert.equal(human.error, null);
    assert.match(human.stdout, /^TIME\s+STATUS\s+DECISION\s+ACCOUNT\s+CLIENT IP\s+MODEL\s+TOKENS IN\/OUT\s+LATENCY\s+REASON$/m);
    assert.match(human.stdout, /429\s+deny\s+acct_odd\s+203\.0\.113\.5\s+small\s+3\/6\s+7ms\s+rate_limit_exceeded/);
    assert.equal(human.stdout.trim().split('\n').length, 2);

    const page = await h.json<{ items: StoredRequestAudit[]; nextCursor: string | null }>(['audit', 'query', '--account', 'acct_even', '--limit', '2']);
    assert.deepEqual(page.items.map((r) => r.requestId), ['req_4', 'req_2']);
    const rest = await h.json<{ items: StoredRequestAudit[] }>(['audit', 'query', '--account', 'acct_even', '--limit', '2', '--cursor', String(page.nextCursor)]);
    assert.deepEqual(rest.items.map((r) => r.requestId), ['req_0']);

    // Rows are 100..95 minutes old; --since 97m keeps the three newest, --until bounds the other end.
    const recent = await h.json<{ items: StoredRequestAudit[] }>(['audit', 'query', '--since', '97m', '--until', String(h.t.clock.now - 95 * 60_000)]);
    assert.deepEqual(recent.items.map((r) => r.requestId), ['req_4', 'req_3']);
    const iso = await h.json<{ items: StoredRequestAudit[] }>(['audit', 'query', '--since', new Date(h.t.clock.now - 96 * 60_000).toISOString(), '--status', '200']);
    assert.deepEqual(iso.items.map((r) => r.requestId), ['req_5', 'req_4']);
  });

  test('query flag errors exit 2', async () => {
    for (const [args, message] of [
      [['--decision', 'block'], /--decision must be one of allow, deny, error/],
      [['--status', 'ok'], /--status must be a whole number ≥ 100/],
      [['--since', 'last tuesday'], /invalid --since 'last tuesday'/],
      [['--limit', '0'], /--limit must be a whole number ≥ 1/],
    ] as [string[], RegExp][]) {
      const res = await h.run(['audit', 'query', ...args]);
      assert.ok(res.error instanceof ExitError, args.join(' '));
      assert.equal(res.error.exitCode, 2);
      assert.match(res.error.message, message);
    }
  });

  test('tail prints the latest n oldest first; --json prints one object per line', async () => {
    const res = await h.run(['audit', 'tail', '-n', '3']);
    const lines = res.stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0], /^\S+ \S+Z {2}429 {2}deny {3}acct_odd/);
    assert.match(lines[2], /in=5 out=10/);
    const json = await h.run(['--json', 'audit', 'tail', '-n', '2', '--account', 'acct_odd']);
    const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as StoredRequestAudit);
    assert.deepEqual(rows.map((r) => r.requestId), ['req_3', 'req_5']);
  });

  test('tail --follow prints rows that arrive later, then stops when told', async () => {
    const controller = new AbortController();
    const running = h.run(['--json', 'audit', 'tail', '-n', '1', '--follow', '--account', 'acct_late'], { pollMs: 20, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 50));
    h.t.stores.audit.append(row(10, h.t.clock.now, 'acct_late'));
    h.t.stores.audit.append(row(11, h.t.clock.now, 'acct_late'));
    await new Promise((r) => setTimeout(r, 120));
    h.t.stores.audit.append(row(12, h.t.clock.now, 'acct_late'));
    await new Promise((r) => setTimeout(r, 120));
    controller.abort();
    const res = await running;
    assert.equal(res.error, null);
    const ids = res.stdout.trim().split('\n').map((l) => (JSON.parse(l) as StoredRequestAudit).requestId);
    assert.deepEqual(ids, ['req_10', 'req_11', 'req_12'], 'each row once, in order');
  });

  test('admin lists admin actions', async () => {
    await h.run(['ip', 'block', '192.0.2.0/24', '--reason', 'r']);
    const human = await h.run(['audit', 'admin', '--action', 'ip_rule.deny']);
    assert.match(human.stdout, /^TIME\s+ACTOR\s+ACTION\s+TARGET\s+DETAILS$/m);
    assert.match(human.stdout, /ip_rule\.deny\s+192\.0\.2\.0\/24\s+\{"ruleId":"ipr_/);
    const page = await h.json<{ items: AdminAuditRecord[] }>(['audit', 'admin', '--limit', '1']);
    assert.equal(page.items[0].action, 'ip_rule.deny');
  });
});
