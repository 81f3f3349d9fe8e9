/**
 * `moat accounts …`: create, list, show, ban and unban accounts through the admin API. The key printed by
 * `create` is the only time it is shown; the server keeps a hash.
 */
import type { Command } from 'commander';
import type { AccountDetails } from '../admin/client.ts';
import type { Account, LimitOverrides } from '../store/types.ts';
import { type AdminCommandDeps, adminCommandGroup, type AdminSession, durationSeconds, formatTime, oneOf, openAdminSession } from './admin-session.ts';
import { ExitError, output, parseCount, table } from './io.ts';

interface CreateFlags {
  name?: string;
  rpm?: string;
  tpm?: string;
  daily?: string;
  concurrency?: string;
  models?: string;
  keyName?: string;
}

/** Registers `moat accounts` and its subcommands. */
export function registerAccountsCommand(program: Command, deps: AdminCommandDeps = {}): void {
  const accounts = adminCommandGroup(program, 'accounts', 'create, list, inspect, ban and unban accounts (needs a running gateway)');
  const session = () => openAdminSession(program, deps);

  accounts
    .command('create')
    .description('create an account and its first API key (the key is printed once)')
    .option('--name <name>', 'account name (required)')
    .option('--rpm <n>', 'requests per minute (0 = unlimited; default: limits.account)')
    .option('--tpm <n>', 'tokens per minute')
    .option('--daily <n>', 'requests per day')
    .option('--concurrency <n>', 'concurrent requests')
    .option('--models <list>', 'comma-separated models the account may call (default: all)')
    .option('--key-name <name>', 'name of the first key')
    .action((flags: CreateFlags) => createAccount(session(), flags));

  accounts
    .command('list')
    .description('list accounts, oldest first')
    .option('--status <status>', 'active or suspended')
    .option('--limit <n>', 'page size', '50')
    .option('--cursor <cursor>', 'continue from a previous page')
    .action(async (flags: { status?: string; limit: string; cursor?: string }) => {
      const { io, client } = session();
      const status = flags.status === undefined ? undefined : oneOf('--status', flags.status, ['active', 'suspended'] as const);
      const page = await client.listAccounts({ status, limit: parseCount('--limit', flags.limit, 1), cursor: flags.cursor });
      output(io, page, () => {
        if (page.items.length === 0) return 'no accounts';
        const rows = [['ID', 'NAME', 'STATUS', 'CREATED'], ...page.items.map((a) => [a.id, a.name, a.status, formatTime(a.createdAt)])];
        return table(rows) + (page.nextCursor ? `\nmore: moat accounts list --cursor ${page.nextCursor}` : '');
      });
    });

  accounts
    .command('show')
    .description('show an account with its keys and active ban')
    .argument('<id>', 'account id')
    .action(async (id: string) => {
      const { io, client } = session();
      const details = await client.getAccount(id);
      output(io, details, () => describeAccount(details));
    });

  accounts
    .command('ban')
    .description('ban an account: the gateway answers its keys with 403 until the ban ends')
    .argument('<id>', 'account id')
    .option('--reason <text>', 'why (required; recorded in the audit log)')
    .option('--expires <duration>', 'lift automatically after e.g. 12h or 7d (default: never)')
    .action(async (id: string, flags: { reason?: string; expires?: string }) => {
      const reason = requireFlag('--reason', flags.reason);
      const expiresIn = flags.expires === undefined ? undefined : durationSeconds('--expires', flags.expires);
      const { io, client } = session();
      const { ban } = await client.banAccount(id, { reason, expiresIn });
      output(io, { ban }, `banned ${id} ${ban.expiresAt === null ? 'indefinitely' : `until ${formatTime(ban.expiresAt)}`} (${ban.id})`);
    });

  accounts
    .command('unban')
    .description("lift an account's active ban")
    .argument('<id>', 'account id')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .action(async (id: string, flags: { reason?: string }) => {
      const { io, client } = session();
      const result = await client.unbanAccount(id, flags.reason === undefined ? {} : { reason: flags.reason });
      output(io, result, `lifted ${result.lifted} ban${result.lifted === 1 ? '' : 's'} on ${id}`);
    });
}

/** `moat accounts create`: validates the flags before any network call. */
export async function createAccount(session: AdminSession, flags: CreateFlags): Promise<void> {
  const name = requireFlag('--name', flags.name);
  const limits: LimitOverrides = {};
  if (flags.rpm !== undefined) limits.requestsPerMinute = parseCount('--rpm', flags.rpm);
  if (flags.tpm !== undefined) limits.tokensPerMinute = parseCount('--tpm', flags.tpm);
  if (flags.daily !== undefined) limits.requestsPerDay = parseCount('--daily', flags.daily);
  if (flags.concurrency !== undefined) limits.concurrentRequests = parseCount('--concurrency', flags.concurrency);
  const models = flags.models?.split(',').map((m) => m.trim()).filter((m) => m.length > 0);
  if (models !== undefined && models.length === 0) throw new ExitError(2, '--models needs at least one model name, e.g. --models gpt-4o-mini,small');
  const { io, client } = session;
  const created = await client.createAccount({ name, limits, allowedModels: models, keyName: flags.keyName });
  output(io, created, () =>
    [`account ${created.account.id} (${created.account.name})`, `key     ${created.key.id}`, `API key ${created.key.key}`, 'store the API key now: it is not shown again'].join('\n'),
  );
}

function requireFlag(flag: string, value: string | undefined): string {
  if (value === undefined || value.trim() === '') throw new ExitError(2, `${flag} is required`);
  return value;
}

function describeAccount({ account, keys, ban }: AccountDetails): string {
  const lines = table([
    ['account', account.id],
    ['name', account.name],
    ['status', account.status],
    ['created', formatTime(account.createdAt)],
    ['limits', describeLimits(account)],
    ['models', account.allowedModels === null ? 'all configured models' : account.allowedModels.join(', ')],
    ['metadata', Object.keys(account.metadata).length === 0 ? '-' : JSON.stringify(account.metadata)],
    ['ban', ban === null ? 'none' : `${ban.id} ${ban.expiresAt === null ? 'indefinitely' : `until ${formatTime(ban.expiresAt)}`}: ${ban.reason}`],
  ]);
  const keyRows = keys.map((k) => [k.id, `${k.prefix}…`, k.name, k.status, formatTime(k.createdAt), formatTime(k.expiresAt)]);
  const keyTable = keys.length === 0 ? 'no keys' : table([['KEY', 'PREFIX', 'NAME', 'STATUS', 'CREATED', 'EXPIRES'], ...keyRows]);
  return `${lines}\n\n${keyTable}`;
}

function describeLimits(account: Account): string {
  const names: [keyof LimitOverrides, string][] = [
    ['requestsPerMinute', 'rpm'],
    ['tokensPerMinute', 'tpm'],
    ['requestsPerDay', 'daily'],
    ['concurrentRequests', 'concurrency'],
  ];
  const set = names.filter(([field]) => account.limits[field] !== undefined).map(([field, short]) => `${short}=${account.limits[field]}`);
  return set.length === 0 ? 'config defaults' : `${set.join(' ')} (others: config defaults)`;
}
