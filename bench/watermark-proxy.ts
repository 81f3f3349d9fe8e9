/**
 * `npm run bench -- watermark-proxy`: what the proxy watermarks cost honest users, measured on the built-in models
 * with and without the mark in the same run, and how the detection tests behave on real model outputs.
 *   - classifier: held-out SpamAssassin accuracy of classifier-teacher, plain vs DAWN (default fraction), per account;
 *   - embedding: held-out SOTU retrieval recall@1/5/10 of the embedder, plain vs trigger-marked, over 13 rounds of
 *     retrieval-eval's protocol and 60 trigger keys × 2 accounts, with paired bootstrap intervals (watermark-proxy-embedding-quality.ts);
 *   - lexical: bits per character of the Moby-Dick LM (lm-teacher) on held-out prose, plain vs synonym-marked, and
 *     the share of words changed;
 *   - detection on real outputs: the marked embedder itself vs an independent embedder (p-values over 100 keys);
 *   - embedding and DAWN end to end (watermark-proxy-embedding.ts, -dawn.ts): serve → harvest through the gateway →
 *     distil → verify.
 * Target (issue 6): ≤ 1% relative cost per modality. Writes bench/results/watermark-proxy.json.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TextClassifier, TextEmbedder } from '../src/ml/contracts.ts';
import { loadMobyDick } from '../src/ml/data/moby-dick.ts';
import { initEngine } from '../src/ml/engine/init.ts';
import { spamAssassinData } from '../src/ml/models/classifier/family.ts';
import { sotuEmbedderData } from '../src/ml/models/embedder/sotu-corpus.ts';
import { heldOutScore } from '../src/ml/models/lm/evaluate.ts';
import { CharLm } from '../src/ml/models/lm/model.ts';
import { loadModel, loadTrainableModel } from '../src/ml/registry.ts';
import { parseConfig } from '../src/config/load.ts';
import { dawnRole, keyedWrongLabel, teacherMargin } from '../src/watermark/classifier/dawn.ts';
import { embeddingProbes, scoreEmbedding } from '../src/watermark/embedding/detect.ts';
import { DEFAULT_EMBEDDING_PARAMS, embeddingTriggerKey, markEmbedding, targetDirections, triggerSets, triggerWeights } from '../src/watermark/embedding/marker.ts';
import { markText } from '../src/watermark/lexical/marker.ts';
import { ksUniform } from '../src/watermark/stats.ts';
import { dawnEndToEnd } from './watermark-proxy-dawn.ts';
import { embeddingEndToEnd } from './watermark-proxy-embedding.ts';
import { embeddingRetrievalCost } from './watermark-proxy-embedding-quality.ts';

const MASTER = 'bench-watermark-master-secret-0123456789abcdef';
const ACCOUNTS = 10;
const accountKey = (i: number) => createHash('sha256').update(`bench-account-${i}`).digest();
const relative = (marked: number, plain: number) => (plain === 0 ? 0 : (plain - marked) / plain);
const round = (x: number, digits = 5) => Math.round(x * 10 ** digits) / 10 ** digits;

async function load<T>(names: string[], family: 'classifier' | 'embedder' | 'lm'): Promise<{ name: string; model: T } | null> {
  for (const name of names) {
    const dir = join('models', name);
    if (!existsSync(join(dir, 'model.json'))) continue;
    const loaded = await loadModel(dir);
    if (loaded.family === family) return { name, model: loaded.model as T };
  }
  return null;
}

async function classifierCost() {
  const found = await load<TextClassifier>(['classifier-teacher'], 'classifier');
  if (!found) return { skipped: 'models/classifier-teacher missing' };
  const { model } = found;
  const test = spamAssassinData().test.map((e) => ({ ...e, text: e.text.slice(0, 8000) }));
  const rows: number[][] = [];
  for (let i = 0; i < test.length; i += 64) rows.push(...model.predict(test.slice(i, i + 64).map((e) => e.text)));
  const predicted = rows.map((r) => model.labels[r.indexOf(Math.max(...r))] as string);
  const truth = test.map((e) => model.labels[e.label] as string);
  const accuracy = (labels: readonly string[]) => labels.filter((l, i) => l === truth[i]).length / labels.length;
  const plain = accuracy(predicted);
  const selection = parseConfig({}).watermark.classifier;
  const probabilitiesOf = (row: readonly number[]) => Object.fromEntries(model.labels.map((l, k) => [l, row[k] ?? 0]));
  const margins = rows.map((r) => teacherMargin(probabilitiesOf(r)));
  const inBand = margins.filter((m) => m >= selection.marginBand.min && m <= selection.marginBand.max).length / margins.length;
  const perAccount = Array.from({ length: ACCOUNTS }, (_, a) => {
    const key = accountKey(a);
    const served = predicted.map((label, i) => {
      const text = test[i]?.text ?? '';
      return dawnRole(key, text, margins[i], selection) === 'watermark' ? keyedWrongLabel(key, text, model.labels, label) : label;
    });
    return { accuracy: accuracy(served), flipped: served.filter((l, i) => l !== predicted[i]).length };
  });
  const marked = perAccount.reduce((s, r) => s + r.accuracy, 0) / ACCOUNTS;
  return {
    model: found.name,
    testExamples: test.length,
    fraction: selection.fraction,
    marginBand: selection.marginBand,
    bandShare: selection.bandShare,
    inBandShareMeasured: round(inBand, 4),
    accuracyPlain: round(plain),
    accuracyMarkedMean: round(marked),
    relativeCostMean: round(relative(marked, plain)),
    relativeCostMax: round(Math.max(...perAccount.map((r) => relative(r.accuracy, plain)))),
    flippedPerAccount: perAccount.map((r) => r.flipped),
  };
}

/**
 * Candidate marks side by side on one paired evaluation (watermark-proxy-embedding-quality.ts): fewer trigger words
 * (fewer passages touched, each moved as far) against a larger m (every touched passage moved less: one trigger of
 * a subset mixes in 1/m of its direction). The end-to-end run decides which of them a distilled copy still carries.
 */
function embeddingCost(model: TextEmbedder, name: string) {
  const base = DEFAULT_EMBEDDING_PARAMS;
  return embeddingRetrievalCost(
    model,
    name,
    {
      default: { params: base },
      weakerMix: { params: { ...base, maxTriggers: 6 } },
      tenTriggers: { params: { ...base, triggers: 10 }, note: 'the default for a few hours on 2026-11-27' },
      twoPerDirection: { params: { triggers: 8, directions: 4, maxTriggers: 4 } },
      twentyTriggers: { params: { triggers: 20, directions: 4, maxTriggers: 4 }, note: 'EmbMarker-sized; the default before 2026-11-27' },
      twentyTriggersM8: { params: { triggers: 20, directions: 4, maxTriggers: 8 } },
      twentyTriggersM12: { params: { triggers: 20, directions: 4, maxTriggers: 12 } },
    },
    { rounds: flagValue('quality-rounds', 13), masters: flagValue('quality-keys', 60), accounts: 2 },
  );
}

/** Bits per character of `text` under the char LM (teacher-forced windows, one forward pass per batch). */
function bitsPerChar(lm: CharLm, text: string): number {
  return heldOutScore(lm, lm.tokenizer.encode(text)).bitsPerChar;
}

async function lexicalCost() {
  if (!existsSync('models/lm-teacher/model.json')) return { skipped: 'models/lm-teacher missing' };
  const lm = await loadTrainableModel('models/lm-teacher');
  if (!(lm instanceof CharLm)) return { skipped: 'models/lm-teacher is not a character LM' };
  const found = { name: 'lm-teacher', model: lm };
  const text = loadMobyDick().heldOut.slice(0, 12_000);
  const plain = bitsPerChar(found.model, text);
  const perAccount = Array.from({ length: 3 }, (_, a) => {
    const marked = markText(text, accountKey(a));
    const before = text.split(/\s+/);
    const after = marked.split(/\s+/);
    return { bpc: bitsPerChar(found.model, marked), wordsChanged: before.filter((w, i) => w !== after[i]).length / before.length };
  });
  const markedBpc = perAccount.reduce((s, r) => s + r.bpc, 0) / perAccount.length;
  return {
    model: found.name,
    characters: text.length,
    bitsPerCharPlain: round(plain),
    bitsPerCharMarkedMean: round(markedBpc),
    relativeCostMean: round((markedBpc - plain) / plain),
    wordsChangedMean: round(perAccount.reduce((s, r) => s + r.wordsChanged, 0) / perAccount.length),
    note: 'cost = relative increase in bits per character (perplexity proxy) of a Moby-Dick char LM; the mark only touches words in the synonym table',
  };
}

function embeddingDetection(marked: TextEmbedder, independent: TextEmbedder | null) {
  const params = DEFAULT_EMBEDDING_PARAMS;
  const sets = triggerSets(embeddingTriggerKey(MASTER, 1), params);
  const bases = sotuEmbedderData()
    .test.flatMap((s) => s.passages)
    .map((p) => p.split(' ').slice(0, 24).join(' '));
  const probes = embeddingProbes(createHash('sha256').update('bench-probes').digest(), sets, params, bases, 200);
  const texts = probes.map((p) => p.text);
  const key = accountKey(0);
  const directions = targetDirections(key, marked.dimensions, params.directions);
  const served = marked.embed(texts).map((v, i) => markEmbedding(Array.from(v), triggerWeights(texts[i] ?? '', sets, params), directions));
  const observe = (vectors: readonly (readonly number[])[]) => probes.map((p, i) => ({ kind: p.kind, direction: p.direction, vector: vectors[i] ?? [] }));
  const markedScore = scoreEmbedding(observe(served), key, params);
  const nullVectors = (independent ?? marked).embed(texts).map((v) => Array.from(v));
  const nullP = Array.from({ length: 100 }, (_, i) => scoreEmbedding(observe(nullVectors), accountKey(1000 + i), params).pValue);
  return {
    probes: probes.length,
    markedServiceLog10P: round(markedScore.log10PValue, 2),
    markedServiceDeltaCos: round(markedScore.deltaCos, 4),
    independentModel: independent ? 'other embedder' : 'the same embedder, unmarked',
    nullKeys: 100,
    nullFalseAlarmsAt001: nullP.filter((p) => p < 0.01).length,
    nullKsPValue: round(ksUniform(nullP).pValue, 4),
  };
}

/** `--only=quality|embedding|dawn` runs one part; the other parts of a previous run's file are kept. */
export async function runWatermarkProxyBench(): Promise<unknown> {
  await initEngine();
  const started = Date.now();
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const file = 'bench/results/watermark-proxy.json';
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const result: Record<string, unknown> = { ...previous, createdAt: new Date().toISOString(), target: 'quality cost <= 1% relative per modality; distilled student p < 1e-6 with <= 1,000 probes (issue 6)' };
  if (only === undefined || only === 'quality') {
    const embedder = await load<TextEmbedder>(['embedder-teacher', 'embedder-student-m', 'embedder-student-s'], 'embedder');
    const other = embedder ? await load<TextEmbedder>(['embedder-student-s', 'embedder-student-m'].filter((n) => n !== embedder.name), 'embedder') : null;
    result.quality = {
      command: 'npm run bench -- watermark-proxy --only=quality',
      classifier: await step('classifier cost', classifierCost),
      embedding: embedder ? await step('embedding cost', async () => embeddingCost(embedder.model, embedder.name)) : { skipped: 'no embedder in models/' },
      lexical: await step('lexical cost', lexicalCost),
      embeddingDetection: embedder ? embeddingDetection(embedder.model, other?.model ?? null) : { skipped: 'no embedder in models/' },
    };
  }
  if (only === undefined || only === 'embedding') {
    const queries = flagValue('embedding-queries', 2000);
    const probes = flagValue('embedding-probes', 1000);
    const steps = flagValue('embedding-steps', 600);
    const accounts = flagValue('embedding-accounts', 10);
    const runs = (previous.embeddingEndToEnd ?? {}) as Record<string, unknown>;
    const defaults = DEFAULT_EMBEDDING_PARAMS;
    const mark = { triggers: flagValue('embedding-triggers', defaults.triggers), directions: flagValue('embedding-directions', defaults.directions), maxTriggers: flagValue('embedding-m', defaults.maxTriggers) };
    // --embedding-trials=N repeats the run under N masters (new triggers, accounts and directions each time).
    const trials = flagValue('embedding-trials', 1);
    const done: Record<string, unknown>[] = [];
    for (let trial = 0; trial < trials; trial++) done.push(await step(`embedding end to end ${trial + 1}/${trials}`, () => embeddingEndToEnd({ queries, accounts, steps, probes, mark, trial })));
    const markFlags = `--embedding-triggers=${mark.triggers} --embedding-directions=${mark.directions} --embedding-m=${mark.maxTriggers}`;
    const command = `npm run bench -- watermark-proxy --only=embedding --embedding-queries=${queries} --embedding-probes=${probes} --embedding-steps=${steps} --embedding-accounts=${accounts} ${markFlags}${trials === 1 ? '' : ` --embedding-trials=${trials}`}`;
    // Keyed by the mark's settings too: rows measured under an earlier default stay, labelled with theirs.
    const name = `${queries}q-${probes}p-${steps}s${accounts === 10 ? '' : `-${accounts}a`}-t${mark.triggers}d${mark.directions}m${mark.maxTriggers}${trials === 1 ? '' : `-${trials}t`}`;
    const pValues = done.map((r) => (r.suspect as { pValue: number }).pValue);
    const summary = { pValues, belowOneInAMillion: pValues.filter((p) => p < 1e-6).length, leakerFirst: done.filter((r) => r.leakedAccountRank === 1).length };
    result.embeddingEndToEnd = { ...runs, [name]: trials === 1 ? { command, probes, mark, ...done[0] } : { command, probes, mark, ...summary, trials: done } };
  }
  if (only === undefined || only === 'dawn') {
    const queries = flagValue('dawn-queries', 2000);
    const steps = flagValue('dawn-steps', 600);
    const controls = flagValue('dawn-controls', 0.1);
    const fraction = flagValue('dawn-fraction', 0.005);
    // --dawn-band=MIN,MAX,SHARE: the teacher-margin band and its expected traffic share (0,1,1 is classic DAWN).
    const defaults = parseConfig({}).watermark.classifier;
    const bandArg = process.argv.find((a) => a.startsWith('--dawn-band='))?.slice('--dawn-band='.length);
    const [min, max, share] = bandArg ? bandArg.split(',').map(Number) : [defaults.marginBand.min, defaults.marginBand.max, defaults.bandShare];
    const band = { marginBand: { min: min ?? 0, max: max ?? 1 }, bandShare: share ?? 1 };
    // One entry per harvest size, training length, control share and band, so runs with different flags sit side by side.
    const runs = (previous.dawnEndToEnd ?? {}) as Record<string, unknown>;
    // --dawn-trials=N repeats the whole run (new accounts, so new keys and new flipped inputs each time).
    const trials = flagValue('dawn-trials', 1);
    const done: Record<string, unknown>[] = [];
    for (let t = 0; t < trials; t++) done.push(await step(`DAWN end to end ${t + 1}/${trials}`, () => dawnEndToEnd({ queries, accounts: 10, steps, fraction, controlFraction: controls, ...band })));
    const bandFlag = `${band.marginBand.min},${band.marginBand.max},${band.bandShare}`;
    const fractionFlag = fraction === 0.005 ? '' : ` --dawn-fraction=${fraction}`;
    const command = `npm run bench -- watermark-proxy --only=dawn --dawn-queries=${queries} --dawn-steps=${steps}${fractionFlag} --dawn-controls=${controls} --dawn-band=${bandFlag}${trials === 1 ? '' : ` --dawn-trials=${trials}`}`;
    const name = `${queries}q-${steps}s${fraction === 0.005 ? '' : `-${fraction}f`}-${controls}c-band${band.marginBand.min}-${band.marginBand.max}${trials === 1 ? '' : `-${trials}t`}`;
    const pValues = done.map((r) => (r.suspect as { pValue: number }).pValue);
    const settings = { fraction, controlFraction: controls, ...band };
    const entry = trials === 1 ? { command, ...settings, ...done[0] } : { command, ...settings, trials: done, pValues, belowOneInAMillion: pValues.filter((p) => p < 1e-6).length, leakerFirst: done.filter((r) => r.leakedAccountRank === 1).length };
    result.dawnEndToEnd = { ...runs, [name]: entry };
  }
  result.seconds = Math.round((Date.now() - started) / 1000);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return result;
}

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  process.stderr.write(`[watermark-proxy] ${name}…\n`);
  const value = await run();
  process.stderr.write(`[watermark-proxy] ${name}: ${Math.round((Date.now() - t0) / 1000)} s\n`);
  return value;
}

function flagValue(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : Number(arg.slice(name.length + 3));
}
