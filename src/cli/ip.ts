/**
 * `moat ip …`: block and allow networks at the gateway. Rules take effect within a second (the gateway polls the
 * rule store's version); an allow rule carves an exception out of a broader block.
 */
import type { Command } from 'commander';
import type { IpRuleAction } from '../store/types.ts';
import { type AdminCommandDeps, adminCommandGroup, durationSeconds, formatTime, openAdminSession } from './admin-session.ts';
import { ExitError, output, table } from './io.ts';

/** Registers `moat ip` and its subcommands. */
export function registerIpCommand(program: Command, deps: AdminCommandDeps = {}): void {
  const ip = adminCommandGroup(program, 'ip', 'block or allow client networks (needs a running gateway)');
  const session = () => openAdminSession(program, deps);

  const addRule = (action: IpRuleAction) => async (cidr: string, flags: { reason?: string; expires?: string }) => {
    if (flags.reason === undefined || flags.reason.trim() === '') throw new ExitError(2, '--reason is required');
    const expiresIn = flags.expires === undefined ? undefined : durationSeconds('--expires', flags.expires);
    const { io, client } = session();
    const { rule } = await client.addIpRule({ cidr, action, reason: flags.reason, expiresIn });
    const verb = action === 'deny' ? 'blocked' : 'allowed';
    output(io, { rule }, `${verb} ${rule.cidr} ${rule.expiresAt === null ? 'until removed' : `until ${formatTime(rule.expiresAt)}`} (${rule.id})`);
  };

  ip.command('block')
    .description('refuse requests from an address or CIDR (403 ip_blocked)')
    .argument('<cidr>', 'e.g. 203.0.113.7 or 10.0.0.0/8 or 2001:db8::/32')
    .option('--reason <text>', 'why (required; recorded in the audit log)')
    .option('--expires <duration>', 'remove automatically after e.g. 1h (default: never)')
    .action(addRule('deny'));

  ip.command('allow')
    .description('exempt an address or CIDR from a broader block')
    .argument('<cidr>', 'e.g. 10.9.0.0/16')
    .option('--reason <text>', 'why (required; recorded in the audit log)')
    .option('--expires <duration>', 'remove automatically after e.g. 1h (default: never)')
    .action(addRule('allow'));

  ip.command('unblock')
    .description('remove the rule for a CIDR (any spelling of the same network) or with an id')
    .argument('<cidr-or-id>', 'e.g. 10.0.0.0/8 or ipr_…')
    .action(async (target: string) => {
      const { io, client } = session();
      const result = await client.removeIpRule(target);
      output(io, result, `removed ${result.removed} rule${result.removed === 1 ? '' : 's'} for ${result.target}`);
    });

  ip.command('list')
    .description('list IP rules')
    .action(async () => {
      const { io, client } = session();
      const { items } = await client.listIpRules();
      output(io, { items }, () => {
        if (items.length === 0) return 'no IP rules';
        const rows = items.map((r) => [r.id, r.cidr, r.action, r.expired ? `expired ${formatTime(r.expiresAt)}` : formatTime(r.expiresAt), r.actor, r.reason]);
        return table([['ID', 'CIDR', 'ACTION', 'EXPIRES', 'BY', 'REASON'], ...rows]);
      });
    });
}
