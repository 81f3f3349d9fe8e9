import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { AdminApiError } from '../admin/client.ts';
import type { Account, Ban } from '../store/types.ts';
import { type AdminCliHarness, startAdminCli } from './admin-cli-testing.ts';
import { ExitError } from './io.ts';

describe('moat accounts', () => {
  let h: AdminCliHarness;
  before(async () => {
    h = await startAdminCli();
  });
  after(() => h.close());

  test('create prints the id and the key; the key is the one the server stored', async () => {
    const res = await h.run(['accounts', 'create', '--name', 'Acme', '--rpm', '60', '--tpm', '5000', '--daily', '1000', '--concurrency', '3', '--models', 'a, b']);
    assert.equal(res.error, null);
    const id = /^account (acct_\S+) \(Acme\)$/m.exec(res.stdout)?.[1];
    const key = /^API key (moat_\S+)$/m.exec(res.stdout)?.[1];
    assert.ok(id && key, res.stdout);
    const account = await h.t.stores.accounts.get(id);
    assert.deepEqual(account?.limits, { requestsPerMinute: 60, tokensPerMinute: 5000, requestsPerDay: 1000, concurrentRequests: 3 });
    assert.deepEqual(account?.allowedModels, ['a', 'b']);
    const [stored] = await h.t.stores.keys.listByAccount(id);
    assert.equal(stored.hash, h.t.hasher.hash(key));
    const [action] = (await h.t.stores.audit.adminActions({ action: 'key.create', limit: 1 })).items;
    assert.match(action.actor, /^cli(:|$)/, 'the CLI records who ran it');
  });

  test('create --json is the API response', async () => {
    const out = await h.json<{ account: Account; key: { id: string; key: string; prefix: string } }>(['accounts', 'create', '--name', 'json-co']);
    assert.equal(out.account.name, 'json-co');
    assert.match(out.key.key, /^moat_/);
    assert.ok(out.key.key.includes(out.key.prefix));
  });

  test('bad flags fail with exit code 2 and a precise message, before any request', async () => {
    const before = (await h.t.stores.accounts.list({ limit: 1000 })).items.length;
    const cases: [string[], RegExp][] = [
      [['accounts', 'create'], /--name is required/],
      [['accounts', 'create', '--name', 'x', '--rpm', 'ten'], /--rpm must be a whole number ≥ 0, got 'ten'/],
      [['accounts', 'create', '--name', 'x', '--tpm', '-5'], /--tpm must be a whole number/],
      [['accounts', 'create', '--name', 'x', '--models', ' , '], /--models needs at least one model/],
      [['accounts', 'list', '--status', 'gone'], /--status must be one of active, suspended, got 'gone'/],
      [['accounts', 'list', '--limit', '0'], /--limit must be a whole number ≥ 1/],
      [['accounts', 'ban', 'acct_x'], /--reason is required/],
      [['accounts', 'ban', 'acct_x', '--reason', 'r', '--expires', 'soon'], /invalid --expires 'soon'/],
      [['accounts', 'ban', 'acct_x', '--reason', 'r', '--expires', '500ms'], /--expires must be at least 1s/],
    ];
    for (const [args, message] of cases) {
      const res = await h.run(args);
      assert.ok(res.error instanceof ExitError, args.join(' '));
      assert.equal(res.error.exitCode, 2, args.join(' '));
      assert.match(res.error.message, message);
    }
    assert.equal((await h.t.stores.accounts.list({ limit: 1000 })).items.length, before);
  });

  test('list shows a table, pages with --cursor, and --json parses', async () => {
    const human = await h.run(['accounts', 'list']);
    assert.match(human.stdout, /^ID\s+NAME\s+STATUS\s+CREATED$/m);
    assert.match(human.stdout, /Acme\s+active/);
    const page = await h.json<{ items: Account[]; nextCursor: string | null }>(['accounts', 'list', '--limit', '1']);
    assert.equal(page.items.length, 1);
    assert.ok(page.nextCursor);
    const second = await h.json<{ items: Account[] }>(['accounts', 'list', '--limit', '1', '--cursor', page.nextCursor]);
    assert.notEqual(second.items[0].id, page.items[0].id);
    const hint = await h.run(['accounts', 'list', '--limit', '1']);
    assert.match(hint.stdout, /more: moat accounts list --cursor \S+/);
  });

  test('ban, show and unban', async () => {
    const { account } = await h.json<{ account: Account }>(['accounts', 'create', '--name', 'target']);
    const banned = await h.run(['accounts', 'ban', account.id, '--reason', 'extraction', '--expires', '12h']);
    assert.equal(banned.error, null);
    assert.match(banned.stdout, new RegExp(`banned ${account.id} until 2026-01-16 00:00:00Z \\(ban_`));
    const ban = await h.t.stores.bans.activeBan(account.id, h.t.clock.now);
    assert.equal(ban?.reason, 'extraction');
    assert.equal(ban?.expiresAt, h.t.clock.now + 12 * 3_600_000);

    const shown = await h.run(['accounts', 'show', account.id]);
    assert.match(shown.stdout, /^ban\s+ban_\S+ until 2026-01-16 00:00:00Z: extraction$/m);
    assert.match(shown.stdout, /^KEY\s+PREFIX\s+NAME\s+STATUS/m);
    const details = await h.json<{ ban: Ban; keys: unknown[] }>(['accounts', 'show', account.id]);
    assert.equal(details.ban.reason, 'extraction');
    assert.equal(details.keys.length, 1);

    const again = await h.run(['accounts', 'ban', account.id, '--reason', 'x']);
    assert.ok(again.error instanceof AdminApiError);
    assert.equal(again.error.exitCode, 1);
    assert.equal(again.error.code, 'conflict');

    const unbanned = await h.run(['accounts', 'unban', account.id, '--reason', 'appeal']);
    assert.equal(unbanned.stdout.trim(), `lifted 1 ban on ${account.id}`);
    assert.equal(await h.t.stores.bans.activeBan(account.id, h.t.clock.now), null);
  });

  test('API errors carry the API message; unknown ids exit 1', async () => {
    const res = await h.run(['accounts', 'show', 'acct_missing']);
    assert.ok(res.error instanceof AdminApiError);
    assert.equal(res.error.exitCode, 1);
    assert.equal(res.error.status, 404);
    assert.match(res.error.message, /account 'acct_missing' does not exist/);
  });

  test('a wrong token exits 77 with a hint; an unreachable server exits 69 and says how to start it', async () => {
    const port = Number(new URL(h.t.admin.url).port);
    writeFileSync(h.configFile, stringify({ dataDir: '/nonexistent-moat', admin: { port, token: 'moat_admin_not_the_right_token' }, secret: 'x'.repeat(32) }));
    const denied = await h.run(['accounts', 'list']);
    assert.ok(denied.error instanceof AdminApiError);
    assert.equal(denied.error.exitCode, 77);
    assert.match(denied.error.message, /invalid admin token: the CLI sends admin.token/);

    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    writeFileSync(h.configFile, stringify({ dataDir: '/nonexistent-moat', admin: { port: closedPort, token: 'moat_admin_not_the_right_token' }, secret: 'x'.repeat(32) }));
    const down = await h.run(['accounts', 'list']);
    assert.ok(down.error instanceof AdminApiError);
    assert.equal(down.error.exitCode, 69);
    assert.match(down.error.message, /cannot be reached \(ECONNREFUSED\): is the gateway running\? start it with `moat up`/);
  });
});
