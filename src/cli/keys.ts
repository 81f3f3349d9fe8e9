/** `moat keys …`: issue, list, revoke and rotate API keys through the admin API. */
import type { Command } from 'commander';
import { type AdminCommandDeps, adminCommandGroup, durationSeconds, formatTime, openAdminSession } from './admin-session.ts';
import { output, table } from './io.ts';

/** Registers `moat keys` and its subcommands. */
export function registerKeysCommand(program: Command, deps: AdminCommandDeps = {}): void {
  const keys = adminCommandGroup(program, 'keys', 'issue, list, revoke and rotate API keys (needs a running gateway)');
  const session = () => openAdminSession(program, deps);

  keys
    .command('create')
    .description('issue a new key for an account (printed once)')
    .argument('<account-id>', 'account id')
    .option('--name <name>', 'a label to tell keys apart')
    .option('--expires <duration>', 'stop working after e.g. 30d (default: never)')
    .action(async (accountId: string, flags: { name?: string; expires?: string }) => {
      const expiresIn = flags.expires === undefined ? undefined : durationSeconds('--expires', flags.expires);
      const { io, client } = session();
      const key = await client.createKey(accountId, { name: flags.name, expiresIn });
      output(io, key, () => [`key     ${key.id} for ${key.accountId}${key.expiresAt === null ? '' : `, expires ${formatTime(key.expiresAt)}`}`, `API key ${key.key}`, 'store the API key now: it is not shown again'].join('\n'));
    });

  keys
    .command('list')
    .description("list an account's keys (prefixes only)")
    .argument('<account-id>', 'account id')
    .action(async (accountId: string) => {
      const { io, client } = session();
      const { items } = await client.listKeys(accountId);
      output(io, { items }, () => {
        if (items.length === 0) return `account ${accountId} has no keys`;
        const rows = items.map((k) => [k.id, `${k.prefix}…`, k.name, k.status, formatTime(k.createdAt), formatTime(k.expiresAt), k.replacedBy]);
        return table([['KEY', 'PREFIX', 'NAME', 'STATUS', 'CREATED', 'EXPIRES', 'REPLACED BY'], ...rows]);
      });
    });

  keys
    .command('revoke')
    .description('revoke a key now')
    .argument('<key-id>', 'key id')
    .action(async (keyId: string) => {
      const { io, client } = session();
      const { key } = await client.revokeKey(keyId);
      output(io, { key }, `revoked ${key.id} (${key.prefix}…)`);
    });

  keys
    .command('rotate')
    .description('issue a successor; the old key keeps working for a grace period')
    .argument('<key-id>', 'key id')
    .option('--grace <duration>', 'how long the old key keeps working, e.g. 1h (default: gateway.keyRotationGraceSeconds)')
    .action(async (keyId: string, flags: { grace?: string }) => {
      const graceSeconds = flags.grace === undefined ? undefined : durationSeconds('--grace', flags.grace, 0);
      const { io, client } = session();
      const rotated = await client.rotateKey(keyId, graceSeconds === undefined ? {} : { graceSeconds });
      output(io, rotated, () =>
        [`key     ${rotated.id} replaces ${rotated.replaces.id}`, `API key ${rotated.key}`, `the old key works until ${formatTime(rotated.replaces.expiresAt)}`, 'store the API key now: it is not shown again'].join('\n'),
      );
    });
}
