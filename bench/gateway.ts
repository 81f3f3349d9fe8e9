/**
 * `npm run bench -- gateway`: the same load against the direct upstream, a bare undici proxy and Moat with every
 * policy on, in one run. Throughput under load (autocannon, 10 connections) and added latency from a serial probe
 * over one keep-alive connection per target, the targets taking turns (µs resolution). Writes bench/results/gateway.json.
 * Targets (issue #2): Moat ≥ 70% of the bare proxy's req/s; ≤ 0.5 ms added p50 and ≤ 2 ms added p99.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Client } from 'undici';

const here = dirname(fileURLToPath(import.meta.url));
/** `--duration=S`, `--rounds=N`, `--warmup=S` and `--probe=N` shorten or lengthen the run (defaults: 10 s, 2 rounds, 3 s, 3000). */
const flag = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const DURATION_S = flag('duration', 10);
const ROUNDS = flag('rounds', 2);
const PROBE_N = flag('probe', 3000);
const WARMUP_S = flag('warmup', 3);
const BODY = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'Say something about whales.' }], max_tokens: 16 });

interface Target {
  name: 'direct' | 'bare-proxy' | 'moat';
  port: number;
  headers: Record<string, string>;
}

interface ServerProcess {
  child: ChildProcess;
  /** The first line the server printed (its port, and for Moat the API key). */
  line: string;
  /** CPU time (user + system, µs) the process has used so far. */
  cpuMicros(): Promise<number>;
}

async function startProcess(script: string, args: string[]): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'servers', script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const rl = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  rl.on('line', (line) => waiting.shift()?.(line));
  const nextLine = () => new Promise<string>((resolve) => waiting.push(resolve));
  const line = await Promise.race([
    nextLine(),
    new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)))),
  ]);
  const cpuMicros = async () => {
    const answer = nextLine();
    child.kill('SIGUSR2');
    const [, user, system] = (await answer).split(' ');
    return Number(user) + Number(system);
  };
  return { child, line, cpuMicros };
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU time the process under test spent per request (µs): robust to other load on the box, unlike req/s. */
  cpuPerRequestUs: number;
}

async function load(target: Target, server: ServerProcess, durationS = DURATION_S): Promise<LoadResult> {
  const cpuBefore = await server.cpuMicros();
  const result = await autocannon({
    url: `http://127.0.0.1:${target.port}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: BODY,
    connections: 10,
    duration: durationS,
  });
  const cpu = (await server.cpuMicros()) - cpuBefore;
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors, cpuPerRequestUs: cpu / Math.max(1, result.requests.total) };
}

interface ProbeResult {
  p50Us: number;
  p99Us: number;
  meanUs: number;
  cpuPerRequestUs: number;
}

/**
 * Serial latency: one request at a time over one keep-alive connection per target, the targets taking turns request
 * by request, so a burst of load from elsewhere on the shared box hits all three alike instead of whichever target
 * happened to be measured at the time. (The upstream process serves all three, so `direct`'s probe CPU covers the
 * upstream calls of the two proxies too.)
 */
async function probe(targets: Target[], servers: Record<Target['name'], ServerProcess>): Promise<Record<Target['name'], ProbeResult>> {
  const cpuBefore = await Promise.all(targets.map((t) => servers[t.name].cpuMicros()));
  const clients = targets.map((t) => new Client(`http://127.0.0.1:${t.port}`, { pipelining: 1 }));
  const samples: number[][] = targets.map(() => []);
  for (let i = 0; i < PROBE_N + 300; i++) {
    for (let k = 0; k < targets.length; k++) {
      const t = process.hrtime.bigint();
      const r = await clients[k].request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json', ...targets[k].headers }, body: BODY });
      await r.body.arrayBuffer();
      if (r.statusCode !== 200) throw new Error(`${targets[k].name} answered ${r.statusCode}`);
      if (i >= 300) samples[k].push(Number(process.hrtime.bigint() - t) / 1000);
    }
  }
  await Promise.all(clients.map((c) => c.close()));
  const results = {} as Record<Target['name'], ProbeResult>;
  for (let k = 0; k < targets.length; k++) {
    const sorted = samples[k].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    const cpuPerRequestUs = ((await servers[targets[k].name].cpuMicros()) - cpuBefore[k]) / (PROBE_N + 300);
    results[targets[k].name] = { p50Us: at(0.5), p99Us: at(0.99), meanUs: sorted.reduce((a, b) => a + b, 0) / sorted.length, cpuPerRequestUs };
  }
  return results;
}

export async function runGatewayBench(): Promise<unknown> {
  const upstream = await startProcess('upstream.ts', []);
  const upstreamPort = Number(upstream.line);
  const bare = await startProcess('bare-proxy.ts', [String(upstreamPort)]);
  const moat = await startProcess('moat.ts', [String(upstreamPort)]);
  const [moatPort, key] = moat.line.split(' ');
  const servers = { direct: upstream, 'bare-proxy': bare, moat };
  const targets: Target[] = [
    { name: 'direct', port: upstreamPort, headers: {} },
    { name: 'bare-proxy', port: Number(bare.line), headers: {} },
    { name: 'moat', port: Number(moatPort), headers: { authorization: `Bearer ${key}` } },
  ];
  try {
    const loadAverageAtStart = loadavg();
    // Warm-up, not recorded: JIT compilation would otherwise be charged to whichever round comes first.
    for (const t of targets) await load(t, servers[t.name], WARMUP_S);
    const rounds: Record<string, LoadResult[]> = { direct: [], 'bare-proxy': [], moat: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const t of targets) {
        const result = await load(t, servers[t.name]);
        rounds[t.name].push(result);
        process.stderr.write(`round ${r + 1} ${t.name}: ${result.rps.toFixed(0)} req/s p50 ${result.p50} ms p99 ${result.p99} ms errors ${result.errors} cpu ${result.cpuPerRequestUs.toFixed(0)} µs/req\n`);
      }
    }
    const probes = await probe(targets, servers);
    for (const t of targets) {
      process.stderr.write(`probe ${t.name}: p50 ${probes[t.name].p50Us.toFixed(0)} µs p99 ${probes[t.name].p99Us.toFixed(0)} µs cpu ${probes[t.name].cpuPerRequestUs.toFixed(0)} µs/req\n`);
    }
    const mean = (name: string) => rounds[name].reduce((a, b) => a + b.rps, 0) / rounds[name].length;
    const meanCpu = (name: string) => rounds[name].reduce((a, b) => a + b.cpuPerRequestUs, 0) / rounds[name].length;
    const summary = {
      cpuPerRequestUsBareProxy: meanCpu('bare-proxy'),
      cpuPerRequestUsMoat: meanCpu('moat'),
      /** Bare proxy CPU per request ÷ Moat's: the throughput ratio a CPU-bound box would give, less exposed to other load than req/s. */
      cpuRatioBareOverMoat: meanCpu('bare-proxy') / meanCpu('moat'),
      rpsDirect: mean('direct'),
      rpsBareProxy: mean('bare-proxy'),
      rpsMoat: mean('moat'),
      moatVsBareProxy: mean('moat') / mean('bare-proxy'),
      addedP50Ms: (probes.moat.p50Us - probes.direct.p50Us) / 1000,
      addedP99Ms: (probes.moat.p99Us - probes.direct.p99Us) / 1000,
      addedP50VsBareProxyMs: (probes.moat.p50Us - probes['bare-proxy'].p50Us) / 1000,
      addedP99VsBareProxyMs: (probes.moat.p99Us - probes['bare-proxy'].p99Us) / 1000,
    };
    const targetsMet = { throughput: summary.moatVsBareProxy >= 0.7, addedP50: summary.addedP50Ms <= 0.5, addedP99: summary.addedP99Ms <= 2 };
    const result = { bench: 'gateway', command: 'npm run bench -- gateway', date: new Date().toISOString(), durationSeconds: DURATION_S, loadAverageAtStart, loadAverageAtEnd: loadavg(), rounds, probes, summary, targetsMet };
    const out = join(here, 'results', 'gateway.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    process.stderr.write(`${JSON.stringify({ summary, targetsMet }, null, 2)}\nwrote ${out}\n`);
    return result;
  } finally {
    for (const p of [upstream, bare, moat]) p.child.kill('SIGTERM');
  }
}
