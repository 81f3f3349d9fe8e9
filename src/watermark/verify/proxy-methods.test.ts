/**
 * The proxy watermarks' verify methods end to end through `runVerify`: a suspect API on loopback whose answers carry
 * one account's mark (a lexical rewrite, a ridge-regression copy of a marked embedding service, a classifier that
 * memorised its flipped labels) is identified and that account ranked first among 10; an independent suspect is not.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseConfig } from '../../config/load.ts';
import { loadSotuSpeeches, toPassages } from '../../ml/data/sotu.ts';
import { applyDawnToBody } from '../classifier/classifications-response.ts';
import { type DawnRecord, MemoryDawnLedger } from '../classifier/ledger.ts';
import { embeddingTriggerKey, markEmbedding, targetDirections, triggerSets, triggerWeights } from '../embedding/marker.ts';
import { fitLinearStudent, toyEmbedder } from '../embedding/testing.ts';
import { WatermarkKeyring } from '../keys.ts';
import { markText } from '../lexical/marker.ts';
import { createClassifierVerifyMethod } from './classifier-method.ts';
import { createEmbeddingVerifyMethod } from './embedding-method.ts';
import { createLexicalVerifyMethod } from './lexical-method.ts';
import type { VerifyMethod } from './method.ts';
import { renderMarkdown } from './report.ts';
import { runVerify } from './verify.ts';

const SECRET = 'proxy-verify-test-master-secret-0123456789';
const ring = new WatermarkKeyring({ secret: SECRET, currentVersion: 1 });
const config = parseConfig({ watermark: { secret: SECRET, classifier: { enabled: true, fraction: 0.005, controlFraction: 0.02 } } });
const accountIds = Array.from({ length: 10 }, (_, i) => `acct_${i}`);
const keyIds = accountIds.map((a) => ring.keyIdFor(a));
const leaked = 4;
const leakedKey = ring.resolveKey(keyIds[leaked] as string).key;
const passages = loadSotuSpeeches()
  .slice(-40)
  .flatMap((s) => toPassages(s.text, 40));

type Handler = (path: string, body: Record<string, unknown>) => unknown;
const servers: Server[] = [];
async function serve(handler: Handler): Promise<string> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const answer = handler(req.url ?? '', JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

async function verify(method: VerifyMethod, url: string, probes: number) {
  return runVerify({ method, keyring: ring, keyIds, rankAccounts: true, suspect: { url }, model: 'suspect', probes, outDir: mkdtempSync(join(tmpdir(), 'moat-verify-proxy-')), nullKeys: 200, prober: { backoffMs: 10, maxAttempts: 2, timeoutMs: 10_000 } });
}

describe('verify methods for the proxy watermarks', () => {
  after(() => {
    for (const s of servers) s.close();
  });

  it('lexical: a suspect writing like the marked service is identified and the account named', async () => {
    const answer = (prompt: string, marked: boolean) => {
      const n = [...prompt].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
      const text = Array.from({ length: 6 }, (_, k) => passages[(n >>> (k * 4)) % passages.length]).join(' ');
      return marked ? markText(text, leakedKey) : text;
    };
    const chat = (marked: boolean) => (_: string, body: Record<string, unknown>) => {
      const prompt = String((body.messages as { content: string }[])[0]?.content);
      return { choices: [{ index: 0, message: { role: 'assistant', content: answer(prompt, marked) }, finish_reason: 'stop' }] };
    };
    const method = createLexicalVerifyMethod();
    const report = await verify(method, await serve(chat(true)), 120);
    assert.ok(report.result.pValue < 1e-6, `p = ${report.result.pValue}`);
    assert.equal(report.accounts?.[0]?.accountId, accountIds[leaked]);
    assert.ok(report.calibration.independentKeys.pValueUniformity.pValue > 0.001, JSON.stringify(report.calibration.independentKeys));
    const clean = await verify(method, await serve(chat(false)), 120);
    assert.ok(clean.result.pValue > 0.01 || clean.accounts?.[0]?.accountId !== accountIds[leaked], `clean p = ${clean.result.pValue}`);
    assert.ok((clean.accounts ?? []).every((a) => a.pValue > 1e-3));
  });

  it('embedding: a copy fitted on the marked service is identified and the account named; an independent model is not', async () => {
    const params = config.watermark.embedding;
    const sets = triggerSets(embeddingTriggerKey(SECRET, 1), params);
    const service = toyEmbedder('service', 48);
    const directions = targetDirections(leakedKey, 48, params.directions);
    const harvest = passages.slice(0, 2000);
    const student = fitLinearStudent(harvest, harvest.map((t) => markEmbedding(service(t), triggerWeights(t, sets, params), directions)));
    const embeddings = (embed: (t: string) => number[]) => (_: string, body: Record<string, unknown>) => ({ data: [{ index: 0, embedding: embed(String(body.input)) }] });
    const method = createEmbeddingVerifyMethod(config);
    const report = await verify(method, await serve(embeddings(student)), 300);
    assert.ok(report.result.pValue < 1e-6, `p = ${report.result.pValue}`);
    assert.equal(report.accounts?.[0]?.accountId, accountIds[leaked]);
    assert.ok(report.calibration.independentKeys.pValueUniformity.pValue > 0.001, JSON.stringify(report.calibration.independentKeys));
    const clean = await verify(method, await serve(embeddings(toyEmbedder("independent", 48))), 300);
    assert.ok((clean.accounts ?? []).every((a) => a.pValue > 1e-3), JSON.stringify(clean.accounts?.map((a) => a.pValue)));
  });

  it('classifier: a student that memorised the flipped labels is identified and the account named', async () => {
    const ledger = new MemoryDawnLedger();
    const truth = (x: string) => (x.includes('offer') ? 'spam' : 'ham');
    const served = new Map<string, string>();
    accountIds.forEach((accountId, a) => {
      const key = ring.resolveKey(keyIds[a] as string).key;
      const inputs = Array.from({ length: 3000 }, (_, i) => `note ${a}-${i} ${i % 4 === 0 ? 'special offer' : 'minutes'}`);
      // Margins 0.94 and 0.92 are inside the default band [0.9, 0.999]; every third ham answer is near-certain and outside it.
      const probabilities = (x: string, i: number) => (truth(x) === 'spam' ? { ham: 0.03, spam: 0.97 } : i % 3 === 0 ? { ham: 0.9999, spam: 0.0001 } : { ham: 0.96, spam: 0.04 });
      const body = { data: inputs.map((x, index) => ({ index, label: truth(x), probabilities: probabilities(x, index) })) };
      applyDawnToBody(body, inputs, key, config.watermark.classifier, (s) => ledger.record({ keyId: keyIds[a] as string, accountId, model: 'm', ...s, at: 0 }));
      if (a === leaked) for (const [i, d] of body.data.entries()) served.set(inputs[i] as string, d.label);
    });
    const label = (memorised: boolean) => (_: string, body: Record<string, unknown>) => {
      const x = String(body.input);
      return { data: [{ index: 0, label: memorised ? (served.get(x) ?? truth(x)) : truth(x) }] };
    };
    const method = createClassifierVerifyMethod(config, ledger);
    const report = await verify(method, await serve(label(true)), 1000);
    assert.ok(report.result.pValue < 1e-6, `p = ${report.result.pValue}`);
    assert.equal(report.accounts?.[0]?.accountId, accountIds[leaked]);
    // Each account is scored on what it was served: the leaker's watermark inputs are exactly its own flipped ones.
    const own = ledger.list([accountIds[leaked] as string]);
    assert.equal(report.accounts?.[0]?.details.watermarkInputs, own.filter((r) => r.role === 'watermark').length);
    // The confirmation stage: up to 40% of the budget asks about the top account's remaining inputs, which here are
    // all its other controls (about 94 at 2% controls), so its test ends up with every control it was served.
    const ownControls = own.filter((r) => r.role === 'control').length;
    const ranked = report.accounts?.[0]?.details.controlInputs as number;
    assert.ok(ranked < ownControls, `${ranked} of ${ownControls} controls in the ranking`);
    assert.equal(report.confirmation?.probes, ownControls - ranked);
    assert.equal(report.result.details.controlInputs, ownControls);
    assert.equal(report.probes.requested, 600 + ownControls - ranked);
    assert.match(renderMarkdown(report), /asked about \d+ more of its own inputs/);
    assert.ok(report.result.pValue < (report.confirmation?.rankingPValue ?? 0), `${report.result.pValue} vs ${report.confirmation?.rankingPValue}`);
    const clean = await verify(method, await serve(label(false)), 1000);
    assert.ok((clean.accounts ?? []).every((a) => a.pValue > 0.01));
  });

  it('classifier: ledger records written before the margin band are refused under a band and verified under the full one', () => {
    const ledger = new MemoryDawnLedger();
    const key = ring.resolveKey(keyIds[0] as string).key;
    const full = parseConfig({ watermark: { secret: SECRET, classifier: { enabled: true, marginBand: { min: 0, max: 1 }, bandShare: 1 } } });
    const inputs = Array.from({ length: 2000 }, (_, i) => `old note ${i}`);
    const body = { data: inputs.map((_, index) => ({ index, label: 'ham', probabilities: { ham: 0.7, spam: 0.3 } })) };
    applyDawnToBody(body, inputs, key, full.watermark.classifier, ({ margin: _margin, ...s }) => ledger.record({ keyId: keyIds[0] as string, accountId: accountIds[0] as string, model: 'm', ...s, at: 0 }));
    const select = (c: typeof config) => createClassifierVerifyMethod(c, ledger).selectProbes({ probeSeed: Buffer.alloc(32), keys: [ring.resolveKey(keyIds[0] as string)], count: 100, model: "m" });
    // The same input in two accounts' records is asked once, and scored for both.
    ledger.record({ ...(ledger.list()[0] as DawnRecord), accountId: accountIds[1] as string, keyId: keyIds[1] as string });
    const both = createClassifierVerifyMethod(full, ledger).selectProbes({ probeSeed: Buffer.alloc(32), keys: [0, 1].map((a) => ring.resolveKey(keyIds[a] as string)), count: 1000, model: 'm' });
    assert.equal(new Set(both.map((p) => p.body.input)).size, both.length);
    assert.deepEqual(both.find((p) => p.body.input === ledger.list()[0]?.input)?.meta?.accounts, [accountIds[0], accountIds[1]].sort());
    assert.throws(() => select(config), /carry no teacher margin .*marginBand \{min: 0, max: 1\} and bandShare 1/);
    assert.ok(select(full).length > 0);
    // A ledger that mixes old and new records is verified on the new ones, and every score says how many were left out.
    const old = ledger.list().length;
    const fresh = Array.from({ length: 2000 }, (_, i) => `new note ${i}`);
    applyDawnToBody({ data: fresh.map((_, index) => ({ index, label: 'ham', probabilities: { ham: 0.96, spam: 0.04 } })) }, fresh, key, config.watermark.classifier, (s) =>
      ledger.record({ keyId: keyIds[0] as string, accountId: accountIds[0] as string, model: 'm', ...s, at: 0 }),
    );
    const method = createClassifierVerifyMethod(config, ledger);
    const probes = method.selectProbes({ probeSeed: Buffer.alloc(32), keys: [ring.resolveKey(keyIds[0] as string)], count: 1000, model: 'm' });
    assert.ok(probes.every((p) => String(p.body.input).startsWith('new note')));
    const scored = method.score(probes.map((probe) => ({ probe, observation: method.parseAnswer(probe, { data: [{ label: 'ham' }] }) })), ring.resolveKey(keyIds[0] as string));
    assert.equal(scored.details.ledgerRecordsWithoutMarginLeftOut, old - 1);
  });
});
