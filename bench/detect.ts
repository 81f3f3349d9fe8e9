/**
 * `npm run bench -- detect`: the issue's detection targets on simulated traffic through the real gateway (src/sim via
 * `moat detect eval`), plus gateway throughput with detection on vs off in the same run.
 *
 * Targets (issue #5): every attacker strategy, including a ≥ 50-account swarm over ≥ 50 IPs in ≥ 10 subnets, banned
 * before 10% of a 20,000-query campaign; 0 banned and ≤ 1% throttled among ≥ 1,000 benign accounts (hard negatives
 * included); throughput with detection on within 10% of off. The baseline in the same run is the undefended campaign
 * (every query of it would be served) and, for throughput, the gateway with detection off.
 *
 * Flags: --scenario=NAME|FILE (target), --seed=N (the scenario's own), --max-seconds=S (cap the traffic),
 * --skip-throughput, --duration=S and --rounds=N for the throughput part (5, 2), --name=NAME for the result files
 * (detect; e.g. detect-seed2 for a second seed). Writes bench/results/NAME.json, NAME.md, NAME-roc.svg,
 * NAME-campaigns.svg.
 *
 * --record=FILE.jsonl.gz records detection's input stream with each account's simulator label beside it, for
 * `npm run bench -- detect-replay`; --shadow runs detection in shadow mode (nothing stops an attacker, so the recording
 * holds whole campaigns). A shadow run writes its report to a temporary directory, not to bench/results.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDetectEval } from '../src/detect/eval/run-eval.ts';
import { resolveScenario } from '../src/sim/scenarios.ts';
import { gatewayOnOff } from './detect-engine/gateway-on-off.ts';
import { type AccountLabel, EventRecorder } from './detect-replay/recording.ts';

const here = dirname(fileURLToPath(import.meta.url));
const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const flag = (name: string, fallback: number) => Number(option(name) ?? fallback);

export async function runDetectBench(): Promise<unknown> {
  const started = Date.now();
  const seed = option('seed');
  const base = resolveScenario(option('scenario') ?? 'target', seed === undefined ? undefined : Number(seed));
  const recordTo = option('record');
  const shadow = process.argv.includes('--shadow');
  const recorder = recordTo ? new EventRecorder() : null;
  const scenario = option('max-seconds') ? { ...base, maxSeconds: flag('max-seconds', base.maxSeconds) } : base;
  const results = shadow ? join(tmpdir(), 'moat-bench-detect-shadow') : join(here, 'results');
  const name = option('name') ?? 'detect';
  const work = mkdtempSync(join(tmpdir(), 'moat-bench-detect-'));
  process.stderr.write(`detect: scenario ${scenario.name}: ${scenario.benign.reduce((s, b) => s + b.accounts, 0)} benign accounts, ${scenario.attackers.length} attackers, up to ${scenario.maxSeconds} s of traffic\n`);
  const evaluation = await runDetectEval({
    scenario,
    outDir: work,
    detection: shadow ? { shadow: true } : undefined,
    onRequestEvent: recorder?.listener,
    onProgress: (p) => process.stderr.write(`detect: ${p.elapsedSeconds.toFixed(0)} s, ${p.requests} requests, ${p.actorsDone}/${p.actors} actors done\n`),
  });
  if (recorder && recordTo) {
    const accounts: Record<string, AccountLabel> = {};
    for (const actor of evaluation.sim.actors) for (const a of actor.accounts) accounts[a.id] = { kind: actor.kind, persona: actor.persona, actor: actor.index };
    await recorder.write(recordTo, { scenario: scenario.name, seed: scenario.seed, shadow, accounts });
    process.stderr.write(`detect: recorded ${recorder.events.length} events to ${recordTo}\n`);
  }
  const throughput = process.argv.includes('--skip-throughput') ? null : await gatewayOnOff(flag('duration', 5), flag('rounds', 2));
  const m = evaluation.metrics;
  const undefended = m.attackers.map((a) => ({ strategy: a.strategy, wouldServe: a.campaignQueries, served: a.served, servedShareOfUndefended: a.served / a.campaignQueries }));
  const targetsMet = {
    everyAttackerBannedBefore10Percent: m.targets.everyAttackerBannedBefore10Percent,
    noBenignBanned: m.targets.noBenignBanned,
    benignThrottledAtMost1Percent: m.targets.benignThrottledAtMost1Percent,
    throughputWithin10Percent: throughput ? throughput.onVsOff >= 0.9 : null,
    scale: { benignAccountsAtLeast1000: m.targets.benignAccountsAtLeast1000, swarm50Accounts50Ips10Subnets: m.targets.swarmAtLeast50Accounts },
  };
  const argv = process.argv.slice(2).join(' ');
  const result = {
    bench: 'detect',
    command: `npm run bench -- ${argv || 'detect'}`,
    date: new Date().toISOString(),
    wallSeconds: (Date.now() - started) / 1000,
    scenario,
    report: evaluation.report,
    baseline: { undefended },
    throughput,
    targetsMet,
  };
  mkdirSync(results, { recursive: true });
  writeFileSync(join(results, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  if (evaluation.files) {
    copyFileSync(evaluation.files.markdown, join(results, `${name}.md`));
    copyFileSync(evaluation.files.roc, join(results, `${name}-roc.svg`));
    copyFileSync(evaluation.files.campaigns, join(results, `${name}-campaigns.svg`));
  }
  rmSync(work, { recursive: true, force: true });
  process.stderr.write(`${JSON.stringify({ targetsMet, auc: m.auc, aucWithClusters: m.aucWithClusters, throughputOnVsOff: throughput?.onVsOff ?? null }, null, 2)}\nwrote ${join(results, `${name}.json`)}\n`);
  return result;
}
