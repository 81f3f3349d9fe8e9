/**
 * `moat detect …`: what distillation detection sees, through the admin API of a running gateway. `show` prints an
 * account's risk, each detector's score and reasons, the action in force (or, in shadow mode, the action detection
 * would take), its linked cluster and its history; `clusters` lists linked clusters; `clear` reverses an automatic
 * action. Other `detect` subcommands (e.g. `eval`) attach to the same group with `detectCommandGroup`.
 */
import type { Command } from 'commander';
import type { AccountDetectionView, ClusterView } from '../detect/views.ts';
import { type AdminCommandDeps, adminCommandGroup, formatTime, openAdminSession } from './admin-session.ts';
import { output, parseCount, table } from './io.ts';

/** The `detect` command group, created once; every detect subcommand registers on it. */
export function detectCommandGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'detect') ?? adminCommandGroup(program, 'detect', 'distillation detection: scores, reasons, clusters, actions');
}

export function registerDetectCommand(program: Command, deps: AdminCommandDeps = {}): void {
  const detect = detectCommandGroup(program);
  const session = () => openAdminSession(program, deps);

  detect
    .command('show')
    .description("an account's risk, detector scores and reasons, action, cluster and history (needs a running gateway)")
    .argument('<account>', 'account id')
    .option('--history <n>', 'assessments of history to show', '10')
    .action(async (accountId: string, flags: { history: string }) => {
      const { io, client } = session();
      const view = await client.detectAccount(accountId, { history: parseCount('--history', flags.history) });
      output(io, view, () => describeAccount(view));
    });

  detect
    .command('clusters')
    .description('linked account clusters (actors), riskiest first (needs a running gateway)')
    .action(async () => {
      const { io, client } = session();
      const { items } = await client.detectClusters();
      output(io, { items }, () => describeClusters(items));
    });

  detect
    .command('clear')
    .description("reverse detection's action on an account: lift its ban, remove throttle/degrade, start afresh")
    .argument('<account>', 'account id')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .action(async (accountId: string, flags: { reason?: string }) => {
      const { io, client } = session();
      const result = await client.clearDetectionAction(accountId, { reason: flags.reason });
      output(io, result, `cleared ${result.previous} on ${accountId}${result.unbanned > 0 ? ' (ban lifted)' : ''}`);
    });
}

function fixed(x: number | null | undefined): string {
  return x === null || x === undefined ? '-' : x.toFixed(2);
}

export function describeAccount(v: AccountDetectionView): string {
  const lines: string[] = [];
  const c = v.current;
  lines.push(`account ${v.accountId}: risk ${fixed(c?.risk)} → ${c?.level ?? 'not scored yet'} (${v.events} events in memory)${v.shadow ? ' [shadow mode]' : ''}`);
  if (v.action) lines.push(`action in force: ${v.action.level} since ${formatTime(v.action.since)}${v.action.clusterId ? ` (cluster ${v.action.clusterId})` : ''}`);
  else if (v.shadowLevel) lines.push(`shadow mode: would ${v.shadowLevel} (nothing applied)`);
  else lines.push('action in force: none');
  if (v.detectors.length > 0) {
    const weights = new Map((c?.contributions ?? []).map((x) => [x.detector as string, x.weight]));
    lines.push('', table([['DETECTOR', 'SCORE', 'WEIGHT', 'TOP REASON'], ...v.detectors.map((d) => [d.name, fixed(d.score), fixed(weights.get(d.name)), d.reasons[0] ?? ''])]));
  }
  if (c && c.reasons.length > 0) lines.push('', 'reasons:', ...c.reasons.map((r) => `  - ${r}`));
  if (v.cluster) {
    lines.push('', `cluster ${v.cluster.id}: ${v.cluster.accounts.length} accounts, risk ${fixed(v.cluster.risk)} → ${v.cluster.level ?? '-'}`);
    lines.push(`  accounts: ${v.cluster.accounts.join(', ')}`, ...v.cluster.evidence.map((e) => `  evidence: ${e}`));
  }
  if (v.history.length > 0) lines.push('', table([['TIME', 'RISK', 'LEVEL'], ...v.history.map((h) => [formatTime(h.at), fixed(h.risk), h.level])]));
  return lines.join('\n');
}

function describeClusters(items: ClusterView[]): string {
  if (items.length === 0) return 'no linked clusters';
  return table([['CLUSTER', 'ACCOUNTS', 'RISK', 'LEVEL', 'EVIDENCE'], ...items.map((c) => [c.id, c.accounts.length, fixed(c.risk), c.level ?? '-', c.evidence[0] ?? ''])]);
}
