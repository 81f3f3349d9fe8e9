/**
 * Gateway throughput with detection on (shadow; on its worker thread, and on the gateway's thread) vs off: three Moat
 * processes in front of one upstream process, loaded in alternating rounds (autocannon, 10 connections, a varied prompt per request) so drift on this shared box hits
 * both alike; CPU per request is read from each process (robust to other load, unlike req/s).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const servers = join(dirname(fileURLToPath(import.meta.url)), '..', 'servers');

interface Proc {
  child: ChildProcess;
  line: string;
  cpuMicros(): Promise<number>;
}

async function start(script: string, args: string[]): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(servers, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const rl = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  rl.on('line', (line) => waiting.shift()?.(line));
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  const line = await Promise.race([next(), new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`))))]);
  return {
    child,
    line,
    async cpuMicros() {
      const answer = next();
      child.kill('SIGUSR2');
      const [, user, system] = (await answer).split(' ');
      return Number(user) + Number(system);
    },
  };
}

interface Round {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  cpuPerRequestUs: number;
}

async function load(proc: Proc, durationS: number): Promise<Round> {
  const [port, key] = proc.line.split(' ');
  const before = await proc.cpuMicros();
  let n = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    connections: 10,
    duration: durationS,
    requests: [
      {
        setupRequest: (req) => {
          n++;
          return { ...req, body: JSON.stringify({ model: 'bench', max_tokens: 16, messages: [{ role: 'user', content: `Tell me something about whale number ${n} and the ${n % 7}th sea.` }] }) };
        },
      },
    ],
  });
  const cpu = (await proc.cpuMicros()) - before;
  return { rps: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99, errors: result.non2xx + result.errors, cpuPerRequestUs: cpu / Math.max(1, result.requests.total) };
}

export async function gatewayOnOff(durationS: number, rounds: number) {
  const upstream = await start('upstream.ts', []);
  const off = await start('moat-detection.ts', [upstream.line, 'off']);
  const on = await start('moat-detection.ts', [upstream.line, 'on']);
  const thread = await start('moat-detection.ts', [upstream.line, 'thread']);
  try {
    const results: { off: Round[]; on: Round[]; thread: Round[] } = { off: [], on: [], thread: [] };
    // Round 0 warms every process up (JIT, pools) and is not counted.
    for (let r = 0; r <= rounds; r++) {
      for (const [name, proc] of [['off', off], ['on', on], ['thread', thread]] as const) {
        const round = await load(proc, r === 0 ? 2 : durationS);
        if (r > 0) results[name].push(round);
        process.stderr.write(`round ${r} detection ${name}: ${round.rps.toFixed(0)} req/s p50 ${round.p50Ms} ms p99 ${round.p99Ms} ms errors ${round.errors} cpu ${round.cpuPerRequestUs.toFixed(0)} µs/req\n`);
      }
    }
    const mean = (xs: Round[], f: (r: Round) => number) => xs.reduce((s, x) => s + f(x), 0) / xs.length;
    const rpsOn = mean(results.on, (r) => r.rps);
    const rpsOff = mean(results.off, (r) => r.rps);
    const rpsThread = mean(results.thread, (r) => r.rps);
    return {
      durationSeconds: durationS,
      rounds: results,
      rpsOn,
      rpsOff,
      rpsThread,
      onVsOff: rpsOn / rpsOff,
      threadVsOff: rpsThread / rpsOff,
      cpuOn: mean(results.on, (r) => r.cpuPerRequestUs),
      cpuThread: mean(results.thread, (r) => r.cpuPerRequestUs),
      cpuOff: mean(results.off, (r) => r.cpuPerRequestUs),
    };
  } finally {
    for (const p of [upstream, off, on, thread]) p.child.kill('SIGTERM');
  }
}
