import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { harvestCommand } from '../../cli/distill-harvest.ts';
import { openHarvestStore } from './store.ts';
import { type Harness, prompts, startHarness } from './testing/harness.ts';

// The real CLI in a child process, killed mid-run; the shim delays every answer so requests are in flight.
const BIN = fileURLToPath(new URL('../../../bin/moat.js', import.meta.url));
const CONCURRENCY = 3;
const PROMPTS = 30;

let h: Harness;
before(async () => {
  h = await startHarness({ delayMs: 40 });
});
after(() => h.close());

function cliArgs(path: string, out: string): string[] {
  return ['--teacher', h.shim.url, '--key', 'key-a,key-b', '--model', 'test-lm', '--source', `file:${path}`, '--concurrency', String(CONCURRENCY), '--max-tokens', '8', '--logprobs', '3', '--out', out];
}

function startCli(args: string[]): { child: ChildProcess; stdout: () => string } {
  const child = spawn(process.execPath, [BIN, '--json', 'distill', 'harvest', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.resume();
  return { child, stdout: () => out };
}

async function whenForwarded(n: number, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (h.shim.forwardedCount() < n) {
    if (Date.now() > until) throw new Error(`the child sent only ${h.shim.forwardedCount()} requests in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const settle = () => new Promise((r) => setTimeout(r, 150));
const quietIO = () => ({ stdout: new PassThrough(), stderr: new PassThrough(), json: true });

function committed(out: string): number {
  const store = openHarvestStore(out, { mustExist: true });
  try {
    return store.reader.count('text');
  } finally {
    store.close();
  }
}

describe('moat distill harvest interrupted', () => {
  it('after kill -9 resumes without losing committed answers, re-paying at most the requests in flight', async () => {
    const path = await h.promptFile(prompts(PROMPTS, 'Killed'));
    const out = join(h.dir, 'killed');
    const base = h.shim.forwardedCount();
    const { child } = startCli(cliArgs(path, out));
    await whenForwarded(base + 10);
    child.kill('SIGKILL');
    await once(child, 'exit');
    await settle();
    const sentBeforeKill = h.shim.forwardedCount() - base;
    const saved = committed(out);
    assert.ok(saved >= 1, 'answers were committed before the kill');
    assert.ok(sentBeforeKill - saved <= CONCURRENCY, `${sentBeforeKill - saved} answers lost; at most ${CONCURRENCY} were in flight`);

    const summary = await harvestCommand({ teacher: h.shim.url, key: 'key-a,key-b', model: 'test-lm', source: `file:${path}`, concurrency: String(CONCURRENCY), maxTokens: '8', logprobs: '3', out }, quietIO());
    assert.equal(summary.status, 'completed');
    assert.equal(summary.cacheHits, saved);
    assert.equal(summary.harvested, PROMPTS - saved);
    assert.equal(committed(out), PROMPTS);
    const repaid = h.shim.forwardedCount() - base - PROMPTS;
    assert.ok(repaid >= 0 && repaid <= CONCURRENCY, `${repaid} requests paid twice`);
  });

  it('on SIGINT finishes the requests in flight, commits them, exits 130, and the rerun pays for nothing twice', async () => {
    const path = await h.promptFile(prompts(PROMPTS, 'Interrupted'));
    const out = join(h.dir, 'sigint');
    const base = h.shim.forwardedCount();
    const { child, stdout } = startCli(cliArgs(path, out));
    await whenForwarded(base + 6);
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    await settle();
    assert.equal(code, 130);
    const report = JSON.parse(stdout()) as { status: string; harvested: number };
    assert.equal(report.status, 'stopped');
    const sent = h.shim.forwardedCount() - base;
    assert.equal(committed(out), sent, 'every answer that reached us was saved');
    assert.equal(report.harvested, sent);

    const summary = await harvestCommand({ teacher: h.shim.url, key: 'key-a,key-b', model: 'test-lm', source: `file:${path}`, concurrency: String(CONCURRENCY), maxTokens: '8', logprobs: '3', out }, quietIO());
    assert.equal(summary.cacheHits, sent);
    assert.equal(h.shim.forwardedCount() - base, PROMPTS, 'no request was paid twice');
  });
});
