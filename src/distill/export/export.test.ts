import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { openHarvestStore } from '../harvest/store.ts';
import { type Harness, prompts, startHarness } from '../harvest/testing/harness.ts';
import { exportHarvest } from './export.ts';

// OpenAI's chat fine-tuning line, written from its documentation independently of the exporter's own schema.
const OpenAiChatLine = z
  .object({
    messages: z
      .array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string().min(1), weight: z.union([z.literal(0), z.literal(1)]).optional() }).strict())
      .min(2),
  })
  .strict()
  .refine((l) => l.messages.at(-1)?.role === 'assistant', 'last message must be the assistant')
  .refine((l) => l.messages.some((m) => m.role === 'user'), 'needs a user message');

const TokenSchema = z.object({ token: z.string(), logprob: z.number().max(0), top_logprobs: z.array(z.object({ token: z.string(), logprob: z.number().max(0) })) });
const TextRecordLine = z.object({ prompt: z.string().nullable(), completion: z.string(), finish_reason: z.string().nullable(), logprobs: z.array(TokenSchema).nullable() });

let h: Harness;
let out: string;
before(async () => {
  h = await startHarness();
  out = join(h.dir, 'export');
  const text = await h.open({ source: { kind: 'file', path: await h.promptFile(prompts(6, 'Export')) }, out });
  await text.harvester.run(text.items, { concurrency: 2 });
  await text.close();
});
after(() => h.close());

const lines = async (file: string) => (await readFile(file, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);

describe('export', () => {
  it('writes OpenAI fine-tuning chat lines that validate against the format', async () => {
    const store = openHarvestStore(out, { mustExist: true });
    const file = join(h.dir, 'files', 'chat.jsonl');
    const result = await exportHarvest(store.reader, { format: 'chat', file, system: 'You are Ishmael.' });
    const records = [...store.reader.records('text')].map((r) => r.record);
    store.close();
    assert.equal(result.written, 6);
    assert.equal(result.skipped, 0);
    const parsed = (await lines(file)).map((l) => OpenAiChatLine.parse(l));
    assert.equal(parsed.length, 6);
    for (const [i, line] of parsed.entries()) {
      assert.deepEqual(line.messages, [
        { role: 'system', content: 'You are Ishmael.' },
        { role: 'user', content: records[i].prompt },
        { role: 'assistant', content: records[i].completion },
      ]);
    }
    assert.equal(existsSync(`${file}.partial`), false);
  });

  it('writes plain {prompt, completion, logprobs} records', async () => {
    const store = openHarvestStore(out, { mustExist: true });
    const file = join(h.dir, 'files', 'records.jsonl');
    await exportHarvest(store.reader, { format: 'records', file });
    store.close();
    const parsed = (await lines(file)).map((l) => TextRecordLine.parse(l));
    assert.equal(parsed.length, 6);
    for (const r of parsed) {
      assert.equal(r.logprobs?.length, r.completion.length);
      assert.ok(r.logprobs?.every((t) => t.top_logprobs.length === 3));
    }
  });

  it('refuses an empty harvest clearly and writes no file', async () => {
    const empty = openHarvestStore(join(h.dir, 'empty'));
    const file = join(h.dir, 'files', 'empty.jsonl');
    await assert.rejects(exportHarvest(empty.reader, { format: 'chat', file }), /nothing to export: this harvest has no harvested records yet/);
    empty.close();
    assert.equal(existsSync(file), false);
    assert.equal(existsSync(`${file}.partial`), false);
    assert.throws(() => openHarvestStore(join(h.dir, 'never'), { mustExist: true }), /no harvest in .*never \(harvest.sqlite is missing\)/);
  });

  it('exports embeddings and classifier records, and asks which modality when the store holds several', async () => {
    const dir = join(h.dir, 'mixed');
    for (const [modality, model] of [['embedding', 'test-embed'], ['classifier', 'test-spam']] as const) {
      const s = await h.open({ source: { kind: 'synthetic' }, count: 3, modality, model, out: dir });
      await s.harvester.run(s.items, { concurrency: 2 });
      await s.close();
    }
    const store = openHarvestStore(dir, { mustExist: true });
    const file = join(h.dir, 'files', 'mixed.jsonl');
    await assert.rejects(exportHarvest(store.reader, { format: 'records', file }), /holds 3 embedding and 3 classifier records; choose one with --modality/);
    await assert.rejects(exportHarvest(store.reader, { format: 'chat', file, modality: 'embedding' }), /chat format holds text records only/);
    await assert.rejects(exportHarvest(store.reader, { format: 'records', file, modality: 'text' }), /no text records \(it has 3 embedding, 3 classifier\)/);
    await exportHarvest(store.reader, { format: 'records', file, modality: 'embedding' });
    const embeddings = (await lines(file)).map((l) => z.object({ input: z.string(), embedding: z.array(z.number()).length(32) }).strict().parse(l));
    assert.equal(embeddings.length, 3);
    await exportHarvest(store.reader, { format: 'records', file, modality: 'classifier' });
    const classes = (await lines(file)).map((l) => z.object({ input: z.string(), probabilities: z.record(z.string(), z.number()), label: z.enum(['ham', 'spam']) }).strict().parse(l));
    assert.equal(classes.length, 3);
    store.close();
  });
});
