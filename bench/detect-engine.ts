/**
 * `npm run bench -- detect-engine`: what detection costs. (1) The engine's per-event cost in-process with every
 * built-in detector and the linker, against the engine with nothing to run (same run, same traffic) and each detector
 * alone. (2) Gateway throughput and CPU per request with detection on (shadow) vs off, in alternating rounds against
 * the same upstream. Writes bench/results/detect-engine.json.
 * Targets (issue #5): median scoring cost ≤ 50 µs per event; throughput with detection on within 10% of off.
 * Flags: --events=N (20000), --accounts=N (200), --rate=N events/s of event time (1000), --duration=S (5), --rounds=N (3),
 * --skip-gateway, --skip-engine. Each engine variant runs twice (fresh state each time); the second pass is reported,
 * the first (JIT warming up) is kept as firstPassMedianUs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineCosts } from './detect-engine/engine-cost.ts';
import { gatewayOnOff } from './detect-engine/gateway-on-off.ts';

const here = dirname(fileURLToPath(import.meta.url));
const flag = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);

export async function runDetectEngineBench(): Promise<unknown> {
  const events = flag('events', 20_000);
  const accounts = flag('accounts', 200);
  const rate = flag('rate', 1000);
  const engine = process.argv.includes('--skip-engine') ? [] : await engineCosts(events, accounts, rate);
  for (const e of engine) {
    process.stderr.write(
      `engine ${e.variant}: median ${e.medianUs} µs/event (cpu) p99 ${e.p99Us} µs mean ${e.meanUs} µs; wall median ${e.wallMedianUs} µs; first pass median ${e.firstPassMedianUs} p99 ${e.firstPassP99Us}\n`,
    );
  }
  const gateway = process.argv.includes('--skip-gateway') ? null : await gatewayOnOff(flag('duration', 5), flag('rounds', 3));
  const full = engine.find((e) => e.variant.startsWith('all'));
  const summary = {
    medianUsPerEventAll: full?.medianUs ?? null,
    medianUsPerEventBaseline: engine[0]?.medianUs ?? null,
    firstPassMedianUsPerEventAll: full?.firstPassMedianUs ?? null,
    throughputOnVsOff: gateway?.onVsOff ?? null,
    throughputOnGatewayThreadVsOff: gateway?.threadVsOff ?? null,
    cpuPerRequestUsOn: gateway?.cpuOn ?? null,
    cpuPerRequestUsOff: gateway?.cpuOff ?? null,
    cpuPerRequestUsOnGatewayThread: gateway?.cpuThread ?? null,
  };
  const targetsMet = { medianScoringCost: full ? full.medianUs <= 50 : null, throughputWithin10Percent: gateway ? gateway.onVsOff >= 0.9 : null };
  const argv = process.argv.slice(2).join(' ');
  const result = { bench: 'detect-engine', command: `npm run bench -- ${argv || 'detect-engine'}`, date: new Date().toISOString(), events, accounts, ratePerSecond: rate, engine, gateway, summary, targetsMet };
  const out = join(here, 'results', 'detect-engine.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stderr.write(`${JSON.stringify({ summary, targetsMet }, null, 2)}\nwrote ${out}\n`);
  return result;
}
