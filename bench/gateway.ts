/**
 * `npm run bench -- gateway`: the same load against the direct upstream, a bare undici proxy and Moat with every
 * policy on, in one run. Throughput under load (autocannon, 10 connections) and added latency from a serial probe
 * over one keep-alive connection (µs resolution). Writes bench/results/gateway.json.
 * Targets (issue #2): Moat ≥ 70% of the bare proxy's req/s; ≤ 0.5 ms added p50 and ≤ 2 ms added p99.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Client } from 'undici';

const here = dirname(fileURLToPath(import.meta.url));
/** `--duration=S` and `--rounds=N` shorten or lengthen the run (defaults: 10 s, 2 rounds). */
const flag = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const DURATION_S = flag('duration', 10);
const ROUNDS = flag('rounds', 2);
const PROBE_N = flag('probe', 3000);
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

async function load(target: Target, server: ServerProcess): Promise<LoadResult> {
  const cpuBefore = await server.cpuMicros();
  const result = await autocannon({
    url: `http://127.0.0.1:${target.port}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: BODY,
    connections: 10,
    duration: DURATION_S,
  });
  const cpu = (await server.cpuMicros()) - cpuBefore;
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors, cpuPerRequestUs: cpu / Math.max(1, result.requests.total) };
}

async function probe(target: Target, server: ServerProcess): Promise<{ p50Us: number; p99Us: number; meanUs: number; cpuPerRequestUs: number }> {
  const cpuBefore = await server.cpuMicros();
  const client = new Client(`http://127.0.0.1:${target.port}`, { pipelining: 1 });
  const samples: number[] = [];
  for (let i = 0; i < PROBE_N + 300; i++) {
    const t = process.hrtime.bigint();
    const r = await client.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json', ...target.headers }, body: BODY });
    await r.body.arrayBuffer();
    if (r.statusCode !== 200) throw new Error(`${target.name} answered ${r.statusCode}`);
    if (i >= 300) samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  await client.close();
  const cpuPerRequestUs = ((await server.cpuMicros()) - cpuBefore) / (PROBE_N + 300);
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  return { p50Us: at(0.5), p99Us: at(0.99), meanUs: samples.reduce((a, b) => a + b, 0) / samples.length, cpuPerRequestUs };
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
    const rounds: Record<string, LoadResult[]> = { direct: [], 'bare-proxy': [], moat: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const t of targets) {
        const result = await load(t, servers[t.name]);
        rounds[t.name].push(result);
        process.stderr.write(`round ${r + 1} ${t.name}: ${result.rps.toFixed(0)} req/s p50 ${result.p50} ms p99 ${result.p99} ms errors ${result.errors} cpu ${result.cpuPerRequestUs.toFixed(0)} µs/req\n`);
      }
    }
    const probes: Record<string, Awaited<ReturnType<typeof probe>>> = {};
    for (const t of targets) {
      probes[t.name] = await probe(t, servers[t.name]);
      process.stderr.write(`probe ${t.name}: p50 ${probes[t.name].p50Us.toFixed(0)} µs p99 ${probes[t.name].p99Us.toFixed(0)} µs cpu ${probes[t.name].cpuPerRequestUs.toFixed(0)} µs/req\n`);
    }
    const mean = (name: string) => rounds[name].reduce((a, b) => a + b.rps, 0) / rounds[name].length;
    const meanCpu = (name: string) => rounds[name].reduce((a, b) => a + b.cpuPerRequestUs, 0) / rounds[name].length;
    const summary = {
      cpuPerRequestUsBareProxy: meanCpu('bare-proxy'),
      cpuPerRequestUsMoat: meanCpu('moat'),
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
    const result = { bench: 'gateway', command: 'npm run bench -- gateway', date: new Date().toISOString(), durationSeconds: DURATION_S, rounds, probes, summary, targetsMet };
    const out = join(here, 'results', 'gateway.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    process.stderr.write(`${JSON.stringify({ summary, targetsMet }, null, 2)}\nwrote ${out}\n`);
    return result;
  } finally {
    for (const p of [upstream, bare, moat]) p.child.kill('SIGTERM');
  }
}
