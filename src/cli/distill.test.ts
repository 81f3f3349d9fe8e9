import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Harness, prompts, startHarness } from '../distill/harvest/testing/harness.ts';
import { captureIO } from './capture-io.test-helpers.ts';
import { exportCommand, ledgerCommand } from './distill.ts';
import { type HarvestArgs, harvestCommand } from './distill-harvest.ts';
import { ExitError } from './io.ts';

let h: Harness;
let out: string;
let base: HarvestArgs;
before(async () => {
  h = await startHarness();
  out = join(h.dir, 'cli');
  base = { teacher: h.shim.url, key: 'key-a,key-b', model: 'test-lm', source: `file:${await h.promptFile(prompts(5, 'Cli'))}`, maxTokens: '6', logprobs: '2', out };
});
after(() => h.close());

const exitsWith = async (promise: Promise<unknown>, code: number, pattern: RegExp) =>
  assert.rejects(promise, (err: unknown) => err instanceof ExitError && err.exitCode === code && pattern.test(err.message));

describe('moat distill', () => {
  it('harvest prints the run, its counts and its ledger; a rerun is all cache hits', async () => {
    const io = captureIO();
    const summary = await harvestCommand(base, io);
    assert.equal(summary.harvested, 5);
    assert.match(io.out(), new RegExp(`run ${summary.runId}: completed`));
    assert.match(io.out(), /items 5: 5 harvested, 0 from cache, 0 malformed, 0 failed/);
    assert.match(io.out(), /key +queries +paid +prompt tok/);
    assert.match(io.out(), /total +5 +5 /);

    const again = captureIO(true);
    const rerun = await harvestCommand(base, again);
    assert.equal(rerun.cacheHits, 5);
    const report = JSON.parse(again.out()) as { paid: number; ledger: { total: { cacheHits: number } } };
    assert.equal(report.paid, 0);
    assert.equal(report.ledger.total.cacheHits, 5);
  });

  it('export writes the chat file and ledger shows runs and keys', async () => {
    const io = captureIO();
    await exportCommand({ out, format: 'chat' }, io);
    assert.match(io.out(), /wrote 5 text records as chat to .*export-chat\.jsonl/);
    assert.ok(existsSync(join(out, 'export-chat.jsonl')));

    const ledger = captureIO();
    await ledgerCommand({ out }, ledger);
    assert.match(ledger.out(), /^run +status +items +invocations/m);
    assert.match(ledger.out(), /completed +5 +2/);
    assert.match(ledger.out(), /^k1 +\d+ +\d+/m);
    assert.match(ledger.out(), /^\(cache\) +0 +0 .* 5 +0$/m);

    const json = captureIO(true);
    await ledgerCommand({ out }, json);
    const parsed = JSON.parse(json.out()) as { runs: unknown[]; ledger: { total: { paid: number } } };
    assert.equal(parsed.runs.length, 1);
    assert.equal(parsed.ledger.total.paid, 5);
  });

  it('rejects bad flags with exit 2 and a precise message', async () => {
    const io = captureIO();
    await exitsWith(harvestCommand({ ...base, teacher: undefined }, io), 2, /--teacher is required/);
    await exitsWith(harvestCommand({ ...base, key: undefined }, io), 2, /--key \(comma-separated\) or --key-file is required/);
    await exitsWith(harvestCommand({ ...base, modality: 'audio' }, io), 2, /--modality must be one of text, embedding, classifier/);
    await exitsWith(harvestCommand({ ...base, logprobs: '21' }, io), 2, /--logprobs must be at most 20/);
    await exitsWith(harvestCommand({ ...base, source: 'corpus:wiki' }, io), 2, /unknown corpus 'wiki'/);
    await exitsWith(harvestCommand({ ...base, teacher: 'ftp://x' }, io), 2, /teacher URL must be http or https/);
    await exitsWith(harvestCommand({ ...base, key: 'a,a' }, io), 2, /API key 2 repeats key 1/);
    await exitsWith(harvestCommand({ ...base, keyFile: join(h.dir, 'missing-keys') }, io), 2, /cannot read --key-file/);
    const bad = join(h.dir, 'bad.jsonl');
    await writeFile(bad, '{"prompt":"ok"}\n{"prompt":1}\n');
    await exitsWith(harvestCommand({ ...base, source: `file:${bad}` }, io), 2, /1 bad line \(read as jsonl\):\n {2}line 2: prompt: /);
  });

  it('reads keys from --key-file, one per line, ignoring comments', async () => {
    const keyFile = join(h.dir, 'keys.txt');
    await writeFile(keyFile, '# teacher keys\nfile-key-1\n\nfile-key-2\n');
    const start = h.shim.log.length;
    await harvestCommand({ ...base, key: undefined, keyFile, out: join(h.dir, 'keyfile') }, captureIO());
    assert.deepEqual([...new Set(h.shim.log.slice(start).map((e) => e.key))].sort(), ['file-key-1', 'file-key-2']);
  });

  it('reports a failed run with exit 1 and says it can be resumed', async () => {
    h.shim.rule = () => ({ respond: { status: 403, body: '{"error":{"message":"account banned"}}' } });
    try {
      await exitsWith(harvestCommand({ ...base, out: join(h.dir, 'banned') }, captureIO()), 1, /harvest failed: every API key was rejected by the teacher \(k1: 403 account banned; k2: 403 account banned\); rerun the same command to resume/);
    } finally {
      h.shim.rule = undefined;
    }
  });

  it('export and ledger of a directory without a harvest exit 1 and say so', async () => {
    await exitsWith(exportCommand({ out: join(h.dir, 'nothing') }, captureIO()), 1, /no harvest in .*nothing/);
    await exitsWith(ledgerCommand({ out, run: 'nope' }, captureIO()), 1, /no run nope in/);
    await exitsWith(exportCommand({ out, format: 'csv' }, captureIO()), 2, /--format must be one of chat, records/);
  });
});
