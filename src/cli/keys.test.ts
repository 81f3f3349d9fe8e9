import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KeyView } from '../admin/views.ts';
import type { Account } from '../store/types.ts';
import { type AdminCliHarness, startAdminCli } from './admin-cli-testing.ts';
import { ExitError } from './io.ts';

describe('moat keys', () => {
  let h: AdminCliHarness;
  let accountId: string;
  before(async () => {
    h = await startAdminCli();
    accountId = (await h.json<{ account: Account }>(['accounts', 'create', '--name', 'keys-co'])).account.id;
  });
  after(() => h.close());

  test('create prints the key once; list shows prefixes only', async () => {
    const res = await h.run(['keys', 'create', accountId, '--name', 'ci', '--expires', '30d']);
    assert.equal(res.error, null);
    const key = /^API key (moat_\S+)$/m.exec(res.stdout)?.[1];
    assert.ok(key);
    assert.match(res.stdout, /expires 2026-02-14 12:00:00Z/);
    const listed = await h.run(['keys', 'list', accountId]);
    assert.match(listed.stdout, /^KEY\s+PREFIX\s+NAME\s+STATUS\s+CREATED\s+EXPIRES\s+REPLACED BY$/m);
    assert.match(listed.stdout, /\bci\s+active\b/);
    assert.equal(listed.stdout.includes(key), false, 'the full key is never listed');
    const json = await h.json<{ items: KeyView[] }>(['keys', 'list', accountId]);
    assert.equal(json.items.length, 2);
  });

  test('rotate with --grace keeps the old key until then; revoke ends a key now', async () => {
    const created = await h.json<{ id: string }>(['keys', 'create', accountId]);
    const rotated = await h.run(['keys', 'rotate', created.id, '--grace', '1h']);
    assert.equal(rotated.error, null);
    assert.match(rotated.stdout, new RegExp(`replaces ${created.id}`));
    assert.match(rotated.stdout, /the old key works until 2026-01-15 13:00:00Z/);
    assert.equal((await h.t.stores.keys.get(created.id))?.expiresAt, h.t.clock.now + 3_600_000);

    const successor = /^key\s+(key_\S+) replaces/m.exec(rotated.stdout)?.[1] ?? '';
    const revoked = await h.run(['keys', 'revoke', successor]);
    assert.match(revoked.stdout, new RegExp(`^revoked ${successor} \\(`));
    assert.equal((await h.t.stores.keys.get(successor))?.revokedAt, h.t.clock.now);

    const zero = await h.json<{ replaces: { expiresAt: number } }>(['keys', 'rotate', (await h.json<{ id: string }>(['keys', 'create', accountId])).id, '--grace', '0']);
    assert.equal(zero.replaces.expiresAt, h.t.clock.now);
  });

  test('bad durations exit 2', async () => {
    for (const args of [
      ['keys', 'create', accountId, '--expires', '3 days'],
      ['keys', 'rotate', 'key_x', '--grace', 'forever'],
    ]) {
      const res = await h.run(args);
      assert.ok(res.error instanceof ExitError);
      assert.equal(res.error.exitCode, 2);
    }
  });
});
