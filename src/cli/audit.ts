/**
 * `moat audit …`: read the gateway's request log and the admin-change log. `tail --follow` polls the admin API
 * for rows newer than the last one printed (row ids only grow), so it works against any store adapter.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { AdminClient, StoredRequestAudit } from '../admin/client.ts';
import type { AuditQuery } from '../store/interfaces.ts';
import { type AdminCommandDeps, adminCommandGroup, formatTime, oneOf, openAdminSession, pointInTime } from './admin-session.ts';
import { type CliIO, ExitError, output, parseCount, table } from './io.ts';

const FOLLOW_PAGE = 200;
/** Pages fetched per poll at most; a burst bigger than this is summarised instead of stalling the terminal. */
const FOLLOW_MAX_PAGES = 10;

interface QueryFlags {
  account?: string;
  key?: string;
  ip?: string;
  model?: string;
  decision?: string;
  status?: string;
  since?: string;
  until?: string;
  limit: string;
  cursor?: string;
}

/** Registers `moat audit` and its subcommands. */
export function registerAuditCommand(program: Command, deps: AdminCommandDeps = {}): void {
  const audit = adminCommandGroup(program, 'audit', "read the gateway's request log and the admin-change log (needs a running gateway)");
  const session = () => openAdminSession(program, deps);

  audit
    .command('tail')
    .description('print the latest requests, oldest first; --follow keeps printing new ones')
    .option('-n, --lines <n>', 'how many recent requests', '20')
    .option('--account <id>', 'only this account')
    .option('-f, --follow', 'keep polling for new requests until Ctrl-C')
    .action(async (flags: { lines: string; account?: string; follow?: boolean }) => {
      const lines = parseCount('-n', flags.lines, 1);
      if (lines > 500) throw new ExitError(2, `-n must be at most 500, got ${lines}`);
      const { io, client } = session();
      const page = await client.queryAudit({ accountId: flags.account, limit: lines });
      const shown = [...page.items].reverse();
      for (const row of shown) printRow(io, row);
      if (!flags.follow) return;
      await follow(io, client, flags.account, shown.at(-1)?.id ?? 0, deps);
    });

  audit
    .command('query')
    .description('search the request log, newest first')
    .option('--account <id>', 'account id')
    .option('--key <id>', 'key id')
    .option('--ip <address>', 'client IP')
    .option('--model <name>', 'model name')
    .option('--decision <d>', 'allow, deny or error')
    .option('--status <code>', 'HTTP status, e.g. 429')
    .option('--since <time>', 'from: a duration ago (1h, 7d), an ISO date, or epoch ms')
    .option('--until <time>', 'to (exclusive), same forms as --since')
    .option('--limit <n>', 'page size', '50')
    .option('--cursor <cursor>', 'continue from a previous page')
    .action(async (flags: QueryFlags) => {
      const now = (deps.now ?? Date.now)();
      const query = toAuditQuery(flags, now);
      const { io, client } = session();
      const page = await client.queryAudit(query);
      output(io, page, () => {
        if (page.items.length === 0) return 'no matching requests';
        const header = ['TIME', 'STATUS', 'DECISION', 'ACCOUNT', 'CLIENT IP', 'MODEL', 'TOKENS IN/OUT', 'LATENCY', 'REASON'];
        const rows = page.items.map((r) => [formatTime(r.ts), r.status, r.decision, r.accountId, r.clientIp, r.model, `${r.tokensIn}/${r.tokensOut}`, `${r.latencyMs}ms`, r.reason]);
        return table([header, ...rows]) + (page.nextCursor ? `\nmore: add --cursor ${page.nextCursor}` : '');
      });
    });

  audit
    .command('admin')
    .description('list admin changes (who created, banned, revoked, blocked what), newest first')
    .option('--actor <actor>', 'only this actor')
    .option('--action <action>', 'e.g. account.ban, key.rotate, ip_rule.deny')
    .option('--limit <n>', 'page size', '50')
    .option('--cursor <cursor>', 'continue from a previous page')
    .action(async (flags: { actor?: string; action?: string; limit: string; cursor?: string }) => {
      const limit = parseCount('--limit', flags.limit, 1);
      const { io, client } = session();
      const page = await client.adminActions({ actor: flags.actor, action: flags.action, limit, cursor: flags.cursor });
      output(io, page, () => {
        if (page.items.length === 0) return 'no matching admin actions';
        const rows = page.items.map((a) => [formatTime(a.ts), a.actor, a.action, a.target || '-', truncate(JSON.stringify(a.details), 80)]);
        return table([['TIME', 'ACTOR', 'ACTION', 'TARGET', 'DETAILS'], ...rows]) + (page.nextCursor ? `\nmore: add --cursor ${page.nextCursor}` : '');
      });
    });
}

/** Turns `audit query` flags into an API query, refusing bad values before any network call. */
export function toAuditQuery(flags: QueryFlags, now: number): Partial<AuditQuery> {
  return {
    accountId: flags.account,
    keyId: flags.key,
    clientIp: flags.ip,
    model: flags.model,
    decision: flags.decision === undefined ? undefined : oneOf('--decision', flags.decision, ['allow', 'deny', 'error'] as const),
    status: flags.status === undefined ? undefined : parseCount('--status', flags.status, 100),
    since: flags.since === undefined ? undefined : pointInTime('--since', flags.since, now),
    until: flags.until === undefined ? undefined : pointInTime('--until', flags.until, now),
    limit: parseCount('--limit', flags.limit, 1),
    cursor: flags.cursor,
  };
}

async function follow(io: CliIO, client: AdminClient, accountId: string | undefined, startAfter: number, deps: AdminCommandDeps): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  const signal = deps.signal ? AbortSignal.any([deps.signal, controller.signal]) : controller.signal;
  process.once('SIGINT', stop);
  let lastId = startAfter;
  try {
    while (!signal.aborted) {
      try {
        await sleep(deps.pollMs ?? 1000, undefined, { signal });
      } catch {
        break;
      }
      const fresh = await newerThan(client, accountId, lastId);
      if (fresh.skipped) io.stderr.write(`… more than ${FOLLOW_PAGE * FOLLOW_MAX_PAGES} new requests since the last poll; showing the latest\n`);
      for (const row of fresh.rows) printRow(io, row);
      lastId = fresh.rows.at(-1)?.id ?? lastId;
    }
  } finally {
    process.off('SIGINT', stop);
  }
}

/** Rows with id > `lastId`, oldest first, paging back until the previous position is reached. */
async function newerThan(client: AdminClient, accountId: string | undefined, lastId: number): Promise<{ rows: StoredRequestAudit[]; skipped: boolean }> {
  const collected: StoredRequestAudit[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < FOLLOW_MAX_PAGES; pages++) {
    const page = await client.queryAudit({ accountId, limit: FOLLOW_PAGE, cursor });
    const fresh = page.items.filter((r) => r.id > lastId);
    collected.push(...fresh);
    if (fresh.length < page.items.length || !page.nextCursor) return { rows: collected.reverse(), skipped: false };
    cursor = page.nextCursor;
  }
  return { rows: collected.reverse(), skipped: true };
}

function printRow(io: CliIO, r: StoredRequestAudit): void {
  if (io.json) {
    io.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  const parts = [formatTime(r.ts), String(r.status), r.decision.padEnd(5), r.accountId ?? '-', r.clientIp, r.model ?? '-', `in=${r.tokensIn} out=${r.tokensOut}`, `${r.latencyMs}ms`];
  if (r.reason) parts.push(r.reason);
  io.stdout.write(`${parts.join('  ')}\n`);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
