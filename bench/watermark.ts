/**
 * `npm run bench -- watermark [--responses=2000] [--chars=100] [--probes=1000] [--probe-tokens=50] [--delta=2] [--steps=200] [--accounts=100]
 *   [--attribution-trials=100] [--seed=1] [--leaker=37] [--unmarked] [--name=watermark] [--work=DIR]`:
 * the text radioactivity target of issue 6, through the real pieces.
 *   1. models/lm-teacher in the model server (worker thread, trusting the gateway) with the KGW mark at δ;
 *   2. the gateway in front, `--accounts` accounts; one of them (chosen by a seeded draw) harvests `--responses`
 *      completions of `--chars` characters with `moat distill`'s harvester (top-5 logprobs);
 *   3. the attacker's student: models/lm-student-s (trained from scratch on Moby-Dick) distilled on that harvest
 *      (`distillInto`, like bench distill's LM target);
 *   4. `moat verify`'s core against the student with every account's key (ranking), `--probes` probes, 200
 *      independent keys for calibration; and against the independent models lm-student-s (the attacker's model
 *      before distillation) and lm-student-m with the leaking account's key. Both text tests run on the same
 *      answers: reference-weighted (models/lm-teacher unmarked as the reference; the CLI's default) and deduplicated.
 * Targets: student p < 1e-6 with ≤ 1,000 probes from ≥ 2,000 responses; independent models p > 0.01 (and ≥ 99% of
 * 200 independent keys p > 0.01); the leaking account ranks first. Writes bench/results/<--name>.json (watermark.json).
 * `--seed` draws the harvest's prompts and `--leaker` picks the leaking account, so a second run is a second student
 * (out-of-sample for the reference weighting, which was chosen on the seed-1 student). `--unmarked` serves the teacher
 * with the text mark off: the "student" is then a student of an unwatermarked teacher, one more independent model, and
 * its p under the would-be leaker's key and 200 random keys are independence trials (no attribution trials).
 * `--work=DIR` keeps the harvest in DIR and reads it back on the next run instead of harvesting again.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../src/config/load.ts';
import type { TextRecord } from '../src/distill/harvest/types.ts';
import { distillInto } from '../src/distill/train/distill.ts';
import { readHarvestSplit } from '../src/distill/train/harvest-data.ts';
import { startGateway } from '../src/gateway/server.ts';
import { ApiKeyHasher } from '../src/keys/api-key.ts';
import { initEngine } from '../src/ml/engine/init.ts';
import { getFamily, loadModel, loadTrainableModel } from '../src/ml/registry.ts';
import { startModelServer } from '../src/serve/server.ts';
import { startModelServerInWorker } from '../src/serve/worker.ts';
import { openMemoryStores } from '../src/store/memory/index.ts';
import { WatermarkKeyring } from '../src/watermark/keys.ts';
import { detectText } from '../src/watermark/text/detect.ts';
import type { VerifyMethod } from '../src/watermark/verify/method.ts';
import { createTextVerifyMethod, DEFAULT_PROBE_TOKENS } from '../src/watermark/verify/text-method.ts';
import { runVerify } from '../src/watermark/verify/verify.ts';
import { flag, harvestInto, round, timed } from './distill-bench/common.ts';

export const MASTER = 'bench-watermark-text-master-secret-0123456789';
const API_SECRET = 'bench-watermark-api-secret-0123456789abcdef';
const ACTION = { actor: 'bench', action: 'setup', target: '-', details: {} };
const log = (m: string) => process.stderr.write(`[watermark] ${m}\n`);

export async function runWatermarkBench(): Promise<unknown> {
  const responses = flag('responses', 2000);
  const chars = flag('chars', 100);
  const probes = flag('probes', 1000);
  const delta = flag('delta', 2);
  const steps = flag('steps', 200);
  const accounts = flag('accounts', 100);
  const unmarked = process.argv.includes('--unmarked');
  // Attribution asks which account marked the student: with no mark there is nothing to attribute.
  const attributionTrials = unmarked ? 0 : flag('attribution-trials', 100);
  const seed = flag('seed', 1);
  // Tokens each probe answer asks for (`moat verify --probe-tokens`).
  const probeTokens = flag('probe-tokens', DEFAULT_PROBE_TOKENS);
  const name = stringFlag('name') ?? 'watermark';
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`--name must be lower-case letters, digits and dashes: ${name}`);
  const started = performance.now();
  await initEngine();
  const silent = pino({ level: 'silent' });
  const config = parseConfig({
    dataDir: '/nonexistent-moat-bench',
    serve: { host: '127.0.0.1', port: 0, maxTokens: 512, maxQueue: 4096 },
    gateway: { port: 0 },
    limits: { account: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentRequests: 0 } },
    watermark: { secret: MASTER, text: { enabled: !unmarked, gamma: 0.25, delta, contextWidth: 1 } },
  });
  const ring = new WatermarkKeyring({ secret: MASTER, currentVersion: 1 });
  // --work=DIR keeps the harvest (and resumes it: the harvester pays nothing for what its cache holds) across runs.
  const workArg = stringFlag('work');
  const dir = workArg ?? mkdtempSync(join(tmpdir(), 'moat-bench-wm-'));
  mkdirSync(dir, { recursive: true });
  const closers: { close(): Promise<void> }[] = [];
  try {
    const teacher = await startModelServerInWorker(config, { trustInternalHeaders: true, models: ['lm-teacher'] });
    closers.push(teacher);
    const stores = openMemoryStores();
    const route = { name: 'moat-lm-teacher', kinds: ['chat' as const, 'completion' as const], baseUrl: `${teacher.url}/v1`, tokenizer: 'chars' as const, internal: true, timeoutMs: 600_000 };
    const gateway = await startGateway({ config: parseConfig({ ...config, models: [route] }), stores, secret: API_SECRET, logger: silent });
    closers.push(gateway);
    const hasher = new ApiKeyHasher(API_SECRET);
    const ids: string[] = [];
    const keys: string[] = [];
    for (let i = 0; i < accounts; i++) {
      const account = await stores.accounts.create({ name: `account-${i}`, limits: {}, allowedModels: null }, ACTION);
      const issued = hasher.issue();
      await stores.keys.create({ id: `key_${i}`, accountId: account.id, prefix: issued.prefix, hash: issued.hash, name: null, createdAt: Date.now(), expiresAt: null }, ACTION);
      ids.push(account.id);
      keys.push(issued.key);
    }
    const leaker = flag('leaker', 37) % accounts;
    const data = join(dir, 'harvest');
    // With --work, a finished harvest in DIR is read back instead of paid for again (the cache is keyed by the
    // gateway's URL, whose port changes between runs). Account ids are random per run, so the harvest's marker file
    // names the account whose key marked it, and that account takes the leaker's place in this run's ranking.
    const done = join(data, 'DONE.json');
    const reuse = workArg !== undefined && existsSync(done);
    const harvestKind = { seed, unmarked, responses, chars, delta: unmarked ? null : delta };
    if (reuse) {
      // Older markers carry only the account: they are seed-1 marked harvests.
      const marker = { seed: 1, unmarked: false, ...(JSON.parse(readFileSync(done, 'utf8')) as { leakerAccountId: string; seed?: number; unmarked?: boolean; delta?: number | null }) };
      const otherDelta = marker.delta !== undefined && marker.delta !== harvestKind.delta;
      if (marker.seed !== seed || marker.unmarked !== unmarked || otherDelta) throw new Error(`--work holds a harvest with seed ${marker.seed}${marker.unmarked ? ', unmarked' : ''}${otherDelta ? `, δ ${marker.delta}` : ''}: not this run's`);
      ids[leaker] = marker.leakerAccountId;
    }
    const leakKeyId = ring.keyIdFor(ids[leaker] as string);
    log(`harvesting ${responses} × ${chars} chars through the gateway as account ${leaker} (${unmarked ? 'mark off' : `δ = ${delta}`}, seed ${seed})${reuse ? ': reusing the harvest in --work' : ''}`);
    const harvest = await timed(async () => {
      if (reuse) return null;
      const summary = await harvestInto({ teacher: `${gateway.url}/v1`, keys: [keys[leaker]], model: 'moat-lm-teacher', modality: 'text', source: { kind: 'corpus', corpus: 'moby-dick' }, count: responses, out: data, maxTokens: chars, logprobs: 5, seed, timeoutMs: 600_000 }, 16);
      writeFileSync(done, `${JSON.stringify({ leakerAccountId: ids[leaker], ...harvestKind, at: new Date().toISOString() })}\n`);
      return summary;
    });
    const split = readHarvestSplit(data, 'lm');
    const all = [...(split.train.records as TextRecord[]), ...(split.heldOut.records as TextRecord[])];
    const harvestMark = detectText(all.map((r) => r.completion), ring.resolveKey(leakKeyId).key, { gamma: 0.25, contextWidth: 1 });
    log(`harvest: ${all.length} records in ${harvest.seconds} s; teacher output green ${harvestMark.greenFraction.toFixed(3)} (z ${harvestMark.z.toFixed(1)})`);
    await teacher.close();
    closers.splice(closers.indexOf(teacher), 1);

    const cut = Math.max(1, Math.floor(all.length * 0.95));
    const student = await loadTrainableModel('models/lm-student-s');
    const trained = await timed(() =>
      distillInto(student, { family: 'lm', records: all.slice(0, cut) }, { family: 'lm', records: all.slice(cut) }, { seed, steps, batchSize: 32, lr: 3e-4, evalEvery: Math.max(1, Math.round(steps / 10)), patience: 3 }),
    );
    log(`student distilled: ${trained.value.result.steps} steps in ${trained.seconds} s`);
    const served = await startModelServer({ config, models: [renamed(getFamily('lm').toBuiltin(student), 'attacker-student'), renamed(await loadModel('models/lm-student-s'), 'independent-student-s'), renamed(await loadModel('models/lm-student-m'), 'independent-student-m')], logger: silent });
    closers.push(served);
    // Answers of an earlier run in --work came from a server on another port (and maybe another student): start over.
    for (const entry of readdirSync(dir)) if (entry.startsWith('verify-')) rmSync(join(dir, entry), { recursive: true, force: true });
    // Both tests on the same answers: the run directories resume, so the second test asks the suspect nothing.
    const teacherRef = await loadModel('models/lm-teacher');
    if (teacherRef.family !== 'lm') throw new Error('models/lm-teacher is not a language model');
    const tests = {
      reference: createTextVerifyMethod(config, { name: 'models/lm-teacher', model: teacherRef.model }, { probeTokens }),
      deduplicated: createTextVerifyMethod(config, undefined, { probeTokens }),
    };
    const evaluate = async (method: VerifyMethod<string>) => {
      const verify = (model: string, keyIds: string[], rank: boolean) =>
        timed(() => runVerify({ method, keyring: ring, keyIds, rankAccounts: rank, suspect: { url: `${served.url}/v1` }, model, probes, outDir: join(dir, `verify-${model}`), nullKeys: 200, prober: { concurrency: 16, timeoutMs: 600_000 } }));
      const suspect = await verify('attacker-student', ids.map((id) => ring.keyIdFor(id)), true);
      const leakerRank = suspect.value.accounts?.find((a) => a.accountId === ids[leaker])?.rank ?? null;
      const leakerScore = suspect.value.accounts?.find((a) => a.accountId === ids[leaker]);
      log(`${method.description.slice(0, 60)}…: leaker rank ${leakerRank}, p = ${leakerScore?.pValue} (${suspect.seconds} s)`);
      const independents = [];
      for (const name of ['independent-student-s', 'independent-student-m']) {
        const r = await verify(name, [leakKeyId], false);
        const cal = r.value.calibration.independentKeys;
        independents.push({ model: name, pValue: r.value.result.pValue, statistic: round(r.value.result.statistic, 3), details: r.value.result.details, scored: r.value.result.scored, nullKeysAbove001: round(1 - cal.falseAlarmRateAt001), nullKsP: round(cal.pValueUniformity.pValue), seconds: r.seconds });
        log(`${name}: p = ${r.value.result.pValue}`);
      }
      // Attribution trials on this student: the leaking account against 99 fresh accounts' keys per trial (the
      // answers are on disk, so a trial only scores). Variation across students (other harvests) is not sampled.
      let leaderTrials = 0;
      for (let t = 0; t < attributionTrials; t++) {
        const others = Array.from({ length: Math.max(1, accounts - 1) }, (_, j) => ring.keyIdFor(`trial-${t}-account-${j}`));
        const r = await runVerify({ method, keyring: ring, keyIds: [leakKeyId, ...others], rankAccounts: true, suspect: { url: `${served.url}/v1` }, model: 'attacker-student', probes, outDir: join(dir, 'verify-attacker-student'), nullKeys: 1, prober: { concurrency: 16, timeoutMs: 600_000 } });
        if (r.accounts?.[0]?.keyId === leakKeyId) leaderTrials++;
      }
      const nullCal = suspect.value.calibration.independentKeys;
      const studentP = leakerScore?.pValue ?? 1;
      // Independent-model trials: each independent model under the leaker's key and under 200 random keys; with
      // --unmarked the student of the unwatermarked teacher is one more independent model.
      const unmarkedStudent = unmarked ? { trials: 1 + nullCal.keys, aboveP001: (studentP > 0.01 ? 1 : 0) + Math.round((1 - nullCal.falseAlarmRateAt001) * nullCal.keys) } : null;
      const trials = independents.length * 201 + (unmarkedStudent?.trials ?? 0);
      const trialsAbove = independents.reduce((n, r) => n + (r.pValue > 0.01 ? 1 : 0) + Math.round(r.nullKeysAbove001 * 200), unmarkedStudent?.aboveP001 ?? 0);
      const block = {
        description: method.description,
        student: {
          leakerRank,
          pValue: leakerScore?.pValue ?? null,
          statistic: leakerScore ? round(leakerScore.statistic, 3) : null,
          details: leakerScore?.details ?? null,
          scored: leakerScore?.scored ?? null,
          probes: suspect.value.probes,
          runnerUp: suspect.value.accounts?.find((a) => a.rank === (leakerRank === 1 ? 2 : 1))?.pValue ?? null,
          calibratedPValue: suspect.value.calibrated.calibratedPValue,
          seconds: suspect.seconds,
        },
        nullOverIndependentKeys: { keys: nullCal.keys, shareAboveP001: round(1 - nullCal.falseAlarmRateAt001), ksD: round(nullCal.pValueUniformity.d), ksP: round(nullCal.pValueUniformity.pValue) },
        independentModels: independents,
        unmarkedTeacherStudentTrials: unmarkedStudent ? { ...unmarkedStudent, share: round(unmarkedStudent.aboveP001 / unmarkedStudent.trials) } : null,
        independentTrials: { trials, aboveP001: trialsAbove, share: round(trialsAbove / trials) },
        attribution: unmarked ? 'not applicable: the teacher marked nothing' : { trials: attributionTrials, competitorsPerTrial: accounts - 1, leakerFirst: leaderTrials, share: attributionTrials ? round(leaderTrials / attributionTrials) : null },
        targets: unmarked
          ? {
              unmarkedTeacherStudentAbove001: studentP > 0.01,
              independentAbove001: independents.every((r) => r.pValue > 0.01),
              independentTrialsAbove001In99Percent: trialsAbove / trials >= 0.99,
            }
          : {
              studentPBelow1e6: studentP < 1e-6,
              independentAbove001: independents.every((r) => r.pValue > 0.01),
              independentTrialsAbove001In99Percent: trialsAbove / trials >= 0.99,
              leakerRanksFirst: leakerRank === 1,
              leakerFirstIn95PercentOfTrials: attributionTrials > 0 ? leaderTrials / attributionTrials >= 0.95 : null,
            },
      };
      return block;
    };
    const reference = await evaluate(tests.reference);
    const deduplicated = await evaluate(tests.deduplicated);
    const result = {
      bench: 'watermark',
      command: `npm run bench -- watermark --responses=${responses} --chars=${chars} --probes=${probes}${probeTokens === DEFAULT_PROBE_TOKENS ? '' : ` --probe-tokens=${probeTokens}`} --delta=${delta} --steps=${steps} --accounts=${accounts}${unmarked ? ' --unmarked' : ` --attribution-trials=${attributionTrials}`} --seed=${seed} --leaker=${leaker}${name === 'watermark' ? '' : ` --name=${name}`}`,
      settings: { responses, chars, probes, probeTokens, delta: unmarked ? null : delta, textWatermark: !unmarked, seed, leaker, gamma: 0.25, contextWidth: 1, steps, accounts, probeTemperature: 0.5, student: 'lm-student-s fine-tuned (distillInto, top-k KD)' },
      harvest: { records: all.length, reused: reuse, seconds: harvest.seconds, teacherGreenFraction: round(harvestMark.greenFraction), teacherZ: round(harvestMark.z, 2) },
      studentTraining: { steps: trained.value.result.steps, seconds: trained.seconds },
      reference,
      deduplicated,
      targets: { responsesAtLeast2000: responses >= 2000, probesAtMost1000: probes <= 1000, reference: reference.targets, deduplicated: deduplicated.targets },
      wallSeconds: round((performance.now() - started) / 1000, 1),
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(`bench/results/${name}.json`, `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    for (const c of closers.reverse()) await c.close();
    if (!workArg) rmSync(dir, { recursive: true, force: true });
  }
}

function stringFlag(flagName: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${flagName}=`))?.slice(flagName.length + 3);
}

function renamed<T extends { model: { info: { name: string } } }>(builtin: T, name: string): T {
  builtin.model.info.name = name;
  return builtin;
}

if (import.meta.url === `file://${process.argv[1]}`) await runWatermarkBench();
