import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { errorJson } from './testing/teacher-shim.ts';
import { type Harness, prompts, startHarness } from './testing/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const fileSource = async (lines: readonly string[]) => ({ kind: 'file' as const, path: await h.promptFile(lines) });

describe('harvest against the model server through a shim', () => {
  it('honours a 429 with Retry-After on one key while the other key keeps working', async () => {
    h.shim.rule = (r) =>
      r.key === 'key-b' && r.nthForKey === 1 ? { respond: { status: 429, headers: { 'retry-after': '1' }, body: errorJson('slow down', 'rate_limit_exceeded') } } : undefined;
    const start = h.shim.log.length;
    // Pace each key to 30 requests/min after the first so the run outlasts the 1 s back-off: key-a alone needs ~1.5 s for 12.
    const session = await h.open({ source: await fileSource(prompts(12, 'Rate')), out: join(h.dir, 'rate'), concurrency: 2, perKeyRpm: 480 });
    const summary = await session.harvester.run(session.items, { concurrency: 2 });
    const log = h.shim.log.slice(start);
    const ledger = session.store.reader.ledger(summary.runId);
    await session.close();
    h.shim.rule = undefined;

    assert.equal(summary.status, 'completed');
    assert.equal(summary.harvested, 12);
    const limited = log.find((e) => e.status === 429);
    assert.ok(limited, 'the shim answered a 429');
    const nextB = log.find((e) => e.key === 'key-b' && e.at > limited.at);
    assert.ok(nextB, 'key-b came back after its back-off');
    assert.ok(nextB.at - limited.at >= 1000, `key-b waited ${(nextB.at - limited.at).toFixed(0)} ms, less than Retry-After`);
    const aMeanwhile = log.filter((e) => e.key === 'key-a' && e.at > limited.at && e.at < nextB.at && e.forwarded);
    assert.ok(aMeanwhile.length >= 2, `key-a served ${aMeanwhile.length} requests during key-b's back-off`);
    const b = ledger.keys.find((k) => k.label === 'k2');
    assert.equal(b?.errors.rate_limited, 1);
    assert.match(b?.lastErrors.rate_limited ?? '', /429 slow down/);
    assert.equal(ledger.total.paid, 12);
    assert.equal(ledger.total.queries, 13);
  });

  it('resumes an interrupted harvest without paying for any request twice', async () => {
    const source = await fileSource(prompts(20, 'Resume'));
    const out = join(h.dir, 'resume');
    const forwardedBefore = h.shim.forwardedCount();
    const controller = new AbortController();
    const first = await h.open({ source, out });
    const stopped = await first.harvester.run(first.items, {
      concurrency: 3,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done >= 6) controller.abort();
      },
    });
    await first.close();
    assert.equal(stopped.status, 'stopped');
    assert.ok(stopped.harvested >= 6 && stopped.harvested < 20, `harvested ${stopped.harvested} before stopping`);
    assert.equal(stopped.notStarted, 20 - stopped.harvested);

    const second = await h.open({ source, out });
    assert.equal(second.runId, first.runId, 'the same command names the same run');
    const resumed = await second.harvester.run(second.items, { concurrency: 3 });
    const run = second.store.reader.run(resumed.runId);
    const ledger = second.store.reader.ledger(resumed.runId);
    const records = second.store.reader.count('text', { runId: resumed.runId });
    await second.close();

    assert.equal(resumed.status, 'completed');
    assert.equal(resumed.cacheHits, stopped.harvested);
    assert.equal(resumed.harvested, 20 - stopped.harvested);
    assert.equal(h.shim.forwardedCount() - forwardedBefore, 20, 'each prompt reached the server exactly once');
    assert.equal(records, 20);
    assert.equal(ledger.total.paid, 20);
    assert.equal(ledger.total.cacheHits, stopped.harvested);
    assert.equal(run?.invocations, 2);
    assert.equal(run?.status, 'completed');
  });

  it('counts and skips malformed answers with their reason, and does not pay for them again', async () => {
    h.shim.rule = (r) => {
      const prompt = String(r.body.prompt ?? '');
      if (prompt.includes('NOLOGPROBS')) return { forward: true, rewrite: (body) => JSON.stringify({ ...JSON.parse(body), choices: [{ text: 'x', finish_reason: 'stop' }] }) };
      if (prompt.includes('GARBAGE')) return { forward: true, rewrite: () => '<html>oops' };
      if (prompt.includes('POSITIVE')) {
        return { forward: true, rewrite: (body) => body.replace(/"token_logprobs":\[(-?[\d.e-]+)/, '"token_logprobs":[0.5') };
      }
      return undefined;
    };
    const source = await fileSource([...prompts(4, 'Fine'), 'NOLOGPROBS please', 'GARBAGE please', 'POSITIVE please']);
    const out = join(h.dir, 'malformed');
    const events: string[] = [];
    const session = await h.open({ source, out });
    const summary = await session.harvester.run(session.items, { concurrency: 2, onEvent: (e) => events.push(e.kind === 'malformed' ? e.reason : e.message) });
    const skipped = session.store.reader.malformed('text').map((m) => m.reason).sort();
    const usable = session.store.reader.count('text');
    const ledger = session.store.reader.ledger(summary.runId);
    await session.close();

    assert.equal(summary.malformed, 3);
    assert.equal(summary.harvested, 4);
    assert.equal(usable, 4);
    assert.equal(skipped.length, 3);
    assert.match(skipped.join('\n'), /logprobs were requested \(top 3\) but the response has none/);
    assert.match(skipped.join('\n'), /response is not JSON/);
    assert.match(skipped.join('\n'), /logprob of token 0 is 0\.5; a log-probability must be ≤ 0/);
    assert.equal(events.length, 3);
    assert.equal(ledger.total.errors.malformed, 3);
    assert.equal(ledger.total.paid, 7, 'a malformed 2xx is still a paid query');

    const forwarded = h.shim.forwardedCount();
    const again = await h.open({ source, out });
    const rerun = await again.harvester.run(again.items, { concurrency: 2 });
    await again.close();
    h.shim.rule = undefined;
    assert.equal(rerun.cacheHits, 7);
    assert.equal(h.shim.forwardedCount(), forwarded, 'the rerun sent nothing');
  });

  it('retires a key the teacher rejects with 401 and finishes with the other', async () => {
    h.shim.rule = (r) => (r.key === 'revoked' ? { respond: { status: 401, body: errorJson('invalid api key', 'unauthorized') } } : undefined);
    const retired: string[] = [];
    const start = h.shim.log.length;
    const session = await h.open({ source: await fileSource(prompts(6, 'Auth')), out: join(h.dir, 'auth'), keys: ['revoked', 'good'], onKeyRetired: (k, reason) => retired.push(`${k.label}: ${reason}`) });
    const summary = await session.harvester.run(session.items, { concurrency: 2 });
    const ledger = session.store.reader.ledger(summary.runId);
    await session.close();

    assert.equal(summary.status, 'completed');
    assert.equal(summary.harvested, 6);
    assert.deepEqual(retired, ['k1: 401 invalid api key']);
    assert.equal(h.shim.log.slice(start).filter((e) => e.key === 'revoked').length, 1, 'a retired key is never used again');
    assert.equal(ledger.keys.find((k) => k.label === 'k1')?.errors.key_rejected, 1);

    const allBad = await h.open({ source: await fileSource(prompts(3, 'AllBad')), out: join(h.dir, 'auth'), keys: ['revoked'] });
    const failed = await allBad.harvester.run(allBad.items, { concurrency: 2 });
    await allBad.close();
    h.shim.rule = undefined;
    assert.equal(failed.status, 'failed');
    assert.match(failed.message ?? '', /every API key was rejected by the teacher \(k1: 401 invalid api key\)/);
  });

  it('retries 5xx within bounds, never retries other 4xx, and stops a run whose items keep failing', async () => {
    h.shim.rule = (r) => (String(r.body.prompt).startsWith('Flaky') && r.nthForKey <= 2 ? { respond: { status: 503, body: errorJson('busy', 'server_overloaded') } } : undefined);
    const flaky = await h.open({ source: await fileSource(['Flaky one']), out: join(h.dir, 'flaky'), keys: ['flaky-key'] });
    const ok = await flaky.harvester.run(flaky.items, { concurrency: 1 });
    const ledger = flaky.store.reader.ledger(ok.runId);
    await flaky.close();
    h.shim.rule = undefined;
    assert.equal(ok.harvested, 1);
    assert.equal(ledger.total.errors.server_error, 2);
    assert.equal(ledger.total.queries, 3);

    const start = h.shim.log.length;
    const wrong = await h.open({ source: await fileSource(prompts(6, 'Wrong')), out: join(h.dir, 'flaky'), model: 'no-such-model' });
    const failed = await wrong.harvester.run(wrong.items, { concurrency: 1, maxConsecutiveFailures: 3 });
    await wrong.close();
    assert.equal(failed.status, 'failed');
    assert.equal(failed.failed, 3);
    assert.match(failed.message ?? '', /3 items in a row failed; last: the teacher refused the request: 404 /);
    assert.equal(h.shim.log.length - start, 3, 'a 404 is not retried');
  });

  it('gives up on an unreachable teacher within the retry bound, and the run stays resumable', async () => {
    const closed = await h.open({ source: await fileSource(prompts(2, 'Down')), out: join(h.dir, 'down'), teacher: 'http://127.0.0.1:9/v1', retry: { maxRetries: 2, baseMs: 5, maxMs: 10 } });
    const summary = await closed.harvester.run(closed.items, { concurrency: 2 });
    const ledger = closed.store.reader.ledger(summary.runId);
    await closed.close();
    assert.equal(summary.status, 'completed');
    assert.equal(summary.failed, 2);
    assert.match(summary.message ?? '', /2 items failed; rerun to retry them/);
    assert.equal(ledger.total.errors.network, 6, '1 try + 2 retries per item');
    assert.equal(ledger.total.paid, 0);
  });

  it('spends at most the budget over all invocations of a run', async () => {
    const source = await fileSource(prompts(10, 'Budget'));
    const out = join(h.dir, 'budget');
    const forwarded = h.shim.forwardedCount();
    const run = async (budget: number) => {
      const s = await h.open({ source, out });
      const summary = await s.harvester.run(s.items, { concurrency: 3, budget });
      await s.close();
      return summary;
    };
    const first = await run(4);
    assert.equal(first.status, 'budget_exhausted');
    assert.equal(first.paid, 4);
    assert.equal(first.skippedForBudget, 6);
    const same = await run(4);
    assert.equal(same.paid, 0);
    assert.equal(same.cacheHits, 4);
    const more = await run(10);
    assert.equal(more.status, 'completed');
    assert.equal(more.paid, 6);
    assert.equal(more.paidTotal, 10);
    assert.equal(h.shim.forwardedCount() - forwarded, 10);
  });

  it('harvests embeddings and classifier probabilities', async () => {
    const emb = await h.open({ source: { kind: 'synthetic' }, count: 5, modality: 'embedding', model: 'test-embed', out: join(h.dir, 'modalities') });
    const e = await emb.harvester.run(emb.items, { concurrency: 2 });
    await emb.close();
    const cls = await h.open({ source: { kind: 'synthetic' }, count: 6, modality: 'classifier', model: 'test-spam', out: join(h.dir, 'modalities') });
    const c = await cls.harvester.run(cls.items, { concurrency: 2 });
    const embeddings = [...cls.store.reader.records('embedding')];
    const classes = [...cls.store.reader.records('classifier')];
    const modalities = cls.store.reader.modalities();
    await cls.close();

    assert.equal(e.harvested, 5);
    assert.equal(c.harvested, 6);
    assert.deepEqual(modalities, [{ modality: 'embedding', count: 5 }, { modality: 'classifier', count: 6 }]);
    for (const r of embeddings) {
      assert.equal(r.record.embedding.length, 32);
      const norm = Math.hypot(...r.record.embedding);
      assert.ok(Math.abs(norm - 1) < 1e-5 || norm === 0);
    }
    for (const r of classes) {
      const p = r.record.probabilities;
      assert.deepEqual(Object.keys(p), ['ham', 'spam']);
      assert.ok(Math.abs(p.ham + p.spam - 1) < 1e-9);
      assert.equal(r.record.label, p.spam > p.ham ? 'spam' : 'ham');
    }
    assert.ok(classes.some((r) => r.record.label === 'spam') && classes.some((r) => r.record.label === 'ham'), 'the synthetic mix has both classes');
  });

  it('harvests chats through /chat/completions with top-k logprobs', async () => {
    const path = await h.promptFile(['{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"where are the whales?"}]}', '{"prompt":"Call me"}'], 'chat.jsonl');
    const session = await h.open({ source: { kind: 'file', path }, out: join(h.dir, 'chat'), textApi: 'chat' });
    const summary = await session.harvester.run(session.items, { concurrency: 2 });
    const records = [...session.store.reader.records('text')].map((r) => r.record).sort((a, b) => (a.prompt ?? '').localeCompare(b.prompt ?? ''));
    await session.close();
    assert.equal(summary.harvested, 2);
    const [chat, plain] = records;
    assert.equal(chat.messages?.length, 2);
    assert.equal(plain.prompt, 'Call me');
    for (const r of records) {
      assert.equal(r.logprobs?.length, r.completion.length);
      assert.equal(r.logprobs?.map((t) => t.token).join(''), r.completion);
      assert.ok(r.logprobs?.every((t) => t.top.length === 3 && t.top[0].logprob >= t.top[2].logprob));
    }
  });
});
