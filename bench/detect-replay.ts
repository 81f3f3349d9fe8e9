/**
 * `npm run bench -- detect-replay --recording=FILE [--detection=JSON] [--top=N] [--out=FILE.json]`: the fast
 * iteration loop for detection quality. Replays a stream recorded by `npm run bench -- detect --record=FILE` through
 * the real engine (gateway-thread mode) with the given detection options (JSON merged over the evaluation defaults,
 * e.g. '{"detectors":{"mmd":{"weight":0.2}}}'), and prints per persona and attacker strategy: peak-risk distribution,
 * levels reached (own vs cluster-driven), mean detector contributions at the peak, served events before the first
 * action and the ban; then every linked cluster with its members' labels, peak risk and evidence. The labels come from
 * the recording's header and are used for this report only; the engine sees the events alone.
 *
 * There is no feedback (an attacker banned in the replay keeps sending), so the false-positive side is exact for the
 * recorded traffic and the attacker side shows how early a ban would come; real runs confirm both.
 */
import { writeFileSync } from 'node:fs';
import type { ConfigInput } from '../src/config/schema.ts';
import { rocAuc } from '../src/detect/eval/roc.ts';
import { type AccountLabel, readRecording } from './detect-replay/recording.ts';
import { type AccountTrace, replay } from './detect-replay/replay.ts';

const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

interface GroupSummary {
  group: string;
  accounts: number;
  served: number;
  peak: { p50: number; p90: number; max: number };
  throttled: number;
  degraded: number;
  banned: number;
  byCluster: number;
  actionedShare: number;
  meanContributionAtPeak: Record<string, number>;
  servedBeforeAction: number | null;
  servedBeforeBan: number | null;
}

const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);
const r3 = (x: number) => Math.round(x * 1000) / 1000;

function summarise(group: string, traces: AccountTrace[], attacker: boolean): GroupSummary {
  const peaks = traces.map((t) => t.peakRisk).sort((a, b) => a - b);
  const contribution: Record<string, number> = {};
  for (const t of traces) for (const c of t.peakContributions) contribution[c.detector] = (contribution[c.detector] ?? 0) + (c.score * c.weight) / traces.length;
  const count = (level: string) => traces.filter((t) => t.level === level).length;
  const sumOrNull = (pick: (t: AccountTrace) => number | null) => {
    const values = traces.map(pick);
    if (values.some((v) => v === null)) return null;
    return values.reduce((s: number, v) => s + (v ?? 0), 0);
  };
  return {
    group,
    accounts: traces.length,
    served: traces.reduce((s, t) => s + t.served, 0),
    peak: { p50: r3(quantile(peaks, 0.5)), p90: r3(quantile(peaks, 0.9)), max: r3(peaks.at(-1) ?? 0) },
    throttled: count('throttle'),
    degraded: count('degrade'),
    banned: count('ban'),
    byCluster: traces.filter((t) => t.level !== 'observe' && t.ownLevel === 'observe').length,
    actionedShare: r3(traces.filter((t) => t.level !== 'observe').length / Math.max(1, traces.length)),
    meanContributionAtPeak: Object.fromEntries(Object.entries(contribution).map(([k, v]) => [k, r3(v)])),
    servedBeforeAction: attacker ? sumOrNull((t) => t.servedBeforeAction) : null,
    servedBeforeBan: attacker ? sumOrNull((t) => t.servedBeforeBan) : null,
  };
}

export async function runDetectReplay(): Promise<unknown> {
  const path = option('recording');
  if (!path) throw new Error('--recording=FILE is required (record one with: npm run bench -- detect --record=FILE --shadow)');
  const detection = JSON.parse(option('detection') ?? '{}') as ConfigInput['detection'];
  const top = Number(option('top') ?? 3);
  const { header, events } = await readRecording(path);
  const started = Date.now();
  const result = await replay(events, detection);
  const label = (id: string): AccountLabel => header.accounts[id] ?? { kind: 'unknown', persona: 'unknown', actor: -1 };
  const groups = new Map<string, { attacker: boolean; ids: string[] }>();
  for (const id of result.accounts.keys()) {
    const l = label(id);
    const g = groups.get(l.persona) ?? { attacker: l.kind === 'attacker', ids: [] };
    g.ids.push(id);
    groups.set(l.persona, g);
  }
  const summaries = [...groups.entries()].map(([name, g]) => summarise(name, g.ids.map((id) => result.accounts.get(id)!), g.attacker));
  const benign = summaries.filter((s) => !groups.get(s.group)!.attacker);
  const benignAccounts = benign.reduce((s, g) => s + g.accounts, 0);
  const benignActioned = benign.reduce((s, g) => s + g.throttled + g.degraded + g.banned, 0);
  process.stdout.write(`replay of ${events.length} events (${header.scenario}, seed ${header.seed}) in ${((Date.now() - started) / 1000).toFixed(1)} s (${result.cpuSeconds.toFixed(1)} s CPU)\n`);
  for (const s of summaries) process.stdout.write(`${JSON.stringify(s)}\n`);
  process.stdout.write(`benign actioned ${benignActioned}/${benignAccounts} = ${((100 * benignActioned) / Math.max(1, benignAccounts)).toFixed(2)}%, banned ${benign.reduce((s, g) => s + g.banned, 0)}\n`);
  const clusters = [...result.clusters.values()].sort((a, b) => b.peakRisk - a.peakRisk);
  // AUC of the accounts' own peak risk, and of the risk they are acted on (own or their cluster's peak, the higher).
  const clusterPeak = new Map<string, number>();
  for (const c of clusters) for (const id of c.accounts) clusterPeak.set(id, Math.max(clusterPeak.get(id) ?? 0, c.peakRisk));
  const ids = [...result.accounts.keys()];
  const isAttacker = (id: string) => label(id).kind === 'attacker';
  const own = (id: string) => result.accounts.get(id)!.peakRisk;
  const acted = (id: string) => Math.max(own(id), clusterPeak.get(id) ?? 0);
  const auc = rocAuc(ids.filter(isAttacker).map(own), ids.filter((id) => !isAttacker(id)).map(own));
  const aucWithClusters = rocAuc(ids.filter(isAttacker).map(acted), ids.filter((id) => !isAttacker(id)).map(acted));
  process.stdout.write(`AUC own peak ${auc?.toFixed(3)}; with clusters ${aucWithClusters?.toFixed(3)}\n`);
  for (const c of clusters) {
    const mix: Record<string, number> = {};
    for (const id of c.accounts) mix[label(id).persona] = (mix[label(id).persona] ?? 0) + 1;
    const contributions = c.peakContributions.map((x) => `${x.detector} ${(x.score * x.weight).toFixed(2)}`).join(', ');
    process.stdout.write(`cluster ${c.id}: ${JSON.stringify(mix)} peak ${c.peakRisk.toFixed(3)} ${c.level} [${contributions}] evidence: ${c.evidence.slice(0, 3).join(' | ')}\n`);
  }
  // The riskiest accounts of each benign persona, with the reasons at their peak, to see why they were actioned.
  for (const s of benign) {
    const ids = groups.get(s.group)!.ids.sort((a, b) => result.accounts.get(b)!.peakRisk - result.accounts.get(a)!.peakRisk);
    for (const id of ids.slice(0, top)) {
      const t = result.accounts.get(id)!;
      if (t.peakRisk < 0.3) continue;
      process.stdout.write(`  ${s.group} ${id}: peak ${t.peakRisk.toFixed(3)} ${t.level} (own ${t.ownLevel}, cluster ${t.clusterLevel}) events ${t.events}\n`);
      for (const reason of t.peakReasons) process.stdout.write(`      ${reason}\n`);
    }
  }
  const out = option('out');
  if (out) writeFileSync(out, `${JSON.stringify({ recording: path, detection, summaries, auc, aucWithClusters, clusters }, null, 2)}\n`);
  return { summaries };
}
