/**
 * `moat verify`'s core: resolve the keys (refusing without the right secret), choose probes from the secret, ask the
 * suspect (and any reference models known to be independent) through the resumable prober, read the answers with the
 * method, score them under the key(s), calibrate on independent keys, and build the evidence report.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ResolvedKey, WatermarkKeyError, type WatermarkKeyring } from '../keys.ts';
import { calibrate, calibrateOnKeys, independentKeys } from './calibration.ts';
import { GarbageAnswer, type Probe, type VerifyMethod } from './method.ts';
import { type ProbeRecord, type ProberOptions, probeSuspect } from './prober.ts';
import type { AnswerCounts, EvidenceReport, Familywise, KeyScore, TargetReport } from './report.ts';

export class VerifyError extends Error {
  override readonly name = 'VerifyError';
}

export interface Target {
  /** OpenAI-style base URL including `/v1`. */
  url: string;
  apiKey?: string;
}

export interface VerifyOptions {
  method: VerifyMethod;
  keyring: WatermarkKeyring;
  /** Key ids tested: the one of `--key`, or every account's with `--accounts all`. */
  keyIds: readonly string[];
  /** True with `--accounts all`: the report ranks the keys and names the strongest. */
  rankAccounts: boolean;
  suspect: Target;
  /** Model name sent in probe bodies. */
  model: string;
  probes: number;
  /** Models known to be independent, probed the same way and scored under the same key. */
  references?: readonly Target[];
  /** Holds run.json, the answers (JSONL, resumable) and the report. */
  outDir: string;
  /** Independent keys for calibration (default 200). */
  nullKeys?: number;
  /** Significance level of the verdict (default 1e-3). */
  alpha?: number;
  prober?: Partial<Omit<ProberOptions, 'baseUrl' | 'apiKey' | 'file'>>;
  onProgress?: (target: string, done: number, total: number) => void;
}

export async function runVerify(options: VerifyOptions): Promise<EvidenceReport> {
  const { method, keyring } = options;
  if (options.keyIds.length === 0) throw new VerifyError('no key to verify with');
  const keys = options.keyIds.map((id) => resolveOrRefuse(keyring, id));
  const confirming = options.rankAccounts && keys.length > 1 && method.confirmationProbes !== undefined;
  const rankingBudget = confirming ? Math.max(1, Math.round(options.probes * (1 - (method.confirmationShare ?? 0)))) : options.probes;
  const selection = { probeSeed: keyring.probeSeed(), keys, count: rankingBudget, model: options.model };
  const probes = method.selectProbes(selection);
  if (probes.length === 0) throw new VerifyError(`the ${method.modality} method chose no probes`);
  mkdirSync(options.outDir, { recursive: true });
  checkRunFile(options, probes);

  const suspect = await askTarget('suspect', options.suspect, probes, options);
  if (suspect.answers.length === 0) {
    throw new VerifyError(`no usable answer from the suspect (${describeCounts(suspect.counts)}); nothing to test`);
  }
  const scoreOf = (key: ResolvedKey, answers: Asked['answers']): KeyScore => ({ keyId: key.keyId, accountId: key.accountId, version: key.version, ...method.score(answers, key) });
  const scores: KeyScore[] = keys.map((key) => scoreOf(key, suspect.answers));
  const ranking = [...scores].sort((a, b) => b.statistic - a.statistic);
  const chosen = options.rankAccounts ? ranking[0] : scores[0];
  const primaryKey = keys.find((k) => k.keyId === chosen.keyId) as ResolvedKey;

  // The confirmation stage: more of the top key's own probes, then its test on both stages.
  const extra = confirming ? (method.confirmationProbes?.({ ...selection, count: options.probes - probes.length }, primaryKey, probes) ?? []) : [];
  const confirmed = extra.length > 0 ? await askTarget('suspect-confirmation', options.suspect, extra, options) : null;
  const answers = confirmed ? [...suspect.answers, ...confirmed.answers] : suspect.answers;
  const counts = confirmed ? addCounts(suspect.counts, confirmed.counts) : suspect.counts;
  const primary = confirmed ? scoreOf(primaryKey, answers) : chosen;

  const { calibration, nullScores } = calibrateOnKeys(method, suspect.answers, independentKeys(options.nullKeys ?? 200));
  const references: TargetReport[] = [];
  for (const [i, reference] of (options.references ?? []).entries()) {
    const asked = await askTarget(`reference-${i + 1}`, reference, [...probes, ...extra], options);
    references.push({
      url: reference.url,
      answers: asked.counts,
      result: asked.answers.length > 0 ? method.score(asked.answers, primaryKey) : null,
    });
  }
  const alpha = options.alpha ?? 1e-3;
  const calibrated = calibrate(primary.statistic, nullScores);
  const incomplete = counts.failed > 0;
  const familywise = options.rankAccounts ? familywiseOf(primary.pValue, calibrated.calibratedPValue, keys.length) : null;
  return {
    createdAt: new Date().toISOString(),
    method: { modality: method.modality, description: method.description },
    suspect: { url: options.suspect.url, model: options.model },
    probes: { requested: probes.length + extra.length, ...counts },
    confirmation: confirmed ? { probes: extra.length, answered: confirmed.counts.answered, rankingPValue: ranking[0].pValue } : null,
    complete: !incomplete,
    key: { keyId: primary.keyId, accountId: primary.accountId, version: primary.version },
    result: primary,
    calibrated,
    calibration: { independentKeys: calibration, referenceModels: references },
    accounts: options.rankAccounts ? ranking.map((s, i) => ({ rank: i + 1, ...s })) : null,
    familywise,
    alpha,
    verdict: familywise
      ? verdictOf(familywise.pValue, familywise.calibratedPValue, alpha, "the top-ranked account's key", incomplete, ` (best of ${keys.length}, Bonferroni-adjusted)`)
      : verdictOf(primary.pValue, calibrated.calibratedPValue, alpha, 'this key', incomplete),
  };
}

/**
 * Ranking K accounts and naming the best is K tests: under the null the best of K p-values falls below α about K·α
 * of the time (with 100 accounts, one innocent model in ten would be "detected" at α = 0.001). The verdict on the
 * top-ranked account therefore uses Bonferroni's K·p, which holds whatever the dependence between the keys' tests.
 */
function familywiseOf(pValue: number, calibratedPValue: number, keys: number): Familywise {
  return { keys, method: 'Bonferroni', pValue: Math.min(1, pValue * keys), calibratedPValue: Math.min(1, calibratedPValue * keys) };
}

function addCounts(a: AnswerCounts, b: AnswerCounts): AnswerCounts {
  return { answered: a.answered + b.answered, garbage: a.garbage + b.garbage, failed: a.failed + b.failed, garbageExamples: [...a.garbageExamples, ...b.garbageExamples].slice(0, 5) };
}

function resolveOrRefuse(keyring: WatermarkKeyring, keyId: string): ResolvedKey {
  try {
    return keyring.resolveKey(keyId);
  } catch (err) {
    if (err instanceof WatermarkKeyError) throw new VerifyError(`refusing to verify: ${err.message}`, { cause: err });
    throw err;
  }
}

interface Asked {
  answers: { probe: Probe; observation: unknown }[];
  counts: AnswerCounts;
}

async function askTarget(name: string, target: Target, probes: readonly Probe[], options: VerifyOptions): Promise<Asked> {
  const records = await probeSuspect(probes, {
    ...options.prober,
    baseUrl: target.url,
    apiKey: target.apiKey,
    file: join(options.outDir, `answers-${name}.jsonl`),
    onRecord: (_r, done, total) => options.onProgress?.(name, done, total),
  });
  return readAnswers(options.method, probes, records);
}

function readAnswers(method: VerifyMethod, probes: readonly Probe[], records: ReadonlyMap<string, ProbeRecord>): Asked {
  const counts: AnswerCounts = { answered: 0, garbage: 0, failed: 0, garbageExamples: [] };
  const answers: Asked['answers'] = [];
  for (const probe of probes) {
    const record = records.get(probe.id);
    if (!record || record.status === 'failed') {
      counts.failed++;
      continue;
    }
    if (record.status === 'garbage') {
      noteGarbage(counts, `${probe.id}: ${record.error}`);
      continue;
    }
    try {
      answers.push({ probe, observation: method.parseAnswer(probe, record.response) });
      counts.answered++;
    } catch (err) {
      if (!(err instanceof GarbageAnswer)) throw err;
      noteGarbage(counts, `${probe.id}: ${err.message}`);
    }
  }
  return { answers, counts };
}

function noteGarbage(counts: AnswerCounts, example: string): void {
  counts.garbage++;
  if (counts.garbageExamples.length < 5) counts.garbageExamples.push(example);
}

function describeCounts(c: AnswerCounts): string {
  return `${c.answered} answered, ${c.garbage} garbage, ${c.failed} without answer`;
}

/** One run directory holds one probe set: resuming with other settings would mix answers to different questions. */
function checkRunFile(options: VerifyOptions, probes: readonly Probe[]): void {
  const file = join(options.outDir, 'run.json');
  const run = { modality: options.method.modality, suspect: options.suspect.url, model: options.model, probes: probes.length, firstProbe: probes[0].body };
  if (existsSync(file)) {
    const previous = readFileSync(file, 'utf8');
    if (previous !== JSON.stringify(run, null, 2)) {
      throw new VerifyError(`${options.outDir} holds a verification run with other settings (or another secret); use a new --out directory`);
    }
    return;
  }
  writeFileSync(file, JSON.stringify(run, null, 2));
}

function verdictOf(pValue: number, calibratedPValue: number, alpha: number, subject: string, incomplete: boolean, adjusted = ''): string {
  const partial = incomplete ? ' (partial: some probes got no answer; run again to resume)' : '';
  if (pValue < alpha && calibratedPValue < alpha) return `watermark of ${subject} detected: p = ${fmt(pValue)} (calibrated ${fmt(calibratedPValue)})${adjusted} < α = ${alpha}${partial}`;
  if (pValue < alpha) return `textbook p = ${fmt(pValue)}${adjusted} < α but the calibrated p = ${fmt(calibratedPValue)} is not: inconclusive${partial}`;
  return `no evidence of ${subject}'s watermark: p = ${fmt(pValue)}${adjusted} ≥ α = ${alpha}${partial}`;
}

export function fmt(p: number): string {
  return p === 0 ? '< 1e-300' : p < 1e-3 ? p.toExponential(2) : p.toFixed(4);
}
