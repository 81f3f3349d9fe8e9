/**
 * `moat simulate`: drives a running gateway with simulated benign users and attackers (src/sim). Accounts and keys
 * are created through the admin API; every request states its client address in the gateway's forwarding header, so
 * the gateway must trust this machine's loopback address (`gateway.trustedProxies: [127.0.0.1]`).
 */

import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AdminClient } from '../admin/client.ts';
import { loadConfig } from '../config/load.ts';
import { resolveSecrets } from '../config/secrets.ts';
import { CidrSet, parseIp } from '../net/ip.ts';
import { runSimulation, type SimulationResult } from '../sim/run.ts';
import { resolveScenario } from '../sim/scenarios.ts';
import { defaultIO, ExitError, output, parseCount, table } from './io.ts';

interface SimulateFlags {
  scenario?: string;
  gateway?: string;
  adminUrl?: string;
  adminToken?: string;
  seed?: string;
  model?: string;
  out?: string;
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('drive a running gateway with simulated benign users and distillation attackers (seeded)')
    .option('--scenario <name|file>', 'built-in scenario (small, target) or a JSON/YAML scenario file', 'small')
    .option('--gateway <url>', 'gateway base URL (default: from the config)')
    .option('--admin-url <url>', 'admin API base URL (default: from the config)')
    .option('--admin-token <token>', 'admin API token (default: from the config / data directory)')
    .option('--seed <n>', "override the scenario's seed")
    .option('--model <name>', 'chat model to call (default: the scenario\'s, else the first LM the gateway lists)')
    .option('--out <file>', 'write the result (per-actor outcomes and every request) as JSON')
    .action(async (flags: SimulateFlags) => {
      const { config: file, json } = program.opts<{ config?: string; json?: boolean }>();
      const io = defaultIO(json);
      const config = loadConfig({ file });
      const scenario = resolveScenario(flags.scenario, flags.seed === undefined ? undefined : parseCount('--seed', flags.seed));
      const gatewayUrl = flags.gateway ?? `http://${loopback(config.gateway.host)}:${config.gateway.port}`;
      const adminUrl = flags.adminUrl ?? `http://${loopback(config.admin.host)}:${config.admin.port}`;
      const token = flags.adminToken ?? resolveSecrets(config).adminToken;
      if (!flags.gateway && !trustsLoopback(config.gateway.trustedProxies)) {
        throw new ExitError(78, 'the gateway does not trust 127.0.0.1 as a proxy, so simulated client addresses would be ignored: add 127.0.0.1 to gateway.trustedProxies');
      }
      const admin = new AdminClient({ baseUrl: adminUrl, token, actor: 'simulator', timeoutMs: 30_000 });
      const result = await runSimulation({
        scenario,
        gatewayUrl,
        admin,
        clientIpHeader: config.gateway.clientIpHeader,
        model: flags.model,
        defaultRequestsPerMinute: config.limits.account.requestsPerMinute,
        onProgress: (p) => io.stderr.write(`moat: ${p.elapsedSeconds.toFixed(0)} s, ${p.requests} requests, ${p.actorsDone}/${p.actors} actors done\n`),
      });
      if (flags.out) writeFileSync(flags.out, `${JSON.stringify(serialise(result), null, 2)}\n`);
      output(io, summary(result), () => describeSimulation(result));
    });
}

function loopback(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function trustsLoopback(trusted: readonly string[]): boolean {
  const loop = parseIp('127.0.0.1');
  return loop !== null && trusted.length > 0 && CidrSet.of(trusted).match(loop) !== undefined;
}

function summary(result: SimulationResult) {
  return { scenario: result.scenario, seed: result.seed, durationMs: result.durationMs, requests: result.ledger.records.length, actors: result.actors };
}

function serialise(result: SimulationResult) {
  return { ...summary(result), records: result.ledger.records };
}

export function describeSimulation(result: SimulationResult): string {
  const rows = new Map<string, { kind: string; actors: number; accounts: number; sent: number; served: number; throttled: number; banned: number; refused: number; errors: number }>();
  for (const a of result.actors) {
    const row = rows.get(a.persona) ?? { kind: a.kind, actors: 0, accounts: 0, sent: 0, served: 0, throttled: 0, banned: 0, refused: 0, errors: 0 };
    row.actors++;
    row.accounts += a.accounts.length;
    for (const key of ['sent', 'served', 'throttled', 'banned', 'refused', 'errors'] as const) row[key] += a.outcomes[key];
    rows.set(a.persona, row);
  }
  return [
    `scenario ${result.scenario} (seed ${result.seed}): ${result.ledger.records.length} requests in ${(result.durationMs / 1000).toFixed(1)} s`,
    table([
      ['persona', 'kind', 'accounts', 'sent', 'served', '429', 'banned', 'refused', 'errors'],
      ...[...rows].map(([persona, r]) => [persona, r.kind, r.accounts, r.sent, r.served, r.throttled, r.banned, r.refused, r.errors]),
    ]),
  ].join('\n');
}
