/**
 * Writes an evaluation: `eval.json` (every number), `eval.md` (the tables a person reads), `roc.svg` (ROC of the
 * accounts' peak risk) and `campaigns.svg` (each attacker's served queries over time: a curve that flattens is a
 * campaign stopped).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { table } from '../../format/table.ts';
import { linePlotSvg } from '../../distill/eval/svg-plot.ts';
import type { SimulationResult } from '../../sim/run.ts';
import type { EvalMetrics } from './metrics.ts';

export interface EvalReport {
  scenario: string;
  seed: number;
  startedAt: string;
  durationSeconds: number;
  requests: number;
  detection: { shadow: boolean; thresholds: { throttle: number; degrade: number; ban: number } };
  metrics: Omit<EvalMetrics, 'roc'>;
}

export function writeEvalReport(dir: string, report: EvalReport, metrics: EvalMetrics, sim: SimulationResult): { json: string; markdown: string; roc: string; campaigns: string } {
  mkdirSync(dir, { recursive: true });
  const files = { json: join(dir, 'eval.json'), markdown: join(dir, 'eval.md'), roc: join(dir, 'roc.svg'), campaigns: join(dir, 'campaigns.svg') };
  writeFileSync(files.json, `${JSON.stringify({ ...report, roc: metrics.roc.filter((_, i) => i % Math.max(1, Math.floor(metrics.roc.length / 200)) === 0) }, null, 2)}\n`);
  writeFileSync(files.markdown, `${describeEval(report)}\n`);
  const roc = metrics.roc.map((p) => ({ x: p.fpr, y: p.tpr }));
  writeFileSync(
    files.roc,
    linePlotSvg(
      [
        { name: `peak risk (AUC ${metrics.auc?.toFixed(3) ?? 'n/a'})`, points: roc },
        { name: 'chance', points: [{ x: 0, y: 0 }, { x: 1, y: 1 }] },
      ],
      { title: 'Attacker vs benign accounts: ROC of peak risk', xLabel: 'false-positive rate', yLabel: 'true-positive rate', yRange: [0, 1] },
    ),
  );
  writeFileSync(files.campaigns, linePlotSvg(campaignSeries(sim, metrics), { title: 'Queries served to each attacker over time', xLabel: 'seconds since start', yLabel: 'queries served' }));
  return files;
}

function campaignSeries(sim: SimulationResult, metrics: EvalMetrics) {
  return metrics.attackers.map((a) => {
    let served = 0;
    const points = [{ x: 0, y: 0 }];
    for (const r of sim.ledger.records) {
      if (r.actor !== a.actor || r.status < 200 || r.status >= 300) continue;
      served++;
      if (served % 10 === 0) points.push({ x: r.endedAt / 1000, y: served });
    }
    points.push({ x: sim.durationMs / 1000, y: served });
    return { name: a.strategy, points };
  });
}

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
const num = (x: number | null, digits = 1) => (x === null ? '-' : x.toFixed(digits));

export function describeEval(report: EvalReport): string {
  const m = report.metrics;
  const attackers = table([
    ['strategy', 'accounts', 'campaign', 'served', 'detected', 'banned', 'served<1st action', 'served<ban', 'share', 's to action', 's to ban', 'linked', 'target'],
    ...m.attackers.map((a) => [
      a.strategy,
      a.accounts,
      a.campaignQueries,
      a.served,
      a.detected ? 'yes' : 'no',
      a.banned ? 'yes' : `${a.bannedAccounts}/${a.accounts}`,
      a.servedBeforeFirstAction,
      a.servedBeforeBan,
      pct(a.servedBeforeBanShare),
      num(a.secondsToFirstAction),
      num(a.secondsToBan),
      pct(a.linkedShare),
      a.meetsTarget ? 'met' : 'MISSED',
    ]),
  ]);
  const benign = table([
    ['persona', 'accounts', 'requests', 'served', '429 share', 'throttled', 'degraded', 'banned', 'actioned', 'max peak risk'],
    ...m.benign.map((b) => [b.persona, b.accounts, b.sent, b.served, pct(b.rateLimitedShare), b.throttled, b.degraded, b.banned, pct(b.actionedShare), num(b.peakRiskMax, 3)]),
  ]);
  const t = m.targets;
  const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');
  return [
    `# Detection evaluation: ${report.scenario} (seed ${report.seed})`,
    '',
    `${report.requests} requests in ${report.durationSeconds.toFixed(1)} s; detection ${report.detection.shadow ? 'in SHADOW mode (decisions only)' : 'enforcing'}; thresholds throttle ${report.detection.thresholds.throttle}, degrade ${report.detection.thresholds.degrade}, ban ${report.detection.thresholds.ban}.`,
    '',
    '## Attackers',
    '```',
    attackers,
    '```',
    '',
    '## Benign personas',
    '```',
    benign,
    '```',
    '',
    `ROC AUC of peak risk (attacker accounts vs benign): ${num(m.auc, 3)}; of the risk acted on (own or linked cluster's, the higher): ${num(m.aucWithClusters, 3)}`,
    `Linked clusters: ${m.clusters.total} (${m.clusters.withAttackers} with attackers, ${m.clusters.benignOnly} benign-only; ${m.clusters.benignAccountsInAttackerClusters} benign accounts in attacker clusters)`,
    '',
    '## Targets (issue 5)',
    `- every attacker banned before 10% of its campaign: ${mark(t.everyAttackerBannedBefore10Percent)}`,
    `- 0 benign accounts banned: ${mark(t.noBenignBanned)} (${m.benignTotal.banned} of ${m.benignTotal.accounts})`,
    `- <= 1% benign throttled or worse: ${mark(t.benignThrottledAtMost1Percent)} (${pct(m.benignTotal.throttledOrWorseShare)})`,
    `- scale: >= 1000 benign accounts: ${t.benignAccountsAtLeast1000 ? 'yes' : 'no'}; swarm >= 50 accounts / 50 IPs / 10 subnets: ${t.swarmAtLeast50Accounts ? 'yes' : 'no'}`,
  ].join('\n');
}
