import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MoatError } from '../http/errors.ts';
import type { LanguageModel } from '../ml/contracts.ts';
import { createRng } from './rng.ts';
import type { SamplingParams } from './sampler.ts';
import { GenerationScheduler, type SequenceEnd, type SequenceSpec } from './scheduler.ts';
import { createBigramLm } from './testing/bigram-lm.ts';

const sampling: SamplingParams = { temperature: 1, topP: 1, logitBias: new Map(), processors: [], topLogprobs: 0 };

function recording(model: LanguageModel): { model: LanguageModel; batches: number[] } {
  const batches: number[] = [];
  return {
    batches,
    model: {
      ...model,
      info: model.info,
      tokenizer: model.tokenizer,
      contextLength: model.contextLength,
      nextLogits(contexts) {
        batches.push(contexts.length);
        return model.nextLogits(contexts);
      },
    },
  };
}

function sequence(model: LanguageModel, maxTokens: number, log: string[], name: string, onEnd?: (e: SequenceEnd) => void): SequenceSpec {
  return {
    model,
    promptTokens: model.tokenizer.encode('Call me'),
    maxTokens,
    sampling,
    rng: createRng(1),
    onToken: () => {
      log.push(name);
      return false;
    },
    onEnd: (end) => {
      log.push(`${name}:${end.reason}`);
      onEnd?.(end);
    },
  };
}

describe('GenerationScheduler', () => {
  it('batches the contexts of all active sequences into one call per tick, up to maxBatch', async () => {
    const { model, batches } = recording(createBigramLm());
    const scheduler = new GenerationScheduler({ maxQueue: 10, maxBatch: 4 });
    const log: string[] = [];
    await scheduler.submit([1, 2, 3].map((i) => sequence(model, 5, log, `s${i}`)));
    assert.deepEqual(batches, [3, 3, 3, 3, 3]);
    const wide: string[] = [];
    batches.length = 0;
    await scheduler.submit([1, 2, 3, 4, 5, 6].map((i) => sequence(model, 2, wide, `w${i}`)));
    assert.ok(batches.every((b) => b <= 4));
    assert.equal(batches.reduce((a, b) => a + b, 0), 12);
  });

  it('cuts a tick by estimated time so slow inference cannot hold the event loop for long', async () => {
    const { model, batches } = recording(createBigramLm({ spinMicrosPerContext: 2000 }));
    const scheduler = new GenerationScheduler({ maxQueue: 10, maxBatch: 32, tickBudgetMs: 10 });
    await scheduler.submit(Array.from({ length: 12 }, (_, i) => sequence(model, 4, [], `s${i}`)));
    assert.equal(batches.reduce((a, b) => a + b, 0), 48);
    assert.ok(batches.every((b) => b >= 1 && b <= 5), `batches ${batches}`);
    assert.ok(batches.length >= 10, `${batches.length} ticks for 48 contexts of 2 ms under a 10 ms budget`);
  });

  it('grows the batch of a fast model up to maxBatch', async () => {
    const { model, batches } = recording(createBigramLm());
    const scheduler = new GenerationScheduler({ maxQueue: 10, maxBatch: 32, tickBudgetMs: 1000 });
    await scheduler.submit(Array.from({ length: 32 }, (_, i) => sequence(model, 8, [], `s${i}`)));
    assert.deepEqual(batches.slice(0, 4), [4, 8, 16, 32]);
    assert.equal(Math.max(...batches), 32);
  });

  it('lets a short request finish while a long one is still generating', async () => {
    const model = createBigramLm({ spinMicrosPerContext: 200 });
    const scheduler = new GenerationScheduler({ maxQueue: 10, maxBatch: 8 });
    const log: string[] = [];
    const long = scheduler.submit([sequence(model, 400, log, 'long')]);
    await new Promise((r) => setImmediate(r));
    const short = scheduler.submit([sequence(model, 5, log, 'short')]);
    await short;
    const longTokensBeforeShortEnded = log.slice(0, log.indexOf('short:length')).filter((x) => x === 'long').length;
    assert.ok(longTokensBeforeShortEnded < 20, `long had ${longTokensBeforeShortEnded} tokens when short finished`);
    await long;
    assert.equal(log.filter((x) => x === 'long').length, 400);
  });

  it('keeps the event loop responsive between ticks', async () => {
    const model = createBigramLm({ spinMicrosPerContext: 500 });
    const scheduler = new GenerationScheduler({ maxQueue: 10 });
    const log: string[] = [];
    const done = scheduler.submit([sequence(model, 200, log, 'g')]);
    await new Promise((r) => setTimeout(r, 5));
    const tokensWhenTimerFired = log.length;
    await done;
    assert.ok(tokensWhenTimerFired < 100, `timer fired after ${tokensWhenTimerFired} tokens`);
  });

  it('refuses a request beyond maxQueue with server_overloaded', async () => {
    const scheduler = new GenerationScheduler({ maxQueue: 2 });
    const model = createBigramLm();
    const log: string[] = [];
    const a = scheduler.submit([sequence(model, 3, log, 'a')]);
    const b = scheduler.submit([sequence(model, 3, log, 'b')]);
    assert.throws(
      () => scheduler.submit([sequence(model, 3, log, 'c')]),
      (err: unknown) => err instanceof MoatError && err.code === 'server_overloaded' && err.status === 429,
    );
    await Promise.all([a, b]);
    await scheduler.submit([sequence(model, 3, log, 'd')]);
    assert.equal(scheduler.pendingRequests, 0);
  });

  it('cancels every sequence of a request when its signal aborts', async () => {
    const scheduler = new GenerationScheduler({ maxQueue: 10 });
    const model = createBigramLm();
    const log: string[] = [];
    const abort = new AbortController();
    const ends: string[] = [];
    const specs = [1, 2].map((i) => sequence(model, 10_000, log, `x${i}`, (e) => ends.push(e.reason)));
    const other = scheduler.submit([sequence(model, 30, log, 'other')]);
    const done = scheduler.submit(specs, abort.signal);
    await new Promise((r) => setTimeout(r, 5));
    abort.abort();
    await done;
    const tokensAtCancel = log.filter((x) => x === 'x1').length;
    await other;
    assert.deepEqual(ends, ['cancelled', 'cancelled']);
    assert.equal(log.filter((x) => x === 'x1').length, tokensAtCancel, 'no tokens after cancellation');
    assert.ok(tokensAtCancel < 10_000);
    assert.ok(log.includes('other:length'));
  });

  it('ends sequences with an error when the model throws, and keeps serving others', async () => {
    const good = createBigramLm();
    const broken: LanguageModel = { ...good, nextLogits: () => { throw new Error('weights on fire'); } };
    const scheduler = new GenerationScheduler({ maxQueue: 10 });
    let error: unknown;
    const log: string[] = [];
    await Promise.all([
      scheduler.submit([sequence(broken, 5, log, 'bad', (e) => { if (e.reason === 'error') error = e.error; })]),
      scheduler.submit([sequence(good, 5, log, 'good')]),
    ]);
    assert.match(String(error), /weights on fire/);
    assert.ok(log.includes('good:length'));
  });

  it('stops a sequence when onToken says so', async () => {
    const scheduler = new GenerationScheduler({ maxQueue: 10 });
    const model = createBigramLm();
    let count = 0;
    let reason = '';
    await scheduler.submit([
      {
        ...sequence(model, 100, [], 's'),
        onToken: () => ++count === 3,
        onEnd: (e) => { reason = e.reason; },
      },
    ]);
    assert.equal(count, 3);
    assert.equal(reason, 'stop');
  });
});
